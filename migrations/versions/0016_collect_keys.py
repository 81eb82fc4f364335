"""ODK Collect keys: a per-interviewer secret in the OpenRosa server URL, stored as a keyed hash

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'collect_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_collect_keys_user_id_users')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'],
                                name=op.f('fk_collect_keys_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_collect_keys')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_collect_keys_token_hash')),
    )
    op.create_index(op.f('ix_collect_keys_user_id'), 'collect_keys', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_collect_keys_user_id'), table_name='collect_keys')
    op.drop_table('collect_keys')
