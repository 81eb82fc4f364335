"""Security headers on every response, and no inline script, style or event handler that the
content security policy would block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builders import create_user, log_in, open_round_with_entry
from survey_app.extensions import db

TEMPLATES = Path(__file__).resolve().parents[2] / "survey_app" / "templates"


@pytest.fixture
def entry(app_ctx):
    entry = open_round_with_entry()
    db.session.commit()
    return entry


def _check_headers(reply) -> None:
    policy = reply.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] in ("no-referrer", "same-origin")


def test_every_kind_of_response_carries_the_headers(app, entry):
    client = app.test_client()
    replies = [
        client.get("/"), client.get(f"/s/{entry.code}"), client.get("/i/khong-co-thu-moi-nay"),
        client.get("/auth/login"), client.get("/api/v1/openapi.json"), client.get("/khong-co"),
        client.get("/admin/"),
    ]
    with client.get("/static/site.css") as css:
        replies.append(css)
        for reply in replies:
            assert reply.status_code < 500
            _check_headers(reply)
    assert "Strict-Transport-Security" not in replies[0].headers  # development: no HSTS


def test_staff_pages_carry_the_headers(app, app_ctx):
    admin = create_user("admin")
    db.session.commit()
    client = app.test_client()
    log_in(client, admin)
    reply = client.get("/admin/")
    assert reply.status_code == 200
    _check_headers(reply)


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "inline <script>"),
    (re.compile(r"<style\b", re.IGNORECASE), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "inline event handler"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix()
                                            for p in TEMPLATES.rglob("*.html")))
def test_no_template_needs_unsafe_inline(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, f"{template}: {found}"


def test_the_rendered_questionnaire_has_no_inline_style(client, entry):
    html = client.get(f"/s/{entry.code}").get_data(as_text=True)
    assert not re.search(r"\sstyle\s*=|<style|<script(?![^>]*\bsrc=)", html)
    assert re.search(r'class="w\d+"', html)  # the progress bar's width, as a class


def test_a_tls_proxy_is_trusted_only_when_configured(migrated_database, tmp_path):
    from tests.conftest import make_test_app

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    for hops, scheme in ((0, "http"), (1, "https")):
        app = make_test_app(migrated_database, tmp_path / f"i{hops}", PROXY_FIX_X_FOR=hops,
                            PROXY_FIX_X_PROTO=hops)

        @app.get("/_scheme")
        def scheme_view():
            from flask import request

            return f"{request.scheme} {request.remote_addr}"

        with app.app_context():
            reply = app.test_client().get("/_scheme", headers=headers)
            address = "203.0.113.9" if hops else "127.0.0.1"
            assert reply.get_data(as_text=True) == f"{scheme} {address}"
            from survey_app.extensions import db as database

            database.engine.dispose()
