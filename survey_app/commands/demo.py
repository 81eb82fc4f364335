"""``par-survey demo``: a demo province on the embedded database, a manifest, then serve.

Beside the manifest, in the instance folder: a complete self-assessment file for the round's
units (``self_assessment`` in the manifest) and last year's results (``previous_results``), so
that ``par-survey index`` and the combined-index page can be tried at once."""
from __future__ import annotations

import json
import secrets
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.models import EntryPoint, QuestionnaireVersion, Response
from survey_app.operations.demo import (
    demo_previous_results,
    demo_round,
    demo_self_assessment,
    ensure_admin,
    fresh_unused_invitations,
    issue_demo_bundle,
    seed_demo,
)
from survey_app.operations.posters import entry_url, invitation_url
from survey_app.operations.reminders import select_candidates
from survey_app.schema import upgrade_schema

MANIFEST_NAME = "demo-manifest.json"
SELF_ASSESSMENT_NAME = "demo-tu-danh-gia.csv"
PREVIOUS_NAME = "demo-ket-qua-nam-truoc.csv"
CONTRACT_NAME = "demo-contract.json"


@click.command("demo")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Seed and write the manifest only.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16))
@with_appcontext
def demo(port: int, no_serve: bool, workers: int) -> None:
    """Create a demo province with a 2025 round and responses, write demo-manifest.json, and
    serve."""
    upgrade_schema()
    survey_round = demo_round()
    if survey_round is None:
        click.echo("Đang tạo dữ liệu minh hoạ / seeding the demo province…")
        seeded = seed_demo()
        survey_round = seeded["round"]
        unused = seeded["unused_invitations"]
    else:
        click.echo("Dữ liệu minh hoạ đã có; giữ nguyên / demo data already present, kept as it is.")
        unused = fresh_unused_invitations(survey_round)
    _, password = ensure_admin()
    base_url = demo_base_url(port)
    # The links, posters and cards of this process and of the server it starts use that address.
    current_app.config["PUBLIC_BASE_URL"] = base_url
    manifest = build_manifest(survey_round, unused, password, base_url,
                              multi_unit=issue_demo_bundle(survey_round))
    manifest.update(write_index_inputs(survey_round, current_app.instance_path, base_url))
    manifest["interviewer"] = interviewer_entry(survey_round, base_url)
    db.session.commit()
    path = os.path.join(current_app.instance_path, MANIFEST_NAME)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
    _print_summary(manifest, path)
    if not no_serve:
        from survey_app.cli import run_gunicorn

        run_gunicorn("127.0.0.1", port, workers, public_base_url=base_url)


def demo_base_url(port: int) -> str:
    """The address the demo's links point to: ``PUBLIC_BASE_URL`` when the environment sets it (a
    demo behind a proxy, as in production), otherwise the address the demo serves on."""
    configured = os.environ.get("PUBLIC_BASE_URL", "").strip()
    return configured.rstrip("/") if configured else f"http://127.0.0.1:{port}"


def build_manifest(survey_round, unused: list[dict], password: str, base_url: str, *,
                   multi_unit: dict | None = None) -> dict:
    entries = db.session.scalars(db.select(EntryPoint)
                                 .filter_by(round_id=survey_round.id, revoked=False)
                                 .order_by(EntryPoint.id)).all()
    forms = {f.id: f for f in db.session.scalars(db.select(QuestionnaireVersion))}
    responses = db.session.scalar(db.select(db.func.count(Response.id))
                                  .filter_by(round_id=survey_round.id))
    return {
        "base_url": base_url,
        "admin": {"username": "admin", "password": password, "login_url": f"{base_url}/auth/login"},
        "round": {"code": survey_round.code, "year": survey_round.year,
                  "status": survey_round.status,
                  "responses": responses},
        "entry_points": [
            {"url": entry_url(e.code), "code": e.code, "unit_code": e.unit.code,
             "unit_name": e.unit.name,
             "questionnaire_id": forms[e.questionnaire_id].form_key,
             "questionnaire_version": forms[e.questionnaire_id].version}
            for e in entries
        ],
        "invitations": [dict(item, url=invitation_url(item["token"])) for item in unused],
        **({"multi_unit_invitation": dict(
            multi_unit, url=invitation_url(multi_unit["token"]),
            description="Một đường dẫn để đại biểu HĐND đánh giá lần lượt mọi sở (một phiếu cho "
                        "mỗi sở, lưu dần, có thể kết thúc giữa chừng) / one link with which a "
                        "People's Council delegate rates every agency in turn (one response "
                        "per agency, saved as they go, may finish part-way).")}
           if multi_unit else {}),
        "reminders": reminder_entry(survey_round, base_url),
    }


