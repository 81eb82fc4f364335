"""immutable published records and a hash-chained, append-only audit log

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00

- ``audit_events`` gains ``prev_hash`` and ``row_hash``; the rows already there are chained in id
  order here, with the same canonical content the app uses (``survey_app.operations.audit``;
  a test upgrades a 0004 database holding events and verifies the chain).
- ``audit_chain_head``: one row with the chain's last event and hash, locked by every writer.
- Triggers (``migrations/record_triggers.py``) refusing UPDATE and DELETE of audit events, of
  published questionnaires and packs (and of those a published round uses), of published rounds,
  and of a published round's rating cells; on PostgreSQL also TRUNCATE of protected rows.
"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

from migrations import record_triggers

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _canonical(row) -> str:
    # Chain format 1; survey_app.operations.audit.canonical_content is the same function.
    content = {
        "id": row.id,
        "at": row.at.isoformat(timespec="microseconds"),
        "user_id": row.user_id,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "detail": row.detail,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode("utf-8")).hexdigest()


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))

    head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )

    events = sa.table(
        'audit_events',
        sa.column('id', sa.Integer), sa.column('at', sa.DateTime), sa.column('user_id', sa.Integer),
        sa.column('action', sa.String), sa.column('object_type', sa.String),
        sa.column('object_id', sa.String), sa.column('detail', sa.JSON),
        sa.column('prev_hash', sa.String), sa.column('row_hash', sa.String),
    )
    bind = op.get_bind()
    prev_hash, last_id = GENESIS, None
    rows = bind.execute(sa.select(events).order_by(events.c.id)).all()
    for row in rows:
        row_hash = _chain_hash(prev_hash, _canonical(row))
        bind.execute(
            events.update().where(events.c.id == row.id)
            .values(prev_hash=prev_hash, row_hash=row_hash)
        )
        prev_hash, last_id = row_hash, row.id
    op.bulk_insert(head, [{"id": 1, "event_id": last_id, "row_hash": prev_hash}])

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('row_hash', existing_type=sa.String(length=64), nullable=False)

    # After the batch rebuild of audit_events above, which on SQLite would drop its triggers.
    record_triggers.create_triggers(op)


def downgrade():
    record_triggers.drop_triggers(op, functions=True)
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
