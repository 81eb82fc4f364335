"""drop the responses' questionnaire_id index: no query looks responses up by questionnaire

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 23:20:00

Responses are read by round (``ix_responses_round_id``, ``ix_responses_round_counts``), by unit
and by submission id or receipt; none by questionnaire version, and a questionnaire version is
never deleted (the foreign key's check on delete is the only reader the index had). Each stored
submission wrote one index entry for it.
"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_responses_questionnaire_id', table_name='responses')


def downgrade():
    op.create_index('ix_responses_questionnaire_id', 'responses', ['questionnaire_id'],
                    unique=False)
