"""A database that cannot answer or a full disk: a 503 refusal with Retry-After in the client's
language (JSON under /api/, a page elsewhere), nothing stored, and intake resumes afterwards.

The faults are simulated on the app's real engine: the driver's own error (SQLite's or
psycopg's) is raised where the statement or the commit would have run, so SQLAlchemy wraps it as
it wraps a real one. The scenarios with a real restart and a real full disk are in ``bench/``
(``fault_postgres_restart.py``, ``fault_disk_full.py``)."""
from __future__ import annotations

import re
import sqlite3
import uuid

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from builders import GOOD_ANSWERS, create_user, invitation_for, log_in, open_round_with_entry
from survey_app.config import Config
from survey_app.database import engine_options
from survey_app.extensions import db
from survey_app.models import Draft, Invitation, Response
from survey_app.unavailable import DATABASE_UNAVAILABLE, STORAGE_FULL, classify
from tests.conftest import make_test_app


def driver_error(kind: str) -> Exception:
    """The error the app's database driver raises for a full disk or a lost server."""
    if db.engine.dialect.name == "sqlite":
        message = "database or disk is full" if kind == STORAGE_FULL else "database is locked"
        return sqlite3.OperationalError(message)
    import psycopg

    if kind == STORAGE_FULL:
        return psycopg.errors.DiskFull('could not extend file "base/16384/16385": No space left '
                                       "on device")
    return psycopg.OperationalError("consuming input failed: server closed the connection "
                                    "unexpectedly")


@pytest.fixture
def fault(app_ctx, monkeypatch):
    """``fault(kind, at="insert"|"commit"|"select")`` makes that step fail with the driver's
    error until ``fault.clear()``."""

    class Fault:
        listener = None

        def __call__(self, kind: str, at: str) -> None:
            error = driver_error(kind)
            if at == "commit":
                def fail_commit(dbapi_connection):
                    raise error

                monkeypatch.setattr(db.engine.dialect, "do_commit", fail_commit)
                return
            word = "INSERT INTO responses" if at == "insert" else "SELECT"

            def fail(conn, cursor, statement, parameters, context, executemany):
                if statement.lstrip().upper().startswith(word.upper()):
                    raise error

            self.listener = fail
            event.listen(db.engine, "before_cursor_execute", fail)

        def clear(self) -> None:
            monkeypatch.undo()
            if self.listener is not None:
                event.remove(db.engine, "before_cursor_execute", self.listener)
                self.listener = None

    fault = Fault()
    yield fault
    fault.clear()


@pytest.fixture
def entry(app_ctx):
    entry = open_round_with_entry()
    db.session.commit()
    return entry


def stored() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(Response))


def submission(**kw) -> dict:
    return {"submission_id": str(uuid.uuid4()), "answers": dict(GOOD_ANSWERS), **kw}


@pytest.mark.parametrize("kind, at", [(STORAGE_FULL, "insert"), (STORAGE_FULL, "commit"),
                                      (DATABASE_UNAVAILABLE, "insert"),
                                      (DATABASE_UNAVAILABLE, "commit")])
def test_a_submission_the_database_cannot_take_is_a_503_with_retry_after(client, entry, fault,
                                                                         kind, at):
    payload = submission(entry=entry.code)
    fault(kind, at)
    reply = client.post("/api/v1/submissions", json=payload)
    assert reply.status_code == 503
    assert int(reply.headers["Retry-After"]) == (300 if kind == STORAGE_FULL else 10)
    error = reply.get_json()["error"]
    assert error["code"] == kind and error["retry_after"] == int(reply.headers["Retry-After"])
    if kind == STORAGE_FULL:
        assert error["message_vi"].startswith("Bộ nhớ lưu trữ của hệ thống đã đầy")
        assert error["message_en"].startswith("The system's storage is full")
    else:
        assert "không kết nối được cơ sở dữ liệu" in error["message_vi"]
        assert error["message_en"].startswith("The system cannot reach its database")
    assert "Traceback" not in reply.get_data(as_text=True)
    fault.clear()
    assert stored() == 0
    again = client.post("/api/v1/submissions", json=payload)  # the fault is over: intake resumes
    assert again.status_code == 201
    assert again.get_json()["submission_id"] == payload["submission_id"]
    assert stored() == 1


def test_a_failed_commit_leaves_the_invitation_unused(client, app_ctx, fault):
    invitation, token = invitation_for()
    db.session.commit()
    payload = submission(token=token)
    fault(STORAGE_FULL, "commit")
    assert client.post("/api/v1/submissions", json=payload).status_code == 503
    fault.clear()
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).status == "issued" and stored() == 0
    assert client.post("/api/v1/submissions", json=payload).status_code == 201


