"""Database triggers that keep published records and the audit log unchangeable (revision 0005).

Published questionnaires and methodology packs, published rounds with their rating matrix, and
every row of ``audit_events`` are refused an UPDATE or DELETE by the database itself, so a Core
statement, a script or a SQL console cannot change them either; a correction is a new version.

Each refusal message starts with ``[immutable:<table>]``: the app recognises the marker
(``survey_app.models.immutability``) and shows the sentence that follows.

SQLite keeps a table's triggers only while the table lives: a later revision that rebuilds one of
these tables in batch mode (``batch_alter_table`` with an alter or drop; adding a column does not
rebuild) must call :func:`drop_triggers` before and :func:`create_triggers` after it. SQLite also
refuses to rename a table while another table's trigger names a missing one, which is what batch
mode does, so the drop is needed for ``survey_rounds`` and ``rating_cells`` too. The text here is
the triggers as revision 0005 made them; a revision that changes them writes the new text in its
own file.
"""
from __future__ import annotations

MESSAGES = {
    "questionnaire_versions": (
        "Phiếu hỏi đã công bố (hoặc đang dùng trong một đợt đã công bố) không sửa hay xoá được; "
        "hãy công bố phiên bản mới kèm lý do / a published questionnaire, or one used by a "
        "published round, cannot be changed or deleted: publish a new version with a reason."
    ),
    "methodology_packs": (
        "Bộ phương pháp đã công bố (hoặc đang dùng trong một đợt đã công bố) không sửa hay xoá "
        "được; hãy công bố phiên bản mới kèm lý do / a published methodology pack, or one used "
        "by a published round, cannot be changed or deleted: publish a new version with a reason."
    ),
    "survey_rounds": (
        "Đợt khảo sát đã công bố không sửa, xoá hay chuyển trạng thái được; hãy tạo đợt mới kèm "
        "lý do / a published round cannot be changed, deleted or moved out of published: make a "
        "new round with a reason."
    ),
    "rating_cells": (
        "Ma trận đánh giá của đợt đã công bố không sửa được / the rating matrix of a published "
        "round cannot change."
    ),
    "audit_events": (
        "Nhật ký kiểm toán chỉ được ghi thêm, không sửa hay xoá / the audit log is append-only: "
        "its rows cannot be changed or deleted."
    ),
}


def message(table: str) -> str:
    return f"[immutable:{table}] {MESSAGES[table]}"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- conditions, shared by the two dialects where SQL allows ------------------------------------

_QUESTIONNAIRE_IN_PUBLISHED_ROUND = (
    "EXISTS (SELECT 1 FROM rating_cells c JOIN survey_rounds r ON r.id = c.round_id "
    "WHERE c.questionnaire_id = {id} AND r.status = 'published')"
)
_PACK_IN_PUBLISHED_ROUND = (
    "EXISTS (SELECT 1 FROM survey_rounds r WHERE r.methodology_pack_id = {id} "
    "AND r.status = 'published')"
)
_ROUND_PUBLISHED = (
    "EXISTS (SELECT 1 FROM survey_rounds r WHERE r.id = {id} AND r.status = 'published')"
)

# (trigger name, table, event, SQLite WHEN condition, PostgreSQL WHEN condition)
_ROW_TRIGGERS = [
    ("audit_events_append_only_update", "audit_events", "UPDATE", None, None),
    ("audit_events_append_only_delete", "audit_events", "DELETE", None, None),
    ("questionnaire_versions_published_update", "questionnaire_versions", "UPDATE",
     "OLD.status = 'published' OR " + _QUESTIONNAIRE_IN_PUBLISHED_ROUND.format(id="OLD.id"),
     "OLD.status = 'published' OR par_questionnaire_in_published_round(OLD.id)"),
    ("questionnaire_versions_published_delete", "questionnaire_versions", "DELETE",
     "OLD.status = 'published' OR " + _QUESTIONNAIRE_IN_PUBLISHED_ROUND.format(id="OLD.id"),
     "OLD.status = 'published' OR par_questionnaire_in_published_round(OLD.id)"),
    ("methodology_packs_published_update", "methodology_packs", "UPDATE",
     "OLD.status = 'published' OR " + _PACK_IN_PUBLISHED_ROUND.format(id="OLD.id"),
     "OLD.status = 'published' OR par_pack_in_published_round(OLD.id)"),
    ("methodology_packs_published_delete", "methodology_packs", "DELETE",
     "OLD.status = 'published' OR " + _PACK_IN_PUBLISHED_ROUND.format(id="OLD.id"),
     "OLD.status = 'published' OR par_pack_in_published_round(OLD.id)"),
    # Nothing of a published round changes: not its status (published is final), code, year,
    # pack, dates or titles. Its QR entry points, frames and responses live in other tables.
    ("survey_rounds_published_update", "survey_rounds", "UPDATE",
     "OLD.status = 'published'", "OLD.status = 'published'"),
    ("survey_rounds_published_delete", "survey_rounds", "DELETE",
     "OLD.status = 'published'", "OLD.status = 'published'"),
    ("rating_cells_published_insert", "rating_cells", "INSERT",
     _ROUND_PUBLISHED.format(id="NEW.round_id"), "par_round_is_published(NEW.round_id)"),
    ("rating_cells_published_update", "rating_cells", "UPDATE",
     _ROUND_PUBLISHED.format(id="OLD.round_id") + " OR "
     + _ROUND_PUBLISHED.format(id="NEW.round_id"),
     "par_round_is_published(OLD.round_id) OR par_round_is_published(NEW.round_id)"),
    ("rating_cells_published_delete", "rating_cells", "DELETE",
     _ROUND_PUBLISHED.format(id="OLD.round_id"), "par_round_is_published(OLD.round_id)"),
]

