"""The ``par-survey`` console script as an operator meets it: demo, serve, db upgrade, errors."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SCRIPT = str(Path(sys.executable).with_name("par-survey"))


def run_cli(*args: str, env_extra: dict | None = None,
            timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PAR_SURVEY_ENV")}
    env.update(env_extra or {})
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_instance(tmp_path_factory):
    """One ``par-survey demo --no-serve`` on the embedded SQLite database of a fresh instance
    folder."""
    instance = tmp_path_factory.mktemp("demo-instance")
    result = run_cli("demo", "--no-serve", env_extra={"PAR_SURVEY_INSTANCE": str(instance)})
    assert result.returncode == 0, result.stderr
    return instance, result


def test_demo_seeds_embedded_database_and_writes_manifest(demo_instance):
    instance, result = demo_instance
    assert (instance / "par-survey.sqlite").exists()
    manifest = json.loads((instance / "demo-manifest.json").read_text(encoding="utf-8"))
    assert manifest["round"]["code"] == "DEMO-2025"
    assert manifest["round"]["responses"] >= 2000
    assert manifest["admin"]["username"] == "admin" and len(manifest["admin"]["password"]) >= 10
    assert len(manifest["entry_points"]) >= 10
    for entry in manifest["entry_points"]:
        assert entry["url"].endswith("/s/" + entry["code"])
        assert entry["questionnaire_id"] and entry["questionnaire_version"]
    assert len(manifest["invitations"]) >= 3
    for invitation in manifest["invitations"]:
        assert invitation["url"].endswith("/i/" + invitation["token"])
        assert len(invitation["token"]) >= 22  # at least 128 random bits
    assert manifest["entry_points"][0]["url"] in result.stdout
    bundle = manifest["multi_unit_invitation"]  # one link, every agency (issue 17)
    assert bundle["url"].endswith("/i/" + bundle["token"]) and bundle["url"] in result.stdout
    assert len(bundle["units"]) >= 3 and bundle["respondent_group"] == "delegate"
    for key in ("self_assessment", "previous_results"):   # files to try the PAR Index with
        path = manifest[key]["path"]
        header = Path(path).read_text(encoding="utf-8").splitlines()[0]
        assert path.startswith(str(instance))
        assert header.startswith("unit_code,criterion_code,points")
        assert path in manifest[key]["command"] and manifest[key]["description"]


def test_demo_twice_is_safe(demo_instance):
    instance, _ = demo_instance
    first = json.loads((instance / "demo-manifest.json").read_text(encoding="utf-8"))
    again = run_cli("demo", "--no-serve", env_extra={"PAR_SURVEY_INSTANCE": str(instance)})
    assert again.returncode == 0, again.stderr
    second = json.loads((instance / "demo-manifest.json").read_text(encoding="utf-8"))
    assert second["round"]["responses"] == first["round"]["responses"]
    assert [e["code"] for e in second["entry_points"]] == [e["code"] for e in first["entry_points"]]
    first_tokens = {i["token"] for i in first["invitations"]}
    assert {i["token"] for i in second["invitations"]}.isdisjoint(first_tokens)
    assert second["multi_unit_invitation"]["token"] != first["multi_unit_invitation"]["token"]


def test_serve_runs_gunicorn_and_answers_in_vietnamese(demo_instance):
    instance, _ = demo_instance
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PAR_SURVEY_INSTANCE"] = str(instance)
    log = open(instance / "serve.log", "wb")  # noqa: SIM115 (closed in finally)
    server = subprocess.Popen([SCRIPT, "serve", "--port", str(port), "--workers", "2"], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        manifest = json.loads((instance / "demo-manifest.json").read_text(encoding="utf-8"))
        deadline = time.monotonic() + 120  # a cold worker on a loaded machine takes a while
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as reply:
                    page = reply.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert 'lang="vi"' in page
        code = manifest["entry_points"][0]["code"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/s/{code}", timeout=60) as reply:
            assert reply.status == 200
            assert 'lang="vi"' in reply.read().decode()
        for invitation in manifest["invitations"]:  # every unused invitation in the manifest opens
            token = invitation["token"]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/i/{token}", timeout=60) as reply:
                assert reply.status == 200
        bundle = manifest["multi_unit_invitation"]  # the multi-unit link lists the agencies
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/i/{bundle['token']}",
                                    timeout=60) as reply:
            assert reply.status == 200 and bundle["units"][0]["name"] in reply.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    # Stopping `par-survey serve` stops the server itself: nothing is left listening on the port.
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)


@pytest.mark.parametrize("url, needle", [
    ("postgresql://postgres@127.0.0.1:1/nothing", "cannot reach the database"),
    ("mysql://user@localhost/db", "must name SQLite or PostgreSQL"),
])
def test_operator_errors_are_one_sentence(url, needle, tmp_path):
    result = run_cli("db", "upgrade", timeout=60,
                     env_extra={"DATABASE_URL": url, "PAR_SURVEY_INSTANCE": str(tmp_path)})
    assert result.returncode == 1
    assert needle in result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_production_without_secret_is_refused(tmp_path):
    result = run_cli("db", "upgrade", env_extra={"PAR_SURVEY_ENV": "production",
                                                 "PAR_SURVEY_INSTANCE": str(tmp_path)}, timeout=60)
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_demo_round_fits_its_pack(demo_instance):
    """The demo opens its round directly; it must pass the check that opening a round applies."""
    instance, _ = demo_instance
    script = (
        "import json\n"
        "from survey_app import create_app\n"
        "from survey_app.operations.demo import demo_round\n"
        "from survey_app.operations.round_fit import round_fit_problems\n"
        "with create_app().app_context():\n"
        "    survey_round = demo_round()\n"
        "    print(json.dumps([survey_round.methodology_pack is not None,\n"
        "                      [p.message_en for p in round_fit_problems(survey_round)]]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PAR_SURVEY_ENV")}
    env["PAR_SURVEY_INSTANCE"] = str(instance)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    has_pack, problems = json.loads(result.stdout.strip().splitlines()[-1])
    assert has_pack and problems == [], "\n".join(problems)