@pytest.mark.parametrize("language, title, sentence", [
    ("vi", "Hệ thống tạm thời gián đoạn", "không kết nối được cơ sở dữ liệu"),
    ("en", "Temporarily unavailable", "The system cannot reach its database"),
])
def test_a_respondent_page_says_so_in_the_respondents_language(client, entry, fault, language,
                                                               title, sentence):
    url = f"/s/{entry.code}?lang={language}"
    fault(DATABASE_UNAVAILABLE, "select")
    page = client.get(url)
    assert page.status_code == 503 and page.headers["Retry-After"] == "10"
    html = page.get_data(as_text=True)
    assert f'<html lang="{language}">' in html and title in html and sentence in html
    assert ("Temporarily" in html) == (language == "en")


def test_a_full_disk_when_a_respondent_saves_a_page_is_the_503_page(client, entry, fault):
    url = f"/s/{entry.code}"
    html = client.get(url).get_data(as_text=True)
    drafts = db.session.scalar(db.select(db.func.count()).select_from(Draft))
    fields = {name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
              for name in ("_page", "_sid", "_shown", "_shown_at", "_rk")
              if f'name="{name}"' in html}
    fault(STORAGE_FULL, "commit")
    page = client.post(url, data={**fields, "_consent": "yes", "_action": "next", "age": "35",
                                  "gender": "m"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "300"
    assert "Bộ nhớ lưu trữ của hệ thống đã đầy nên chưa lưu được gì" in page.get_data(as_text=True)
    fault.clear()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Draft)) == drafts


def test_a_staff_page_shows_the_503_without_reading_the_user_again(client, app_ctx, fault):
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    assert client.get("/admin/").status_code == 200

    gone = []

    def fail_after_login(conn, cursor, statement, parameters, context, executemany):
        """The database goes away once the user is loaded: the page's first query fails, and so
        would reading the user again for the staff menu."""
        if "survey_rounds" in statement:
            gone.append(statement)
        if gone:
            raise driver_error(DATABASE_UNAVAILABLE)

    event.listen(db.engine, "before_cursor_execute", fail_after_login)
    try:
        page = client.get("/admin/")
    finally:
        event.remove(db.engine, "before_cursor_execute", fail_after_login)
    assert page.status_code == 503
    assert "Hệ thống tạm thời gián đoạn" in page.get_data(as_text=True)


def test_healthz_answers_503_json_when_the_database_cannot(client, app_ctx, fault):
    fault(DATABASE_UNAVAILABLE, "select")
    reply = client.get("/healthz")
    assert reply.status_code == 503 and reply.get_json()["error"]["code"] == DATABASE_UNAVAILABLE


def test_any_other_database_error_stays_a_500(migrated_database, tmp_path, monkeypatch):
    monkeypatch.setenv("PAR_SURVEY_INSTANCE", str(tmp_path / "instance"))
    app = make_test_app(migrated_database, tmp_path / "instance", PROPAGATE_EXCEPTIONS=False)

    def bug():
        db.session.execute(text("SELECT no_such_column FROM no_such_table"))

    app.add_url_rule("/api/v1/bug-test", "bug_test", bug)
    reply = app.test_client().get("/api/v1/bug-test")
    assert reply.status_code == 500 and "Retry-After" not in reply.headers
    assert reply.get_json()["error"]["code"] == "server_error"
    with app.app_context():
        db.engine.dispose()


def _wrapped(orig: Exception, invalidated: bool = False):
    return OperationalError("SELECT 1", {}, orig, connection_invalidated=invalidated)


def test_classify_reads_sqlite_and_postgresql_errors():
    import psycopg

    assert classify(_wrapped(sqlite3.OperationalError("database or disk is full"))) == STORAGE_FULL
    assert classify(_wrapped(sqlite3.OperationalError("database is locked"))) \
        == DATABASE_UNAVAILABLE
    assert classify(_wrapped(sqlite3.OperationalError("no such table: x"))) is None
    assert classify(_wrapped(psycopg.errors.DiskFull("could not extend file"))) == STORAGE_FULL
    assert classify(_wrapped(psycopg.errors.AdminShutdown("terminating connection due to "
                                                          "administrator command"))) \
        == DATABASE_UNAVAILABLE
    assert classify(_wrapped(psycopg.errors.CannotConnectNow("the database system is starting "
                                                             "up"))) == DATABASE_UNAVAILABLE
    assert classify(_wrapped(psycopg.OperationalError("connection failed: Connection refused"))) \
        == DATABASE_UNAVAILABLE
    assert classify(_wrapped(psycopg.OperationalError("whatever"), invalidated=True)) \
        == DATABASE_UNAVAILABLE
    assert classify(ProgrammingError("SELECT", {}, psycopg.errors.UndefinedTable("no x"))) is None
    assert classify(ValueError("not a database error")) is None


