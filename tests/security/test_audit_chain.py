"""The audit log is append-only and hash-chained: the database refuses UPDATE and DELETE, and
``par-survey audit verify`` names every row edited, deleted or slipped in behind its back."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, insert, select, text, update
from tests.security.tampering import tamper

from builders import create_province
from survey_app.commands.audit import verify
from survey_app.extensions import db
from survey_app.models import AuditChainHead, AuditEvent, ImmutableRecordError, Province
from survey_app.operations import audit
from survey_app.operations.rounds import record_audit

EVENTS = AuditEvent.__table__


def write_events(count: int, *, spaced: bool = False, monkeypatch=None) -> list[int]:
    """``count`` events through the one writer, committed; ``spaced`` ids leave gaps between them
    (as rolled-back transactions leave on PostgreSQL) so a forged row can be put in one."""
    if spaced:
        ids = iter(range(10, 10 * (count + 1), 10))
        monkeypatch.setattr(audit, "_next_event_id", lambda: next(ids))
    province = create_province()
    written = [record_audit(None, f"test.step{i}", province, {"i": i, "note": "bước thử"}).id
               for i in range(count)]
    db.session.commit()
    return written


def chain():
    return db.session.execute(select(EVENTS).order_by(EVENTS.c.id)).all()


def findings():
    return audit.verify_chain().findings


def test_events_are_chained_and_the_head_follows(app_ctx):
    ids = write_events(4)
    rows = chain()
    assert [row.id for row in rows] == ids
    assert rows[0].prev_hash == audit.GENESIS
    for before, after in zip(rows, rows[1:]):
        assert after.prev_hash == before.row_hash
    assert len({row.row_hash for row in rows}) == 4
    head = db.session.get(AuditChainHead, 1)
    assert (head.event_id, head.row_hash) == (ids[-1], rows[-1].row_hash)
    report = audit.verify_chain()
    assert report.intact and report.rows == 4 and report.last_hash == rows[-1].row_hash


def test_the_hash_covers_the_content(app_ctx):
    write_events(1)
    row = chain()[0]
    expected = audit.chain_hash(audit.GENESIS, audit.canonical_content(
        row.id, row.at, None, "test.step0", "provinces", row.object_id,
        {"i": 0, "note": "bước thử"}))
    assert row.row_hash == expected
    changed = audit.canonical_content(row.id, row.at, None, "test.step0", "provinces",
                                      row.object_id, {"i": 1, "note": "bước thử"})
    assert audit.chain_hash(audit.GENESIS, changed) != row.row_hash


def test_update_and_delete_of_audit_events_are_refused(app_ctx):
    ids = write_events(2)
    for statement in (update(EVENTS).where(EVENTS.c.id == ids[0]).values(action="forged"),
                      update(EVENTS).values(detail={}),
                      delete(EVENTS).where(EVENTS.c.id == ids[1]),
                      delete(EVENTS)):
        with pytest.raises(ImmutableRecordError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert [row.action for row in chain()] == ["test.step0", "test.step1"]
    assert audit.verify_chain().intact


def test_verify_names_an_edited_row(app_ctx, runner):
    ids = write_events(5)
    with tamper("audit_events") as connection:
        connection.execute(update(EVENTS).where(EVENTS.c.id == ids[2])
                           .values(detail={"i": 2, "note": "đã sửa"}))
    found = findings()
    assert [(f.event_id, f.kind) for f in found] == [(ids[2], "edited")]
    result = runner.invoke(verify)
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if line.startswith(f"#{ids[2]}:"))
    assert line.index("nội dung") < line.index("content or hash was edited")


def test_verify_names_a_row_edited_and_rehashed(app_ctx):
    ids = write_events(4)
    rows = chain()
    forged = audit.chain_hash(rows[1].prev_hash, audit.canonical_content(
        rows[1].id, rows[1].at, None, "test.forged", "provinces", rows[1].object_id, {}))
    with tamper("audit_events") as connection:
        connection.execute(update(EVENTS).where(EVENTS.c.id == ids[1])
                           .values(action="test.forged", detail={}, row_hash=forged))
    found = findings()
    assert [(f.event_id, f.kind) for f in found] == [(ids[2], "missing")]
    assert f"#{ids[1]} was rewritten" in found[0].en


def test_verify_names_a_deleted_row(app_ctx, runner):
    ids = write_events(5)
    with tamper("audit_events") as connection:
        connection.execute(delete(EVENTS).where(EVENTS.c.id == ids[2]))
    found = findings()
    assert [(f.event_id, f.kind) for f in found] == [(ids[3], "missing")]
    assert f"between #{ids[1]} and #{ids[3]} was deleted" in found[0].en
    assert f"giữa #{ids[1]} và #{ids[3]}" in found[0].vi
    result = runner.invoke(verify)
    assert result.exit_code == 1 and f"#{ids[3]}:" in result.output


def test_verify_finds_rows_cut_off_the_end_and_the_start(app_ctx):
    ids = write_events(4)
    with tamper("audit_events") as connection:
        connection.execute(delete(EVENTS).where(EVENTS.c.id >= ids[2]))
    found = findings()
    assert [(f.event_id, f.kind) for f in found] == [(None, "missing")]
    assert f"after #{ids[1]} are missing" in found[0].en and f"#{ids[3]}" in found[0].en
    with tamper("audit_events") as connection:
        connection.execute(delete(EVENTS).where(EVENTS.c.id == ids[0]))
    assert (ids[1], "missing") in [(f.event_id, f.kind) for f in findings()]


def _forge(connection, event_id: int, prev_hash: str, *, rehash: bool = True) -> None:
    at = audit.utcnow()
    content = audit.canonical_content(event_id, at, None, "round.status", "survey_rounds", "1",
                                      {"from": "published", "to": "open"})
    connection.execute(insert(EVENTS).values(
        id=event_id, at=at, user_id=None, action="round.status", object_type="survey_rounds",
        object_id="1", detail={"from": "published", "to": "open"}, prev_hash=prev_hash,
        row_hash=audit.chain_hash(prev_hash, content) if rehash else "f" * 64,
    ))


def test_verify_names_a_forged_row_chained_into_the_middle(app_ctx, monkeypatch, runner):
    ids = write_events(4, spaced=True, monkeypatch=monkeypatch)
    rows = chain()
    with tamper("audit_events") as connection:
        _forge(connection, ids[1] + 5, rows[1].row_hash)
    found = findings()
    assert [(f.event_id, f.kind) for f in found] == [(ids[1] + 5, "inserted")]
    assert f"row #{ids[2]} chains to the row before it" in found[0].en
    result = runner.invoke(verify)
    assert result.exit_code == 1 and f"#{ids[1] + 5}:" in result.output


def test_verify_names_a_forged_row_with_made_up_hashes(app_ctx, monkeypatch):
    ids = write_events(4, spaced=True, monkeypatch=monkeypatch)
    with tamper("audit_events") as connection:
        _forge(connection, ids[2] + 1, "e" * 64, rehash=False)
    kinds = [(f.event_id, f.kind) for f in findings()]
    assert sorted(kinds) == sorted([(ids[2] + 1, "edited"), (ids[2] + 1, "inserted")])


def test_verify_names_a_row_appended_behind_the_application(app_ctx):
    ids = write_events(3)
    rows = chain()
    with tamper("audit_events") as connection:
        _forge(connection, ids[-1] + 1, rows[-1].row_hash)
    found = findings()
    assert [(f.event_id, f.kind) for f in found] == [(ids[-1] + 1, "inserted")]
    assert f"after the chain head (#{ids[-1]})" in found[0].en


def test_an_intact_log_verifies_with_exit_status_0(app_ctx, runner):
    ids = write_events(3)
    result = runner.invoke(verify)
    assert result.exit_code == 0, result.output
    assert "nguyên vẹn" in result.output and "is intact: 3 rows" in result.output
    assert f"#{ids[-1]}" in result.output and chain()[-1].row_hash in result.output


def test_two_concurrent_writers_do_not_fork_the_chain(app):
    """Each writer holds its transaction open after chaining, so without the head lock the other
    would chain onto the same row."""
    with app.app_context():
        province = create_province()
        db.session.commit()
        province_id = province.id
    per_writer, errors = 8, []
    start = threading.Barrier(2)

    def writer(name: str) -> None:
        try:
            with app.app_context():
                target = db.session.get(Province, province_id)
                start.wait(timeout=30)
                for i in range(per_writer):
                    record_audit(None, f"test.{name}", target, {"i": i})
                    threading.Event().wait(0.02)  # keep the transaction open a moment
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (reported by the test below)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    with app.app_context():
        rows = chain()
        assert len(rows) == 2 * per_writer
        assert {row.action for row in rows} == {"test.a", "test.b"}
        assert len({row.prev_hash for row in rows}) == len(rows)  # no two rows share a parent
        report = audit.verify_chain()
        assert report.intact, [f.sentence() for f in report.findings]
        db.session.remove()


def test_upgrade_chains_the_events_already_there(empty_database_url, tmp_path):
    """A 0004 database holding audit events upgrades to head with those events chained, the
    head set and the triggers in place; the downgrade takes them away again."""
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_test_app

    app = make_test_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0004")
        old = sa.table("audit_events", sa.column("at", sa.DateTime), sa.column("action", sa.String),
                       sa.column("object_type", sa.String), sa.column("object_id", sa.String),
                       sa.column("detail", sa.JSON), sa.column("user_id", sa.Integer))
        with db.engine.begin() as connection:
            for i in range(3):
                connection.execute(insert(old).values(
                    at=audit.utcnow(), action=f"legacy.{i}", object_type="survey_rounds",
                    object_id=str(i), detail={"from": "closed", "to": "published", "n": i / 3},
                    user_id=None))
        upgrade(directory=directory)
        report = audit.verify_chain()
        assert report.intact and report.rows == 3
        rows = chain()
        assert rows[0].prev_hash == audit.GENESIS and rows[-1].row_hash == report.last_hash
        head = db.session.get(AuditChainHead, 1)
        assert (head.event_id, head.row_hash) == (rows[-1].id, rows[-1].row_hash)
        event = audit.record_event(None, "after.upgrade", "audit_events", str(rows[0].id), {})
        db.session.commit()
        assert event.prev_hash == rows[-1].row_hash and audit.verify_chain().intact
        with pytest.raises(ImmutableRecordError):
            db.session.execute(delete(EVENTS))
        db.session.rollback()
        db.session.remove()
        downgrade(directory=directory, revision="0004")
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))
            columns = {c["name"] for c in sa.inspect(connection).get_columns("audit_events")}
        assert "row_hash" not in columns
        db.engine.dispose()
