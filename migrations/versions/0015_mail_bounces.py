"""late bounces: the Message-ID each e-mail reminder was sent with, the bounces (RFC 3464
delivery status notifications) recorded per invitation, and 'bounce' as a disposition source

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-01 19:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

SOURCES_BEFORE = "source IN ('submission', 'draft', 'mail', 'staff')"
SOURCES_AFTER = "source IN ('submission', 'draft', 'mail', 'staff', 'bounce')"
APPEND_ONLY = ("[immutable:disposition_events] Lịch sử kết quả liên hệ chỉ được ghi thêm, không "
               "sửa hay xoá / the disposition history is append-only: its rows cannot be changed "
               "or deleted.")


def _sources(check: str) -> None:
    """Replace the check of disposition_events.source: in place on PostgreSQL; on SQLite by
    recreating the table (batch), whose append-only triggers are then created again."""
    name = op.f('ck_disposition_events_source')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(name, 'disposition_events', type_='check')
        op.create_check_constraint(name, 'disposition_events', check)
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS disposition_events_append_only_{event}")
    with op.batch_alter_table('disposition_events', recreate='always') as batch_op:
        batch_op.drop_constraint(name, type_='check')
        batch_op.create_check_constraint(name, check)
    message = APPEND_ONLY.replace("'", "''")
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER disposition_events_append_only_{event.lower()} BEFORE {event} "
            f"ON disposition_events BEGIN SELECT RAISE(ABORT, '{message}'); END")


def upgrade():
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_reminders_message_id'), ['message_id'],
                              unique=False)
    op.create_table(
        'mail_bounces',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('reminder_id', sa.Integer(), nullable=False),
        sa.Column('notice_key', sa.String(length=64), nullable=False),
        sa.Column('recipient_domain', sa.String(length=255), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('hard', sa.Boolean(), nullable=False),
        sa.Column('diagnostic', sa.Text(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_mail_bounces_round_id_survey_rounds')),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'],
                                name=op.f('fk_mail_bounces_invitation_id_invitations')),
        sa.ForeignKeyConstraint(['reminder_id'], ['reminders.id'],
                                name=op.f('fk_mail_bounces_reminder_id_reminders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_bounces')),
        sa.UniqueConstraint('reminder_id', 'notice_key',
                            name=op.f('uq_mail_bounces_reminder_notice')),
    )
    op.create_index(op.f('ix_mail_bounces_round_id'), 'mail_bounces', ['round_id'],
                    unique=False)
    op.create_index(op.f('ix_mail_bounces_invitation_id'), 'mail_bounces', ['invitation_id'],
                    unique=False)
    _sources(SOURCES_AFTER)


def downgrade():
    _sources(SOURCES_BEFORE)
    op.drop_table('mail_bounces')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_message_id'))
        batch_op.drop_column('message_id')
