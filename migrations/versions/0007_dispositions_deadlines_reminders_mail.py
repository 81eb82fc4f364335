"""AAPOR dispositions with their append-only history, round deadlines and unit due dates,
reminders, mail jobs, sealed invitation tokens

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

DISPOSITION_CHECK = ("disposition IN ('complete', 'partial', 'refusal', 'non_contact', 'unable', "
                     "'unknown', 'ineligible')")
APPEND_ONLY = ("[immutable:disposition_events] Lịch sử kết quả liên hệ chỉ được ghi thêm, không "
               "sửa hay xoá / the disposition history is append-only: its rows cannot be changed "
               "or deleted.")


def _triggers_up():
    message = APPEND_ONLY.replace("'", "''")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION par_disposition_events_append_only() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql")
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER disposition_events_append_only_{event.lower()} BEFORE {event} "
                "ON disposition_events FOR EACH ROW EXECUTE FUNCTION "
                "par_disposition_events_append_only()")
        op.execute(
            "CREATE TRIGGER disposition_events_append_only_truncate BEFORE TRUNCATE ON "
            "disposition_events FOR EACH STATEMENT EXECUTE FUNCTION "
            "par_disposition_events_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER disposition_events_append_only_{event.lower()} BEFORE {event} "
                f"ON disposition_events BEGIN SELECT RAISE(ABORT, '{message}'); END")


def _triggers_down():
    if op.get_bind().dialect.name == "postgresql":
        for event in ("update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS disposition_events_append_only_{event} "
                       "ON disposition_events")
        op.execute("DROP FUNCTION IF EXISTS par_disposition_events_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS disposition_events_append_only_{event}")


def upgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disposition', sa.String(length=16),
                                      server_default='unknown', nullable=False))
        batch_op.add_column(sa.Column('sealed_token', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('reminder_count', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.create_check_constraint('disposition', DISPOSITION_CHECK)
    op.execute("UPDATE invitations SET disposition = 'complete' WHERE status = 'used'")
    with op.batch_alter_table('sample_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disposition', sa.String(length=16),
                                      server_default='unknown', nullable=False))
    op.execute("UPDATE sample_members SET disposition = 'complete' WHERE id IN "
               "(SELECT sample_member_id FROM invitations WHERE status = 'used')")

    op.create_table(
        'mail_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('invitation_ids', sa.Text(), nullable=False),
        sa.Column('progress_step', sa.Integer(), nullable=False),
        sa.Column('progress_total', sa.Integer(), nullable=False),
        sa.Column('sent', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')",
                           name=op.f('ck_mail_jobs_status')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_mail_jobs_requested_by_id_users')),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_mail_jobs_round_id_survey_rounds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_jobs')),
    )
    op.create_index(op.f('ix_mail_jobs_round_id'), 'mail_jobs', ['round_id'], unique=False)

    op.create_table(
        'disposition_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=True),
        sa.Column('sample_member_id', sa.Integer(), nullable=True),
        sa.Column('disposition', sa.String(length=16), nullable=False),
        sa.Column('previous', sa.String(length=16), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint(DISPOSITION_CHECK, name=op.f('ck_disposition_events_disposition')),
        sa.CheckConstraint("source IN ('submission', 'draft', 'mail', 'staff')",
                           name=op.f('ck_disposition_events_source')),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'],
                                name=op.f('fk_disposition_events_invitation_id_invitations')),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_disposition_events_round_id_survey_rounds')),
        sa.ForeignKeyConstraint(['sample_member_id'], ['sample_members.id'],
                                name=op.f('fk_disposition_events_sample_member_id_sample_members')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_disposition_events_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_disposition_events')),
    )
    for column in ('round_id', 'invitation_id', 'sample_member_id'):
        op.create_index(op.f(f'ix_disposition_events_{column}'), 'disposition_events', [column],
                        unique=False)
    _triggers_up()

    op.create_table(
        'round_deadlines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.CheckConstraint("kind IN ('fieldwork_ends', 'units_report', 'results_due')",
                           name=op.f('ck_round_deadlines_kind')),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_round_deadlines_round_id_survey_rounds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_round_deadlines')),
        sa.UniqueConstraint('round_id', 'kind', name='uq_round_deadlines_round_kind'),
    )
    op.create_index(op.f('ix_round_deadlines_round_id'), 'round_deadlines', ['round_id'],
                    unique=False)

    op.create_table(
        'unit_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_unit_tasks_round_id_survey_rounds')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_unit_tasks_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_tasks')),
        sa.UniqueConstraint('round_id', 'unit_id', name='uq_unit_tasks_round_unit'),
    )
    op.create_index(op.f('ix_unit_tasks_round_id'), 'unit_tasks', ['round_id'], unique=False)

    op.create_table(
        'reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=8), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('mail_job_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("channel IN ('email', 'xlsx')", name=op.f('ck_reminders_channel')),
        sa.CheckConstraint("outcome IN ('sent', 'failed', 'listed')",
                           name=op.f('ck_reminders_outcome')),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'],
                                name=op.f('fk_reminders_invitation_id_invitations')),
        sa.ForeignKeyConstraint(['mail_job_id'], ['mail_jobs.id'],
                                name=op.f('fk_reminders_mail_job_id_mail_jobs')),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_reminders_round_id_survey_rounds')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_reminders_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    )
    op.create_index(op.f('ix_reminders_round_id'), 'reminders', ['round_id'], unique=False)
    op.create_index(op.f('ix_reminders_invitation_id'), 'reminders', ['invitation_id'],
                    unique=False)


def downgrade():
    op.drop_table('reminders')
    op.drop_table('unit_tasks')
    op.drop_table('round_deadlines')
    _triggers_down()
    op.drop_table('disposition_events')
    op.drop_table('mail_jobs')
    with op.batch_alter_table('sample_members', schema=None) as batch_op:
        batch_op.drop_column('disposition')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_invitations_disposition'), type_='check')
        batch_op.drop_column('reminder_count')
        batch_op.drop_column('sealed_token')
        batch_op.drop_column('disposition')