def interviewer_entry(survey_round, base_url: str) -> dict:
    """The demo interviewer's account and its assigned phone interviews (survey_app/interviewer);
    the same account logs in to ODK Collect at ``/openrosa`` (Basic, over https), and its Collect
    key (``odk_key_server_url``) works without credentials over plain http."""
    from survey_app.operations import collect_keys
    from survey_app.operations.cati import ensure_demo_interviewer

    password = secrets.token_urlsafe(9)
    user, cases = ensure_demo_interviewer(survey_round, password)
    key = collect_keys.new_key(user, None)
    return {"username": user.username, "password": password,
            "login_url": f"{base_url}/auth/login", "cases_url": f"{base_url}/interviewer/",
            "assigned_cases": cases, "odk_server_url": f"{base_url}/openrosa",
            "odk_key_server_url": collect_keys.server_url(key, base_url)}


def reminder_entry(survey_round, base_url: str) -> dict:
    """How to send the demo's reminders: unanswered invitations of citizens with an e-mail
    address on example.org, to the SMTP server the environment names."""
    selection = select_candidates(survey_round)
    return {
        "command": f"par-survey remind {survey_round.code}",
        "dry_run": f"par-survey remind {survey_round.code} --dry-run",
        "unanswered_with_email": sum(1 for c in selection.candidates if c.email),
        "environment": ["SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USERNAME",
                        "SMTP_PASSWORD", "MAIL_FROM", "MAIL_PER_MINUTE"],
        "page": f"{base_url}/admin/rounds/{survey_round.id}/fieldwork",
    }


def write_index_inputs(survey_round, folder: str, base_url: str) -> dict:
    """Write the demo's self-assessment and last year's results into ``folder``; return their
    manifest entries (path and how to try them)."""
    os.makedirs(folder, exist_ok=True)
    self_path = os.path.join(folder, SELF_ASSESSMENT_NAME)
    previous_path = os.path.join(folder, PREVIOUS_NAME)
    contract_path = os.path.join(folder, CONTRACT_NAME)
    for path, text in ((self_path, demo_self_assessment(survey_round)),
                       (previous_path, demo_previous_results(survey_round))):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    export = f"par-survey export {survey_round.code} --allow-unpublished -o {contract_path}"
    index = (f"par-survey index --contract {contract_path} --self-assessment {self_path} "
             "-o chi-so-cchc.xlsx")
    page = f"{base_url}/results/{survey_round.code}/index"
    return {
        "self_assessment": {
            "path": self_path,
            "command": f"{export} && {index}",
            "description": f"Tự đánh giá đủ mọi đơn vị của đợt: chạy lệnh 'command' hoặc tải "
                           f"lên {page} / a complete self-assessment of the round's units: run "
                           "'command' or upload it on that page.",
        },
        "previous_results": {
            "path": previous_path,
            "year": survey_round.year - 1,
            "command": f"{index} --previous {previous_path}",
            "description": f"Kết quả năm {survey_round.year - 1} của các sở, để xem điểm bị "
                           "mất so với năm trước (--previous) / last year's results of the "
                           "agencies, for the points lost against last year.",
        },
    }


def _print_summary(manifest: dict, path: str) -> None:
    click.echo(f"Vòng khảo sát / round: {manifest['round']['code']} "
               f"({manifest['round']['responses']} phiếu trả lời / responses)")
    click.echo(f"Đăng nhập / admin login: {manifest['admin']['login_url']}  "
               f"admin / {manifest['admin']['password']}")
    for entry in manifest["entry_points"][:3]:
        click.echo(f"Mã QR / QR entry ({entry['unit_name']}): {entry['url']}")
    for invitation in manifest["invitations"][:3]:
        click.echo(f"Thư mời / invitation ({invitation['respondent_group']}): {invitation['url']}")
    if "multi_unit_invitation" in manifest:
        bundle = manifest["multi_unit_invitation"]
        click.echo(f"Thư mời nhiều đơn vị / multi-unit invitation ({len(bundle['units'])} sở / "
                   f"agencies): {bundle['url']}")
    interviewer = manifest.get("interviewer")
    if interviewer:
        click.echo(f"Điều tra viên / interviewer: {interviewer['login_url']}  "
                   f"{interviewer['username']} / {interviewer['password']} "
                   f"({interviewer['assigned_cases']} cuộc gọi / calls)")
    click.echo(f"Tự đánh giá / self-assessment: {manifest['self_assessment']['path']}")
    click.echo(f"Tệp mô tả / manifest: {path}")
