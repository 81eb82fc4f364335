"""multi-unit invitations: one link for several units rated with one questionnaire

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'invitation_bundles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('questionnaire_id', sa.Integer(), nullable=False),
        sa.Column('respondent_group', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('issued', 'used', 'revoked')",
                           name=op.f('ck_invitation_bundles_status')),
        sa.ForeignKeyConstraint(
            ['questionnaire_id'], ['questionnaire_versions.id'],
            name=op.f('fk_invitation_bundles_questionnaire_id_questionnaire_versions')),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_invitation_bundles_round_id_survey_rounds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_bundles')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_bundles_token_hash')),
    )
    with op.batch_alter_table('invitation_bundles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_bundles_round_id'), ['round_id'],
                              unique=False)

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bundle_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invitations_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_invitations_bundle_id_invitation_bundles'),
                                    'invitation_bundles', ['bundle_id'], ['id'])


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitations_bundle_id_invitation_bundles'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invitations_bundle_id'))
        batch_op.drop_column('bundle_id')

    with op.batch_alter_table('invitation_bundles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_bundles_round_id'))
    op.drop_table('invitation_bundles')
