"""a covering index of a round's responses for the monitor's counts and the analysis cache's data
version

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01 19:55:00

The monitor counts a round's responses by unit, respondent group, day and quarantine, and the
results page's cache reads the round's response count, largest id and quarantined set on every
request: with this index the database answers them from the index alone, without reading the
responses' answers (100,000 responses: see the README's "Big rounds").
"""
from alembic import op


revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None

COLUMNS = ['round_id', 'quarantined', 'rated_unit_id', 'respondent_group', 'submitted_on']


def upgrade():
    op.create_index('ix_responses_round_counts', 'responses', COLUMNS)


def downgrade():
    op.drop_index('ix_responses_round_counts', table_name='responses')