# PostgreSQL also refuses TRUNCATE (which fires no row trigger) while it would remove a protected
# row: (trigger name, table, query answering whether a protected row exists).
_TRUNCATE_TRIGGERS = [
    ("audit_events_append_only_truncate", "audit_events", "SELECT true"),
    ("questionnaire_versions_published_truncate", "questionnaire_versions",
     "SELECT EXISTS (SELECT 1 FROM questionnaire_versions WHERE status = 'published')"),
    ("methodology_packs_published_truncate", "methodology_packs",
     "SELECT EXISTS (SELECT 1 FROM methodology_packs WHERE status = 'published')"),
    ("survey_rounds_published_truncate", "survey_rounds",
     "SELECT EXISTS (SELECT 1 FROM survey_rounds WHERE status = 'published')"),
    ("rating_cells_published_truncate", "rating_cells",
     "SELECT EXISTS (SELECT 1 FROM rating_cells c JOIN survey_rounds r ON r.id = c.round_id "
     "WHERE r.status = 'published')"),
]

TABLES = tuple(sorted({table for _, table, *_ in _ROW_TRIGGERS}))

_PG_FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION par_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_id text := '';
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        IF TG_OP = 'INSERT' THEN
            row_id := ' (id ' || NEW.id || ')';
        ELSE
            row_id := ' (id ' || OLD.id || ')';
        END IF;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
        MESSAGE = TG_ARGV[0] || row_id;
END
$$""",
    """
CREATE OR REPLACE FUNCTION par_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    protected boolean;
BEGIN
    EXECUTE TG_ARGV[1] INTO protected;
    IF protected THEN
        RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = TG_ARGV[0];
    END IF;
    RETURN NULL;
END
$$""",
    # Arguments by position ($1): a parameter named like a column would be read as the column.
    "CREATE OR REPLACE FUNCTION par_round_is_published(round_id integer) RETURNS boolean "
    "LANGUAGE sql STABLE AS $$ SELECT " + _ROUND_PUBLISHED.format(id="$1") + " $$",
    "CREATE OR REPLACE FUNCTION par_questionnaire_in_published_round(questionnaire_id integer) "
    "RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT "
    + _QUESTIONNAIRE_IN_PUBLISHED_ROUND.format(id="$1") + " $$",
    "CREATE OR REPLACE FUNCTION par_pack_in_published_round(pack_id integer) RETURNS boolean "
    "LANGUAGE sql STABLE AS $$ SELECT " + _PACK_IN_PUBLISHED_ROUND.format(id="$1") + " $$",
]
_PG_FUNCTION_NAMES = [
    "par_refuse_change()", "par_refuse_truncate()", "par_round_is_published(integer)",
    "par_questionnaire_in_published_round(integer)", "par_pack_in_published_round(integer)",
]


def trigger_names(dialect: str, tables=TABLES) -> list[str]:
    """The names of the triggers this module makes on ``tables`` for ``dialect``."""
    names = [name for name, table, *_ in _ROW_TRIGGERS if table in tables]
    if dialect == "postgresql":
        names += [name for name, table, _ in _TRUNCATE_TRIGGERS if table in tables]
    return names


def create_statements(dialect: str, tables=TABLES) -> list[str]:
    """SQL creating the triggers on ``tables`` (all by default); on PostgreSQL, their functions."""
    if dialect == "sqlite":
        statements = []
        for name, table, operation, sqlite_when, _ in _ROW_TRIGGERS:
            if table not in tables:
                continue
            when = f" WHEN {sqlite_when}" if sqlite_when else ""
            statements.append(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW{when} "
                f"BEGIN SELECT RAISE(ABORT, {_quoted(message(table))}); END"
            )
        return statements
    if dialect == "postgresql":
        statements = [function.strip() for function in _PG_FUNCTIONS]
        for name, table, operation, _, pg_when in _ROW_TRIGGERS:
            if table not in tables:
                continue
            when = f" WHEN ({pg_when})" if pg_when else ""
            statements.append(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW{when} "
                f"EXECUTE FUNCTION par_refuse_change({_quoted(message(table))})"
            )
        for name, table, query in _TRUNCATE_TRIGGERS:
            if table not in tables:
                continue
            statements.append(
                f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION par_refuse_truncate({_quoted(message(table))}, {_quoted(query)})"
            )
        return statements
    raise ValueError(f"no record triggers for the {dialect} dialect")


def drop_statements(dialect: str, tables=TABLES, *, functions: bool = False) -> list[str]:
    """SQL dropping the triggers on ``tables`` (on PostgreSQL, their functions with
    ``functions``)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in trigger_names(dialect, tables)]
    if dialect == "postgresql":
        statements = [
            f"DROP TRIGGER IF EXISTS {name} ON {table}"
            for name, table, *_ in _ROW_TRIGGERS + _TRUNCATE_TRIGGERS
            if table in tables
        ]
        if functions:
            statements += [f"DROP FUNCTION IF EXISTS {name}" for name in _PG_FUNCTION_NAMES]
        return statements
    raise ValueError(f"no record triggers for the {dialect} dialect")


def create_triggers(op, tables=TABLES) -> None:
    """Create the triggers on ``tables`` inside an Alembic revision (``op`` is ``alembic.op``)."""
    for statement in create_statements(op.get_bind().dialect.name, tables):
        op.execute(statement)


def drop_triggers(op, tables=TABLES, *, functions: bool = False) -> None:
    for statement in drop_statements(op.get_bind().dialect.name, tables, functions=functions):
        op.execute(statement)
