"""invitation files kept for a limited time (PDF cards, XLSX lists of one issue)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'invitation_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('batch', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('mimetype', sa.String(length=100), nullable=False),
        sa.Column('invitation_count', sa.Integer(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('pdf', 'xlsx')", name=op.f('ck_invitation_files_kind')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_invitation_files_created_by_id_users')),
        sa.ForeignKeyConstraint(['plan_id'], ['sample_plans.id'],
                                name=op.f('fk_invitation_files_plan_id_sample_plans')),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_invitation_files_round_id_survey_rounds')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'],
                                name=op.f('fk_invitation_files_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_files')),
    )
    with op.batch_alter_table('invitation_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_files_batch'), ['batch'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_files_expires_at'), ['expires_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_invitation_files_round_id'), ['round_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('invitation_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_files_round_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_files_expires_at'))
        batch_op.drop_index(batch_op.f('ix_invitation_files_batch'))
    op.drop_table('invitation_files')
