"""The server's logs as an operator keeps them: ``par-survey serve`` on the demo, a respondent
answers by invitation through the pages, and the log holds neither the invitation token, nor the
receipt, nor the respondent's address; a staff request keeps its address."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from survey_app.logmask import is_staff_path, mask_target, mask_text

SCRIPT = str(Path(sys.executable).with_name("par-survey"))


def _env(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PAR_SURVEY_ENV")}
    env["PAR_SURVEY_INSTANCE"] = str(instance)
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _hidden_fields(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)


def _form_pairs(answers: dict) -> list[tuple[str, str]]:
    pairs = []
    for name, value in answers.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, str(item)))
    return pairs


def _answer_by_invitation(base: str, token: str, questionnaire) -> str:
    """Answer every page through the HTML form (CSRF on, cookies kept); returns the final URL."""
    from survey_app.operations.synthetic import synthesize_answers

    answers = synthesize_answers(questionnaire, np.random.default_rng(7), 0.8)
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    url = f"{base}/i/{token}"
    with opener.open(url, timeout=10) as reply:
        html = reply.read().decode()
    for _ in range(80):
        fields = [(k, v) for k, v in _hidden_fields(html) if k != "_rk"]
        body = fields + [("_consent", "yes"), ("_action", "next")] + _form_pairs(answers)
        data = urllib.parse.urlencode(body).encode()
        with opener.open(url, data=data, timeout=20) as reply:
            html = reply.read().decode()
            final = reply.geturl()
        if "/receipt/" in final:
            return final
    raise AssertionError("the questionnaire was never sent")


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory):
    """The demo served by ``par-survey serve``; yields (base URL, manifest, log path)."""
    instance = tmp_path_factory.mktemp("logs-demo")
    seeded = subprocess.run(
        [SCRIPT, "demo", "--no-serve"], env=_env(instance), capture_output=True, text=True,
        timeout=900,
    )
    assert seeded.returncode == 0, seeded.stderr
    manifest = json.loads((instance / "demo-manifest.json").read_text(encoding="utf-8"))
    port = _free_port()
    log_path = instance / "serve.log"
    log = open(log_path, "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [SCRIPT, "serve", "--port", str(port), "--workers", "2"], env=_env(instance),
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        yield base, manifest, log_path
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_the_access_log_keeps_no_token_receipt_or_respondent_address(served_demo):
    import questionnaires

    base, manifest, log_path = served_demo
    invitation = next(i for i in manifest["invitations"] if i["questionnaire_id"] == "sipas_2025")
    token = invitation["token"]
    final = _answer_by_invitation(base, token, questionnaires.load_bundled("sipas_2025"))
    receipt = final.rsplit("/", 1)[1]
    urllib.request.urlopen(f"{base}/auth/login", timeout=5).close()  # a staff page
    with urllib.request.urlopen(f"{base}/s/{manifest['entry_points'][0]['code']}?resume=abc",
                                timeout=5) as reply:
        reply.read()
    collect_key = manifest["interviewer"]["odk_key_server_url"].rsplit("/", 1)[1]
    listing = urllib.request.Request(f"{base}/openrosa/key/{collect_key}/formList",
                                     headers={"X-OpenRosa-Version": "1.0"})
    with urllib.request.urlopen(listing, timeout=5) as reply:  # ODK Collect, by its key
        assert b"<xforms" in reply.read()
    time.sleep(1.5)  # gunicorn writes its access lines after the response

    text = log_path.read_text(encoding="utf-8", errors="replace")
    assert token not in text and receipt not in text and collect_key not in text
    access = [line for line in text.splitlines() if re.search(r'"(GET|POST) ', line)]
    respondent = [line for line in access if "/auth/" not in line]
    assert any('"GET /i/… ' in line for line in access)
    assert any('"POST /i/… ' in line for line in access)
    assert any('"GET /receipt/… ' in line for line in access)
    assert any("resume=…" in line for line in access)
    assert any('"GET /openrosa/key/…/formList ' in line for line in access)
    assert respondent and all("127.0.0.1" not in line for line in respondent)
    assert any("/auth/login" in line and line.startswith("127.0.0.1") for line in access)


@pytest.mark.parametrize("target, masked", [
    ("/i/AbC_-123", "/i/…"),
    ("/i/AbC_-123/", "/i/…/"),
    ("//i/AbC", "/i/…"),
    ("/%69/AbC", "/i/…"),
    ("/receipt/ABCDE-FGH23", "/receipt/…"),
    ("/openrosa/key/Zq3_-AbC/formList", "/openrosa/key/…/formList"),
    ("/openrosa/key/Zq3_-AbC/submission", "/openrosa/key/…/submission"),
    ("http://10.0.0.5:5000/openrosa/key/Zq3/forms/par-x.xml",
     "http://10.0.0.5:5000/openrosa/key/…/forms/par-x.xml"),
    ("/s/code1?resume=key.sig&lang=en", "/s/code1?resume=…&lang=en"),
    ("/s/code1?lang=en&RESUME=key", "/s/code1?lang=en&RESUME=…"),
    ("/s/code1?resume%3Dkey", "/s/code1?resume=…"),
    ("/admin/rounds/1", "/admin/rounds/1"),
    ("https://khaosat.example/i/AbC?x=1", "https://khaosat.example/i/…?x=1"),
    ("http://127.0.0.1:5000/receipt/R1", "http://127.0.0.1:5000/receipt/…"),
])
def test_secrets_in_request_targets_are_masked(target, masked):
    assert mask_target(target) == masked


def test_error_messages_are_masked():
    text = mask_text('Error handling request /i/SeCrEt?resume=k1 from ip=203.0.113.5 "/receipt/R1"')
    assert "SeCrEt" not in text and "k1" not in text and "203.0.113.5" not in text
    assert "R1" not in text


def test_only_staff_paths_keep_an_address():
    assert is_staff_path("/auth/login") and is_staff_path("/admin/")
    assert not any(is_staff_path(p) for p in ("/i/x", "/s/x", "/receipt/x", "/static/site.css",
                                              "/api/v1/submissions", "/"))
