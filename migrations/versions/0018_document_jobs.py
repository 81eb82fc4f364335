"""Document jobs: a round's documents (report, officials' workbook, unit sheets) built in the
background in the export_jobs table, which records the document's name and language

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 23:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_jobs') as batch:
        batch.add_column(sa.Column('document', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('lang', sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table('export_jobs') as batch:
        batch.drop_column('lang')
        batch.drop_column('document')