def test_real_sqlite_full_error_is_read_by_its_result_code(tmp_path):
    """SQLite's own SQLITE_FULL: a database capped at its current page count refuses to grow."""
    connection = sqlite3.connect(tmp_path / "capped.sqlite")
    connection.execute("CREATE TABLE t (x BLOB)")
    connection.commit()
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError) as caught:
        connection.execute("INSERT INTO t VALUES (zeroblob(100000))")
    connection.close()
    assert caught.value.sqlite_errorcode & 0xFF == 13
    assert classify(_wrapped(caught.value)) == STORAGE_FULL


def test_postgresql_pool_recycles_and_sqlite_needs_it_not():
    base = Config.SQLALCHEMY_ENGINE_OPTIONS
    pg = engine_options("postgresql+psycopg://u@h/d", base, 15000, connect_timeout_s=7)
    assert pg["pool_recycle"] == 1800
    assert "pool_pre_ping" not in pg  # replaced by the ping of idle connections
    assert pg["connect_args"]["connect_timeout"] == 7
    assert "synchronous_commit=on" in pg["connect_args"]["options"]
    lite = engine_options("sqlite:///x.sqlite", base, 15000)
    assert "pool_pre_ping" not in lite and "pool_recycle" not in lite
    assert "connect_timeout" not in lite["connect_args"]
    assert "connect_args" not in base  # the shared defaults are left as they were


def test_the_apps_postgresql_engine_pings_idle_connections(tmp_path):
    app = make_test_app("postgresql://nobody@127.0.0.1:1/none", tmp_path)  # never connected
    with app.app_context():
        assert db.engine.pool._recycle == 1800
        assert event.contains(db.engine, "checkout", _checkout_listener(db.engine))


def _checkout_listener(engine):
    """The app's ping-if-idle listener on ``engine``'s checkouts (the only one it adds)."""
    listeners = [fn for fn in engine.pool.dispatch.checkout
                 if getattr(fn, "__name__", "") == "ping_if_idle"]
    assert len(listeners) == 1
    return listeners[0]


def _end_the_apps_connections() -> int:
    """End every connection of the app at the server, as a restart does; how many."""
    from sqlalchemy import create_engine

    other = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with other.connect() as connection:
        ended = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    other.dispose()
    return ended


def _backdate_idle_connections(seconds: float) -> None:
    """As if the pool's connections had waited ``seconds`` longer since they came back."""
    from survey_app.database import IDLE_SINCE

    for record in list(db.engine.pool._pool.queue):
        if IDLE_SINCE in record.info:
            record.info[IDLE_SINCE] -= seconds


def test_an_idle_connection_the_server_closed_is_replaced_without_an_error(client, entry):
    """A database restart while the app was quiet: the connection, idle longer than
    ``DATABASE_PING_AFTER_IDLE_SECONDS``, is pinged when the next request takes it and replaced;
    the submission is stored. SQLite has no server."""
    code = entry.code
    assert client.post("/api/v1/submissions", json=submission(entry=code)).status_code == 201
    if db.engine.dialect.name == "sqlite":
        assert not db.engine.pool._pre_ping
        return
    db.session.remove()
    assert _end_the_apps_connections() >= 1
    _backdate_idle_connections(5)
    reply = client.post("/api/v1/submissions", json=submission(entry=code))
    assert reply.status_code == 201, reply.get_json()
    assert stored() == 2


def test_a_busy_connection_the_server_closed_fails_one_request_with_a_503(client, entry):
    """Back in the pool a moment ago, a connection is not pinged: if the server closed it, that
    request is a 503 with Retry-After, nothing is stored, the pool drops its connections and the
    same submission sent again is stored."""
    if db.engine.dialect.name == "sqlite":  # no server to close it, and nothing pinged
        assert not [fn for fn in db.engine.pool.dispatch.checkout
                    if getattr(fn, "__name__", "") == "ping_if_idle"]
        return
    code = entry.code
    assert client.post("/api/v1/submissions", json=submission(entry=code)).status_code == 201
    db.session.remove()
    assert _end_the_apps_connections() >= 1
    body = submission(entry=code)
    reply = client.post("/api/v1/submissions", json=body)
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "10"
    assert reply.get_json()["error"]["code"] == "database_unavailable"
    again = client.post("/api/v1/submissions", json=body)
    assert again.status_code == 201, again.get_json()
    assert stored() == 2


def test_odk_collect_is_told_in_an_openrosa_message(client, entry, fault):
    """Collect shows the <message> of an OpenRosa document, never an HTML page."""
    fault(DATABASE_UNAVAILABLE, "select")
    reply = client.get("/openrosa/formList", headers={
        "X-OpenRosa-Version": "1.0", "Authorization": "Basic ZGlldXRyYXZpZW46c2FpbWF0a2hhdQ=="})
    assert reply.status_code == 503 and int(reply.headers["Retry-After"]) == 10
    assert reply.headers["X-OpenRosa-Version"] == "1.0"
    assert reply.content_type.startswith("text/xml")
    body = reply.get_data(as_text=True)
    assert "<OpenRosaResponse" in body and "không kết nối được cơ sở dữ liệu" in body
    assert "<html" not in body.lower()
