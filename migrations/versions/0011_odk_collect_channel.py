"""ODK Collect: the responses' own channel ``odk`` and the Collect submissions fieldwork record

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 19:30:00

- ``responses.channel`` may be ``odk`` (a form sent from ODK Collect through ``/openrosa``). On
  PostgreSQL the check is dropped and added again; on SQLite batch mode rebuilds ``responses``
  (copying its rows, indexes, unique and foreign keys). No trigger lives on ``responses`` and no
  trigger names it, so none is dropped; with foreign keys on, SQLite's DROP of the old table would
  break the rows that point at a response (``call_attempts.response_id``), so those links are
  set aside before the rebuild and put back after it.
- ``collect_submissions``: who sent which Collect form, when (``survey_app.models.collect``).

The downgrade stores the ``odk`` responses back as ``api_entry`` (what they were before 0011).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_CHANNELS = "channel IN ('qr', 'invitation', 'api_entry', 'api_token', 'demo')"
NEW_CHANNELS = "channel IN ('qr', 'invitation', 'api_entry', 'api_token', 'demo', 'odk')"


def _links_to_responses(bind) -> list[tuple[str, str]]:
    """(table, column) of every nullable foreign key pointing at ``responses``."""
    inspector = sa.inspect(bind)
    links = []
    for table in inspector.get_table_names():
        nullable = {c["name"]: c["nullable"] for c in inspector.get_columns(table)}
        for key in inspector.get_foreign_keys(table):
            if key["referred_table"] == "responses" and len(key["constrained_columns"]) == 1:
                column = key["constrained_columns"][0]
                if nullable[column]:
                    links.append((table, column))
    return links


def _replace_channel_check(check: str) -> None:
    bind = op.get_bind()
    saved = {}
    if bind.dialect.name == "sqlite":
        for table, column in _links_to_responses(bind):
            rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table} "
                                        f"WHERE {column} IS NOT NULL")).all()
            saved[(table, column)] = rows
            bind.execute(sa.text(f"UPDATE {table} SET {column} = NULL "
                                 f"WHERE {column} IS NOT NULL"))
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_responses_channel'), type_='check')
        batch_op.create_check_constraint('channel', check)
    for (table, column), rows in saved.items():
        for row_id, value in rows:
            bind.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                         {"value": value, "id": row_id})


def upgrade():
    _replace_channel_check(NEW_CHANNELS)
    op.create_table(
        'collect_submissions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('entry_point_id', sa.Integer(), nullable=False),
        sa.Column('interviewer_id', sa.Integer(), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=True),
        sa.Column('instance_id', sa.String(length=36), nullable=True),
        sa.Column('response_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'],
                                name=op.f('fk_collect_submissions_round_id_survey_rounds')),
        sa.ForeignKeyConstraint(['entry_point_id'], ['entry_points.id'],
                                name=op.f('fk_collect_submissions_entry_point_id_entry_points')),
        sa.ForeignKeyConstraint(['interviewer_id'], ['users.id'],
                                name=op.f('fk_collect_submissions_interviewer_id_users')),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                                name=op.f('fk_collect_submissions_response_id_responses')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_collect_submissions')),
    )
    op.create_index(op.f('ix_collect_submissions_round_id'), 'collect_submissions',
                    ['round_id'], unique=False)
    op.create_index(op.f('ix_collect_submissions_interviewer_id'), 'collect_submissions',
                    ['interviewer_id'], unique=False)


def downgrade():
    op.drop_table('collect_submissions')
    op.execute("UPDATE responses SET channel = 'api_entry' WHERE channel = 'odk'")
    _replace_channel_check(OLD_CHANNELS)
