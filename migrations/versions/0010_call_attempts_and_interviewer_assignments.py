"""phone interviews: interviewer assignments and call attempts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OUTCOME_CHECK = ("outcome IN ('complete', 'partial', 'refusal', 'non_contact', 'unable', "
                 "'unknown', 'ineligible')")


def upgrade():
    op.create_table(
        'interviewer_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('sample_member_id', sa.Integer(), nullable=True),
        sa.Column('interviewer_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('assigned_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_interviewer_assignments_round_id_survey_rounds')),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'],
                                name=op.f('fk_interviewer_assignments_invitation_id_invitations')),
        sa.ForeignKeyConstraint(
            ['sample_member_id'], ['sample_members.id'],
            name=op.f('fk_interviewer_assignments_sample_member_id_sample_members')),
        sa.ForeignKeyConstraint(['interviewer_id'], ['users.id'],
                                name=op.f('fk_interviewer_assignments_interviewer_id_users')),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'],
                                name=op.f('fk_interviewer_assignments_assigned_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_interviewer_assignments')),
        sa.UniqueConstraint('invitation_id', name=op.f('uq_interviewer_assignments_invitation_id')),
    )
    op.create_index(op.f('ix_interviewer_assignments_round_id'), 'interviewer_assignments',
                    ['round_id'], unique=False)
    op.create_index(op.f('ix_interviewer_assignments_interviewer_id'), 'interviewer_assignments',
                    ['interviewer_id'], unique=False)

    op.create_table(
        'call_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('sample_member_id', sa.Integer(), nullable=True),
        sa.Column('interviewer_id', sa.Integer(), nullable=False),
        sa.Column('attempted_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('callback_at', sa.DateTime(), nullable=True),
        sa.Column('response_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(OUTCOME_CHECK, name=op.f('ck_call_attempts_outcome')),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_call_attempts_round_id_survey_rounds')),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'],
                                name=op.f('fk_call_attempts_invitation_id_invitations')),
        sa.ForeignKeyConstraint(['sample_member_id'], ['sample_members.id'],
                                name=op.f('fk_call_attempts_sample_member_id_sample_members')),
        sa.ForeignKeyConstraint(['interviewer_id'], ['users.id'],
                                name=op.f('fk_call_attempts_interviewer_id_users')),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                                name=op.f('fk_call_attempts_response_id_responses')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_call_attempts')),
    )
    op.create_index(op.f('ix_call_attempts_round_id'), 'call_attempts', ['round_id'],
                    unique=False)
    op.create_index(op.f('ix_call_attempts_invitation_id'), 'call_attempts', ['invitation_id'],
                    unique=False)
    op.create_index(op.f('ix_call_attempts_interviewer_id'), 'call_attempts', ['interviewer_id'],
                    unique=False)


def downgrade():
    op.drop_table('call_attempts')
    op.drop_table('interviewer_assignments')
