"""Attacks on staff logins and sessions: open redirects, password guessing per account and per
address, user enumeration by timing, weak passwords, replayed and stale sessions, insecure
cookies. Each is refused in a sentence, leaves no session behind and never answers 5xx."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from builders import STAFF_PASSWORD, create_unit, create_user, log_in
from survey_app.commands.users import create_user as users_create
from survey_app.extensions import db
from survey_app.models import AuditEvent, LoginFailure, StaffSession, User
from survey_app.models.base import utcnow
from survey_app.operations import accounts

STRONG = "ngựa-vằn-uống-trà-chiều-7"


def sessions() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(StaffSession))


def try_login(client, username: str, password: str, *, query: str = "", address: str = "127.0.0.1"):
    return client.post(
        f"/auth/login{query}",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def admin(app_ctx):
    user = create_user("admin", username="quantri")
    db.session.commit()
    return user


# ------------------------------------------------------------------------------ open redirect


@pytest.mark.parametrize(
    "raw_next",
    [
        "/%09/evil.example/path",
        "//evil.example/path",
        "/%5Cevil.example",
        "/\\evil.example",
        "https://evil.example/",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "/%0A/evil.example",
        "javascript:alert(1)",
        "%20//evil.example",
        "/%252F%252Fevil.example", "/%00/evil.example",
    ],
)
def test_login_never_redirects_to_another_host(client, admin, raw_next):
    reply = try_login(client, admin.username, STAFF_PASSWORD, query=f"?next={raw_next}")
    if "%00" in raw_next:  # a NUL byte anywhere in a request is refused before the login runs
        assert reply.status_code == 400 and "Location" not in reply.headers
        return
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location in ("/admin/", "http://localhost/admin/")  # the admin's staff home
    assert "evil" not in location


def test_login_follows_a_path_of_this_site(client, admin):
    reply = try_login(client, admin.username, STAFF_PASSWORD, query="?next=/admin/monitor%3Fx%3D1")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/admin/monitor?x=1")


# ------------------------------------------------------------------------------ rate limits


def test_guessing_one_accounts_password_is_stopped_even_with_the_right_password(app, admin):
    client = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES_ACCOUNT"]
    for n in range(limit):
        reply = try_login(client, admin.username, f"doan-sai-{n}", address=f"10.0.0.{n}")
        assert reply.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in reply.get_data(as_text=True)
    reply = try_login(client, admin.username, STAFF_PASSWORD, address="10.0.1.1")
    assert reply.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in reply.get_data(as_text=True)
    assert sessions() == 0
    # the window passes: the right password works again and clears the account's count
    db.session.execute(
        db.update(LoginFailure).values(
            at=utcnow() - dt.timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"] + 1)
        )
    )
    db.session.commit()
    assert try_login(client, admin.username, STAFF_PASSWORD, address="10.0.1.1").status_code == 302
    assert sessions() == 1


def test_guessing_from_one_address_is_stopped_for_every_account(app, admin):
    client = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES_ADDRESS"]
    for n in range(limit):
        try_login(client, f"khong-co-{n}", "mat-khau-bat-ky", address="192.0.2.7")
    refused = try_login(client, admin.username, STAFF_PASSWORD, address="192.0.2.7")
    assert refused.status_code == 429 and sessions() == 0
    other = app.test_client()
    assert try_login(other, admin.username, STAFF_PASSWORD, address="192.0.2.8").status_code == 302


def test_the_limit_message_is_in_english_through_the_language_switch(app, admin):
    client = app.test_client()
    client.get("/auth/login?lang=en")
    for n in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        try_login(client, admin.username, f"wrong-{n}")
    reply = try_login(client, admin.username, STAFF_PASSWORD)
    assert reply.status_code == 429 and "Too many failed logins" in reply.get_data(as_text=True)


def test_failed_logins_store_only_keyed_hashes(app, admin):
    try_login(app.test_client(), "ten-khong-ton-tai", "x" * 12, address="198.51.100.23")
    rows = db.session.scalars(db.select(LoginFailure)).all()
    assert {row.scope for row in rows} == {"account", "address"}
    for row in rows:
        assert "ten-khong-ton-tai" not in row.key_hash and "198.51.100.23" not in row.key_hash
        assert len(row.key_hash) == 64


# ------------------------------------------------------------------------------ enumeration


def test_unknown_and_known_users_get_the_same_answer_after_the_same_work(app, admin, monkeypatch):
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(
        accounts,
        "check_password_hash",
        lambda stored, password: checked.append(stored.split("$")[0]) or real(stored, password),
    )
    monkeypatch.setattr(
        User,
        "check_password",
        lambda self, password: (
            checked.append(self.password_hash.split("$")[0]) or real(self.password_hash, password)
        ),
    )
    unknown = try_login(app.test_client(), "khong-ai-ca", "mat-khau-sai-1")
    known = try_login(app.test_client(), admin.username, "mat-khau-sai-1")
    assert unknown.status_code == known.status_code == 200
    assert (
        unknown.get_data(as_text=True).count("không đúng")
        == known.get_data(as_text=True).count("không đúng")
        == 1
    )
    assert len(checked) == 2 and checked[0] == checked[1]  # one hash of the same method each


def test_login_time_does_not_tell_whether_an_account_exists(app, admin):
    app.config["LOGIN_MAX_FAILURES_ACCOUNT"] = app.config["LOGIN_MAX_FAILURES_ADDRESS"] = 1000
    client = app.test_client()

    def seconds(username: str) -> float:
        """CPU seconds of one try: the work done (a password hash each way), which a busy machine
        does not stretch as it stretches the time on the clock."""
        start = time.process_time()
        try_login(client, username, "mat-khau-sai-2")
        return time.process_time() - start

    seconds("khong-ai-ca")  # warm up (the dummy hash is made once per process)
    known = min(seconds(admin.username) for _ in range(5))
    unknown = min(seconds("khong-ai-ca") for _ in range(5))
    assert 0.5 < unknown / known < 2.0, (known, unknown)


# ------------------------------------------------------------------------------ sessions


def test_log_out_ends_the_session_on_the_server(app, admin):
    client = app.test_client()
    log_in(client, admin)
    cookie = client.get_cookie("par_session").value
    assert client.get("/admin/").status_code == 200
    client.post("/auth/logout")
    assert sessions() == 0
    replay = app.test_client()
    replay.set_cookie("par_session", cookie)
    reply = replay.get("/admin/")
    assert reply.status_code == 302 and "/auth/login" in reply.headers["Location"]


@pytest.mark.parametrize(
    "column, age",
    [("last_seen_at", dt.timedelta(minutes=31)), ("created_at", dt.timedelta(hours=12, minutes=1))],
)
def test_idle_and_absolute_time_outs_end_a_session(app, admin, column, age):
    client = app.test_client()
    log_in(client, admin)
    db.session.execute(db.update(StaffSession).values({column: utcnow() - age}))
    db.session.commit()
    reply = client.get("/admin/")
    assert reply.status_code == 302 and "/auth/login" in reply.headers["Location"]
    assert sessions() == 0
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Phiên đăng nhập đã kết thúc" in page


def test_a_deactivated_account_loses_its_session_at_once(app, admin):
    client = app.test_client()
    log_in(client, admin)
    admin.active = False
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_a_forged_session_cookie_is_not_a_login(app, admin):
    client = app.test_client()
    with client.session_transaction() as session:  # signed with the real key, but no such session
        session["sid"] = "made-up-session-id"
        session["user_id"] = admin.id  # the old cookie format is not honoured either
    assert client.get("/admin/").status_code == 302


def test_production_cookies_are_secure_lax_and_http_only(migrated_database, tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app(migrated_database, tmp_path / "instance", PRODUCTION=True)
    with app.app_context():
        try:
            create_user("admin", username="quantri-https")
            db.session.commit()
            client = app.test_client()
            reply = client.post(
                "/auth/login",
                base_url="https://localhost",
                data={"username": "quantri-https", "password": STAFF_PASSWORD},
            )
            assert reply.status_code == 302
            cookie = reply.headers["Set-Cookie"]
            assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie
            assert reply.headers["Strict-Transport-Security"].startswith("max-age=")
        finally:
            db.session.execute(db.delete(StaffSession))
            db.session.execute(db.delete(LoginFailure))
            db.session.execute(db.delete(User))
            db.session.commit()
            db.engine.dispose()


# ------------------------------------------------------------------------------ passwords


def _change(client, current: str, new: str, confirm: str | None = None):
    return client.post(
        "/auth/password",
        data={"current": current, "new": new, "confirm": new if confirm is None else confirm},
    )


@pytest.mark.parametrize(
    "new, sentence",
    [
        ("ngan-qua", "ít nhất 12 ký tự"),
        ("Password2025!", "quá phổ biến"),
        ("matkhau123456", "quá phổ biến"),
        ("123456789012", "quá phổ biến"),
        ("quantri-la-toi-day", "không được chứa tên đăng nhập"),
    ],
)
def test_weak_passwords_are_refused_and_nothing_changes(app, admin, new, sentence):
    client = app.test_client()
    log_in(client, admin)
    before = admin.password_hash
    reply = _change(client, STAFF_PASSWORD, new)
    assert reply.status_code == 400 and sentence in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).password_hash == before


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(app, admin):
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, admin)
    log_in(phone, admin)
    wrong = _change(laptop, "khong-phai-mat-khau", STRONG)
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng." in wrong.get_data(
        as_text=True
    )
    mismatch = _change(laptop, STAFF_PASSWORD, STRONG, confirm=STRONG + "x")
    assert mismatch.status_code == 400
    done = _change(laptop, STAFF_PASSWORD, STRONG)
    assert done.status_code == 302
    assert laptop.get("/admin/").status_code == 200
    assert phone.get("/admin/").status_code == 302  # the other session ended
    assert sessions() == 1
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="password_changed")) is not None
    again = app.test_client()
    assert try_login(again, admin.username, STRONG).status_code == 302
    assert try_login(app.test_client(), admin.username, STAFF_PASSWORD).status_code == 200


def test_the_password_page_answers_in_english(app, admin):
    client = app.test_client()
    log_in(client, admin)
    client.get("/auth/password?lang=en")
    reply = _change(client, STAFF_PASSWORD, "short")
    assert reply.status_code == 400 and "at least 12 characters" in reply.get_data(as_text=True)


# ------------------------------------------------------------------------------ users create


def test_users_create_takes_the_unit_of_a_focal_point(runner, app_ctx):
    unit = create_unit()
    db.session.commit()
    reply = runner.invoke(
        users_create, ["daumoi", "--role", "focal_point", "--unit", unit.code, "--password", STRONG]
    )
    assert reply.exit_code == 0, reply.output
    assert db.session.scalar(db.select(User).filter_by(username="daumoi")).unit_id == unit.id


@pytest.mark.parametrize(
    "args, sentence",
    [
        (["--role", "focal_point", "--password", STRONG], "needs the code of its unit"),
        (
            ["--role", "focal_point", "--unit", "KHONG-CO", "--password", STRONG],
            "no unit has the code",
        ),
        (["--role", "admin", "--password", "matkhau12345"], "too common"),
        (["--role", "admin", "--password", "ngan"], "at least 12 characters"),
    ],
)
def test_users_create_refuses_in_a_sentence(runner, app_ctx, args, sentence):
    reply = runner.invoke(users_create, ["nguoidung", *args])
    assert reply.exit_code != 0 and sentence in reply.output
    assert db.session.scalar(db.select(User).filter_by(username="nguoidung")) is None
