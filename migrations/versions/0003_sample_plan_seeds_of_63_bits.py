"""sample plan seeds of 63 bits

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:27:34.797914
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sample_plans', schema=None) as batch_op:
        batch_op.alter_column('seed',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)



def downgrade():
    with op.batch_alter_table('sample_plans', schema=None) as batch_op:
        batch_op.alter_column('seed',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)

