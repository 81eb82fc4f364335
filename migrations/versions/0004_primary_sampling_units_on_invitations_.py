"""primary sampling units on invitations and responses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 00:33:41.411861
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('psu', sa.String(length=100), nullable=True))

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('psu', sa.String(length=100), nullable=True))



def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('psu')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('psu')

