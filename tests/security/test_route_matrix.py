"""Route × role × unit matrix (issue 14): every route of the app, who may use it, and a request of
every route by every role.

``MATRIX`` declares, for every rule of ``app.url_map`` and every method but HEAD/OPTIONS, which
requesters may use it: ``anonymous``, each staff role of ``survey_app.models.accounts.ROLES``, and,
for unit-scoped pages, a focal point of another unit (``focal_point`` is the focal point of unit A,
``focal_point_other`` the focal point of unit B). A new route that is not declared here fails
``test_every_route_is_in_the_matrix``, naming its endpoint.

Expected answers, from ``login_required`` (survey_app/auth.py) and the export API's ``_refusal``:

* a staff role not allowed: 403;
* anonymous on a staff page: a redirect to ``/auth/login?next=…``; on the API: 401 JSON;
* an allowed requester: never 401/403, never a redirect to the login page, never a 5xx. A POST
  sends an empty form: a validation page, a 400/422 or a redirect back is fine;
* a refused POST changes no stored row (every table but the staff sessions and failed logins
  is compared before and after);
* unit-scoped pages (the fieldwork monitor): a focal point sees the rows of the unit of the
  account only, never another unit's; an admin sees every unit.

Respondent routes (``/s/<code>``, ``/i/<token>``, ``/receipt/<receipt>``, the JSON API for
interviewers under ``/api/v1``), the landing page, login/logout, the health check, the export
contract's JSON Schema and static files are public: the entry code, the invitation token or the
receipt is what authorises them, not a staff session.
"""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

import pytest
from builders import (
    STAFF_PASSWORD,
    create_questionnaire,
    create_response,
    create_round,
    create_scored_round,
    create_unit,
    create_user,
    log_in,
    sipas_frame_csv,
    small_questionnaire_dict,
)
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Base, ExportJob, InvitationFile, MailJob
from survey_app.models.accounts import ROLES
from survey_app.operations import cati, collect_keys
from survey_app.operations import rounds as round_ops
from survey_app.operations.fieldwork_setup import create_entry_point, issue_invitation
from survey_app.operations.frames import import_frame
from survey_app.operations.invitation_bundles import issue_bundle
from survey_app.operations.sample_plans import PlanOptions, draw_plan

ANONYMOUS = "anonymous"
OTHER_FOCAL_POINT = "focal_point_other"  # a focal point of unit B; "focal_point" is of unit A
REQUESTERS = (ANONYMOUS, *ROLES, OTHER_FOCAL_POINT)
IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Rows a request may change whoever makes it: a session's last use, counted login failures.
VOLATILE_TABLES = {"staff_sessions", "login_failures"}

UNIT_A = ("SO-KIEMTHU-A", "Sở Kiểm Thử Quyền Truy Cập")
UNIT_B = ("XA-KIEMTHU-B", "Xã Kiểm Thử Quyền Truy Cập")


@dataclass(frozen=True)
class Access:
    """Who may use a route. ``allowed`` holds requester names (``anonymous``, roles).

    ``unit_scoped``: a focal point may use the route but sees only the unit of the account.
    ``ends_session``: the request logs the requester out (the test logs in again).
    """

    allowed: frozenset[str]
    unit_scoped: bool = False
    ends_session: bool = False
    # The URL names one object of unit A (an invitation): the focal point of unit B gets a 404.
    own_unit: bool = False
    # ODK Collect's OpenRosa routes: HTTP Basic on every request (401 with a challenge without
    # credentials, 403 for another role), no session.
    basic_auth: bool = False

    def allows(self, requester: str) -> bool:
        if requester == OTHER_FOCAL_POINT:
            return "focal_point" in self.allowed and not self.own_unit
        return requester in self.allowed


def access(*allowed: str, **flags) -> Access:
    return Access(frozenset(allowed), **flags)


PUBLIC = access(ANONYMOUS, *ROLES)
ANY_STAFF = access(*ROLES)
ADMIN = access("admin")
READERS = access("admin", "council")  # results pages and the export API
MONITOR = access("admin", "focal_point", unit_scoped=True)
ODK = access("interviewer", basic_auth=True)  # survey_app/openrosa


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    endpoint: str
    access: Access

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.method, self.rule, self.endpoint)

    def __str__(self) -> str:
        return f"{self.endpoint} ({self.method} {self.rule})"


R = "/admin/rounds/<int:round_id>"
MATRIX = [
    # --- public: landing page, health check, staff login, static files
    Route("GET", "/", "main.index", PUBLIC),
    Route("GET", "/healthz", "main.healthz", PUBLIC),
    Route("GET", "/static/<path:filename>", "static", PUBLIC),
    Route("GET", "/auth/login", "auth.login", PUBLIC),
    Route("POST", "/auth/login", "auth.login", PUBLIC),
    Route("POST", "/auth/logout", "auth.logout", access(ANONYMOUS, *ROLES, ends_session=True)),
    # --- any logged-in staff member: their own password
    Route("GET", "/auth/password", "auth.change_password", ANY_STAFF),
    Route("POST", "/auth/password", "auth.change_password", ANY_STAFF),
    # --- respondents: the entry code, token or receipt authorises the request
    Route("GET", "/s/<code>", "respond.entry", PUBLIC),
    Route("POST", "/s/<code>", "respond.entry", PUBLIC),
    Route("GET", "/i/<token>", "respond.invitation", PUBLIC),
    Route("POST", "/i/<token>", "respond.invitation", PUBLIC),
    Route("GET", "/i/<token>/u/<int:unit_id>", "respond.invitation_unit", PUBLIC),
    Route("POST", "/i/<token>/u/<int:unit_id>", "respond.invitation_unit", PUBLIC),
    Route("GET", "/i/<token>/finish", "respond.invitation_finish", PUBLIC),
    Route("GET", "/i/<token>/grid", "respond.invitation_grid", PUBLIC),
    Route("POST", "/i/<token>/grid", "respond.invitation_grid", PUBLIC),
    Route("POST", "/i/<token>/finish", "respond.invitation_finish", PUBLIC),
    Route("GET", "/receipt/<receipt>", "respond.done", PUBLIC),
    Route("GET", "/media/<form>/<version>/<name>", "respond.questionnaire_media", PUBLIC),
    # --- phone interviewers: their own cases only (survey_app/interviewer)
    Route("GET", "/interviewer/", "interviewer.cases", access("interviewer")),
    Route("GET", "/interviewer/cases/<int:assignment_id>", "interviewer.case",
          access("interviewer")),
    Route("POST", "/interviewer/cases/<int:assignment_id>", "interviewer.case",
          access("interviewer")),
    Route("GET", "/interviewer/cases/<int:assignment_id>/interview", "interviewer.interview",
          access("interviewer")),
    Route("POST", "/interviewer/cases/<int:assignment_id>/interview", "interviewer.interview",
          access("interviewer")),
    Route("GET", "/admin/rounds/<int:round_id>/interviewers", "admin.interviewers", ADMIN),
    Route("POST", "/admin/rounds/<int:round_id>/interviewers", "admin.interviewers", ADMIN),
    Route("POST", "/admin/rounds/<int:round_id>/interviewers/backcheck",
          "admin.interviewers_backcheck", ADMIN),
    Route("GET", "/admin/rounds/<int:round_id>/interviewers/backcheck.xlsx",
          "admin.interviewers_backcheck_xlsx", ADMIN),
    Route("POST", "/admin/rounds/<int:round_id>/interviewers/<int:user_id>/collect-key",
          "admin.collect_key_create", ADMIN),
    Route("POST", "/admin/rounds/<int:round_id>/interviewers/<int:user_id>/collect-key/revoke",
          "admin.collect_key_revoke", ADMIN),
    # --- ODK Collect (OpenRosa): interviewers, by HTTP Basic
    Route("GET", "/openrosa/formList", "openrosa.form_list", ODK),
    Route("GET", "/openrosa/forms/<form_id>.xml", "openrosa.form_xml", ODK),
    Route("GET", "/openrosa/forms/<form_id>/manifest", "openrosa.form_manifest", ODK),
    Route("POST", "/openrosa/submission", "openrosa.submission", ODK),
    # --- ODK Collect by key (like /i/<token>, the key in the URL authorises the request)
    Route("GET", "/openrosa/key/<collect_key>/formList", "openrosa.key_form_list", PUBLIC),
    Route("GET", "/openrosa/key/<collect_key>/forms/<form_id>.xml", "openrosa.key_form_xml",
          PUBLIC),
    Route("GET", "/openrosa/key/<collect_key>/forms/<form_id>/manifest",
          "openrosa.key_form_manifest", PUBLIC),
    Route("POST", "/openrosa/key/<collect_key>/submission", "openrosa.key_submission", PUBLIC),
    Route("GET", "/api/v1/entries/<code>", "api.entry", PUBLIC),
    Route("GET", "/api/v1/i/<token>", "api.invitation", PUBLIC),
    Route("GET", "/api/v1/questionnaires/<form_key>/<version>", "api.questionnaire", PUBLIC),
    Route("POST", "/api/v1/submissions", "api.create_submission", PUBLIC),
    Route("GET", "/api/v1/openapi.json", "api.openapi_json", PUBLIC),
    Route("GET", "/api/v1/contract/schema", "exports.contract_schema_document", PUBLIC),
    # --- export API: admin and council (401 JSON without a session, 403 JSON for other roles)
    Route("GET", "/api/v1/rounds/<code>/export", "exports.export_round", READERS),
    Route("GET", "/api/v1/exports/<int:job_id>", "exports.export_job_status", READERS),
    Route("GET", "/api/v1/exports/<int:job_id>/download", "exports.export_job_download", READERS),
    # --- results pages: admin and council; quality flags by admins only
    Route("GET", "/results/", "results.rounds", READERS),
    Route("GET", "/results/<code>", "results.round_results", READERS),
    Route("POST", "/results/<code>/exports", "results.start_export", READERS),
    Route("GET", "/results/<code>/exports/<int:job_id>", "results.export_job", READERS),
    Route("GET", "/results/<code>/index", "results.par_index", READERS),
    Route("POST", "/results/<code>/index", "results.par_index", READERS),
    Route("POST", "/results/<code>/quality", "results.quality", ADMIN),
    Route("GET", "/results/<code>/units/<unit_code>", "results.unit_changes", READERS),
    Route("GET", "/results/<code>/documents/<name>", "reports.document", READERS),
    Route("POST", "/results/<code>/documents", "reports.start_document", READERS),
    # --- the public results page of a published round and its report (no login)
    Route("GET", "/cong-khai/", "public.rounds", PUBLIC),
    Route("GET", "/cong-khai/<code>", "public.round_page", PUBLIC),
    Route("GET", "/cong-khai/<code>/bao-cao.pdf", "public.round_report", PUBLIC),
    # --- fieldwork monitor: admins see every unit, a focal point only the unit of the account
    Route("GET", "/admin/monitor", "admin.monitor_rounds", access("admin", "focal_point")),
    Route("GET", f"{R}/monitor", "admin.monitor", MONITOR),
    # --- the Department of Home Affairs' pages: admins only
    Route("GET", "/admin/", "admin.rounds_list", ADMIN),
    Route("GET", "/admin/rounds/new", "admin.round_new", ADMIN),
    Route("POST", "/admin/rounds/new", "admin.round_new", ADMIN),
    Route("GET", R, "admin.round_detail", ADMIN),
    Route("POST", f"{R}/status", "admin.round_status", ADMIN),
    Route("GET", f"{R}/publish", "admin.round_publish", ADMIN),
    Route("POST", f"{R}/matrix", "admin.matrix_set", ADMIN),
    Route("POST", f"{R}/matrix/<int:cell_id>/delete", "admin.matrix_remove", ADMIN),
    Route("GET", f"{R}/entry-points", "admin.entry_points", ADMIN),
    Route("POST", f"{R}/entry-points", "admin.entry_points", ADMIN),
    Route("POST", f"{R}/entry-points/<int:entry_id>/revoke", "admin.entry_point_revoke", ADMIN),
    Route("GET", f"{R}/entry-points/<int:entry_id>/qr.png", "admin.entry_point_png", ADMIN),
    Route("GET", f"{R}/entry-points/<int:entry_id>/qr.svg", "admin.entry_point_svg", ADMIN),
    Route("GET", f"{R}/entry-points/posters", "admin.entry_point_posters", ADMIN),
    Route("GET", f"{R}/entry-points/<int:entry_id>/poster", "admin.entry_point_posters", ADMIN),
    Route("GET", f"{R}/frames/upload", "admin.frame_upload", ADMIN),
    Route("POST", f"{R}/frames/upload", "admin.frame_upload", ADMIN),
    Route("GET", f"{R}/frames/<int:frame_id>", "admin.frame_detail", ADMIN),
    Route("POST", f"{R}/frames/<int:frame_id>/plan", "admin.plan_design", ADMIN),
    Route("POST", f"{R}/frames/<int:frame_id>/purge", "admin.frame_purge", ADMIN),
    Route("GET", f"{R}/frames/<int:frame_id>/purge", "admin.frame_purge_confirm", ADMIN),
    Route("GET", f"{R}/frames/<int:frame_id>/delete", "admin.frame_delete_confirm", ADMIN),
    Route("POST", f"{R}/frames/<int:frame_id>/delete", "admin.frame_delete", ADMIN),
    Route("POST", f"{R}/frames/<int:frame_id>/personal", "admin.frame_personal_show", ADMIN),
    Route("POST", f"{R}/plans/<int:plan_id>/personal", "admin.plan_personal_show", ADMIN),
    Route("GET", f"{R}/plans/<int:plan_id>", "admin.plan_detail", ADMIN),
    Route("POST", f"{R}/plans/<int:plan_id>/verify", "admin.plan_verify", ADMIN),
    Route("POST", f"{R}/plans/<int:plan_id>/backcheck", "admin.plan_backcheck", ADMIN),
    Route("GET", f"{R}/plans/<int:plan_id>/members.xlsx", "admin.plan_members_xlsx", ADMIN),
    Route("POST", f"{R}/plans/<int:plan_id>/invitations", "admin.plan_invitations", ADMIN),
    Route("GET", f"{R}/invitations", "admin.invitations", ADMIN),
    Route(
        "POST", f"{R}/invitations/<int:invitation_id>/revoke", "admin.invitation_revoke", ADMIN
    ),
    Route("POST", f"{R}/invitations/revoke-unit", "admin.invitation_revoke_unit", ADMIN),
    Route("GET", f"{R}/frames/template/<kind>.xlsx", "admin.frame_template", ADMIN),
    Route("GET", "/results/<code>/index/self-assessment.xlsx", "results.self_assessment_xlsx",
          READERS),
    # --- the questionnaire library: admins only
    Route("GET", "/admin/questionnaires", "admin.questionnaires", ADMIN),
    Route("GET", "/admin/questionnaires/import", "admin.questionnaire_import", ADMIN),
    Route("POST", "/admin/questionnaires/import", "admin.questionnaire_import", ADMIN),
    Route("GET", "/admin/questionnaires/<origin>/<key>", "admin.questionnaire_preview", ADMIN),
    Route("GET", "/admin/questionnaires/<origin>/<key>/download.<fmt>",
          "admin.questionnaire_download", ADMIN),
    Route("GET", "/admin/questionnaires/stored/<int:questionnaire_id>/publish",
          "admin.questionnaire_publish", ADMIN),
    Route("POST", "/admin/questionnaires/stored/<int:questionnaire_id>/publish",
          "admin.questionnaire_publish", ADMIN),
    Route("GET", f"{R}/invitations/<int:invitation_id>/revoke",
          "admin.invitation_revoke_confirm", ADMIN),
    Route("GET", f"{R}/invitations/revoke-unit", "admin.invitation_revoke_unit_confirm", ADMIN),
    Route("GET", f"{R}/invitations/files", "admin.invitation_files", ADMIN),
    Route("GET", f"{R}/invitations/files/<int:file_id>", "admin.invitation_file_download",
          ADMIN),
    Route("GET", f"{R}/invitations/reissue", "admin.invitation_reissue_confirm", ADMIN),
    Route("POST", f"{R}/invitations/reissue", "admin.invitation_reissue", ADMIN),
    # --- fieldwork outcomes, deadlines and reminders: a focal point only for the own unit
    # (its rows are the round's invitations, which other routes here revoke: unit scope is
    # checked in tests/app/test_reminders.py)
    Route("GET", f"{R}/fieldwork", "admin.fieldwork", access("admin", "focal_point")),
    Route("POST", f"{R}/fieldwork/remind-mail", "admin.fieldwork_remind_mail", ADMIN),
    Route("GET", f"{R}/fieldwork/mail-jobs/<int:job_id>", "admin.fieldwork_mail_job", ADMIN),
    Route("POST", f"{R}/fieldwork/unanswered.xlsx", "admin.fieldwork_unanswered_xlsx",
          access("admin", "focal_point")),
    Route("GET", f"{R}/invitations/<int:invitation_id>/disposition",
          "admin.invitation_disposition", access("admin", "focal_point", own_unit=True)),
    Route("POST", f"{R}/invitations/<int:invitation_id>/disposition",
          "admin.invitation_disposition", access("admin", "focal_point", own_unit=True)),
    Route("GET", f"{R}/schedule", "admin.schedule", MONITOR),
    Route("POST", f"{R}/schedule/deadlines", "admin.schedule_deadlines", ADMIN),
    Route("POST", f"{R}/schedule/unit-due", "admin.schedule_unit_due", ADMIN),
    Route("POST", f"{R}/invitations/bundles", "admin.invitation_bundle_issue", ADMIN),
    Route("GET", f"{R}/invitations/bundles/<int:bundle_id>/revoke",
          "admin.invitation_bundle_revoke_confirm", ADMIN),
    Route("POST", f"{R}/invitations/bundles/<int:bundle_id>/revoke",
          "admin.invitation_bundle_revoke", ADMIN),
]


def app_routes(app) -> set[tuple[str, str, str]]:
    return {
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


# ------------------------------------------------------------------------------ the world


@pytest.fixture(scope="module")
def world(migrated_database, tmp_path_factory):
    """One app and one database for the module: a published, scored round ``R`` and an open
    fieldwork round ``F`` of the same province and units A and B, with rating cells, QR entry
    points, invitations, responses, a frame, a plan and an export job; one account per role (the
    focal point of unit A) and a focal point of unit B, each logged in with a client of its own."""
    from tests.conftest import _empty_all_tables, make_test_app

    with pytest.MonkeyPatch.context() as patch:
        instance = tmp_path_factory.mktemp("route-matrix-instance")
        patch.setenv("PAR_SURVEY_INSTANCE", str(instance))
        app = make_test_app(migrated_database, instance)
        with app.app_context():
            try:
                yield _build_world(app)
            finally:
                db.session.remove()
                _empty_all_tables(db)
                db.engine.dispose()


def _build_world(app) -> dict:
    from survey_app.models import Province

    province = Province(code="PKT", name="Tỉnh Kiểm Thử Quyền", valid_from=dt.date(2025, 7, 1))
    db.session.add(province)
    db.session.flush()
    unit_a = create_unit(province, code=UNIT_A[0], name=UNIT_A[1], unit_type="agency")
    unit_b = create_unit(province, code=UNIT_B[0], name=UNIT_B[1], unit_type="commune")
    scored = create_scored_round("published", code="KQ-QUYEN-2025", province=province,
                                 units=(unit_a, unit_b))
    users = {role: create_user(role, unit=unit_a if role == "focal_point" else None)
             for role in ROLES}
    users[OTHER_FOCAL_POINT] = create_user("focal_point", unit=unit_b)
    admin = users["admin"]

    fieldwork = create_round(status="open", province=province, code="TD-QUYEN-2025")
    citizen = create_questionnaire(small_questionnaire_dict(form_id="quyen_citizen"))
    delegate = create_questionnaire(small_questionnaire_dict(form_id="quyen_delegate",
                                                             group="delegate"))
    for unit_type in ("agency", "commune"):
        round_ops.set_rating_cell(fieldwork, "citizen", unit_type, citizen, 5, admin)
    spare_cell = round_ops.set_rating_cell(fieldwork, "delegate", "agency", delegate, 2, admin)
    entry = create_entry_point(fieldwork, unit_a, citizen, counter="Quầy 1")
    spare_entry = create_entry_point(fieldwork, unit_b, citizen, counter="Quầy 2")
    _, token = issue_invitation(fieldwork, citizen, unit_a, "citizen")
    invitation_a, _ = issue_invitation(fieldwork, citizen, unit_a, "citizen")
    spare_invitation, _ = issue_invitation(fieldwork, citizen, unit_b, "citizen")
    bundle, bundle_token = issue_bundle(fieldwork, citizen, [unit_a, unit_b], "citizen")
    response = create_response(fieldwork, unit_a, citizen)
    create_response(fieldwork, unit_b, citizen)
    frame = import_frame(fieldwork, "sipas_dossiers", "khung.csv",
                         sipas_frame_csv([UNIT_A[0], UNIT_B[0]], 6), admin)
    assert frame is not None
    plan = draw_plan(fieldwork, frame, PlanOptions(size_mode="fixed", n=4), seed=11, user=admin)
    draft = create_round(status="draft", province=province, code="NHAP-QUYEN-2025")
    round_ops.set_rating_cell(draft, "citizen", "agency", citizen, 5, admin)
    job = ExportJob(round_id=scored["round"].id, format="json", status="done", content=b"{}",
                    filename="hop-dong.json", mimetype="application/json", sha256="0" * 64,
                    size_bytes=2)
    db.session.add(job)
    invitation_file = InvitationFile(
        round_id=fieldwork.id, batch="quyen", kind="xlsx", filename="thu-moi.xlsx",
        mimetype="application/octet-stream", invitation_count=1, content=b"x",
        expires_at=dt.datetime(2100, 1, 1))
    db.session.add(invitation_file)
    from survey_app.models import QuestionnaireMedia

    db.session.add(QuestionnaireMedia(questionnaire_version_id=citizen.id, name="ban_do.png",
                                      mimetype="image/png", size=8, sha256="0" * 64,
                                      content=b"\x89PNG\r\n\x1a\n"))
    mail_job = MailJob(round_id=fieldwork.id, status="done", invitation_ids="", progress_total=0)
    called, _ = issue_invitation(fieldwork, citizen, unit_a, "citizen")
    assignment = cati.assign(called, users["interviewer"], admin)
    collect_key = collect_keys.new_key(users["interviewer"], admin)
    keyless = create_user("interviewer")  # the admin's key routes make and revoke its keys
    db.session.add(mail_job)
    db.session.commit()

    clients = {}
    for requester in REQUESTERS:
        clients[requester] = app.test_client()
        if requester != ANONYMOUS:
            log_in(clients[requester], users[requester])
    args = {
        "round_id": fieldwork.id, "cell_id": spare_cell.id, "entry_id": entry.id,
        "frame_id": frame.id, "plan_id": plan.id, "invitation_id": spare_invitation.id,
        "job_id": job.id, "file_id": invitation_file.id, "code": scored["round"].code,
        "unit_code": UNIT_A[0],
        "token": token, "receipt": response.receipt, "form_key": citizen.form_key,
        "version": citizen.version, "filename": "site.css", "kind": "sipas_dossiers",
        "form": citizen.form_key,
        "origin": "stored", "key": str(citizen.id), "fmt": "yaml",
        "questionnaire_id": citizen.id, "bundle_id": bundle.id, "assignment_id": assignment.id,
        "collect_key": collect_key, "user_id": keyless.id,
    }
    # Routes that change what they name act on spare objects, so that the other routes keep
    # working whatever order the tests run in.
    per_endpoint = {
        "respond.entry": {"code": entry.code},
        "respond.invitation_unit": {"token": bundle_token, "unit_id": unit_a.id},
        "respond.invitation_finish": {"token": bundle_token},
        "respond.invitation_grid": {"token": bundle_token},
        "api.entry": {"code": entry.code},
        "openrosa.form_xml": {"form_id": f"par-{entry.code}"},
        "openrosa.form_manifest": {"form_id": f"par-{entry.code}"},
        "openrosa.key_form_xml": {"form_id": f"par-{entry.code}"},
        "openrosa.key_form_manifest": {"form_id": f"par-{entry.code}"},
        "admin.entry_point_revoke": {"entry_id": spare_entry.id},
        "reports.document": {"name": "report.docx"},
        "respond.questionnaire_media": {"name": "ban_do.png"},
        "admin.fieldwork_mail_job": {"job_id": mail_job.id},
        "admin.invitation_disposition": {"invitation_id": invitation_a.id},
    }
    return {"app": app, "users": users, "clients": clients, "args": args,
            "per_endpoint": per_endpoint, "draft_round_id": draft.id}


def url_for_route(world, route: Route) -> str:
    rule = next(r for r in world["app"].url_map.iter_rules()
                if r.rule == route.rule and r.endpoint == route.endpoint)
    values = {**world["args"], **world["per_endpoint"].get(route.endpoint, {})}
    missing = rule.arguments - values.keys()
    assert not missing, f"{route}: no test value for URL argument(s) {sorted(missing)}"
    built = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)
    assert built is not None, f"{route}: cannot build a URL"
    return built[1]


def stored_rows() -> dict[str, list[tuple]]:
    """Every row of every table but the volatile ones, in primary-key order."""
    rows = {}
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            query = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(query)]
    return rows


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


def request(world, requester: str, route: Route, url: str):
    client = world["clients"][requester]
    headers = {}
    if route.access.basic_auth and requester != ANONYMOUS:
        user = world["users"][requester]
        secret = base64.b64encode(f"{user.username}:{STAFF_PASSWORD}".encode()).decode()
        headers = {"Authorization": f"Basic {secret}", "X-OpenRosa-Version": "1.0"}
    if route.method == "GET":
        reply = client.get(url, headers=headers)
    else:
        reply = client.post(url, data={}, headers=headers)
    reply.get_data()  # read the body (a file or a stream) and close it
    reply.close()
    if route.access.ends_session and requester != ANONYMOUS:
        log_in(client, world["users"][requester])
    return reply


def is_login_redirect(reply) -> bool:
    return reply.status_code in (302, 303) and reply.location.startswith("/auth/login")


def refusal_problem(route: Route, requester: str, reply) -> str | None:
    """Why ``reply`` is not the refusal ``requester`` should get, or None."""
    status = reply.status_code
    if route.access.basic_auth:
        wanted = 401 if requester == ANONYMOUS else 403
        challenged = status != 401 or reply.headers.get("WWW-Authenticate", "").startswith("Basic")
        if status != wanted or not challenged:
            return f"wanted a {wanted} OpenRosa refusal, got {status}"
        return None
    if route.rule.startswith("/api/"):
        wanted = 401 if requester == ANONYMOUS else 403
        if status != wanted or not reply.is_json:
            return f"wanted a {wanted} JSON refusal, got {status} {reply.content_type}"
        return None
    if requester == ANONYMOUS:
        return None if is_login_redirect(reply) else f"wanted a redirect to login, got {status}"
    if route.access.own_unit and requester == OTHER_FOCAL_POINT:
        return None if status == 404 else f"wanted 404 (another unit's object), got {status}"
    return None if status == 403 else f"wanted 403, got {status}"


def admission_problem(reply) -> str | None:
    """Why ``reply`` is not an admitted request's answer, or None (a 404 or 405 would mean the
    test's URL names nothing, and the access decision went untested)."""
    status = reply.status_code
    if status >= 500 or status in (401, 403, 404, 405):
        return f"got {status}"
    if is_login_redirect(reply):
        return f"got a redirect to the login page ({reply.location})"
    return None


# ------------------------------------------------------------------------------ the tests


def test_every_route_is_in_the_matrix(world):
    declared = [route.key for route in MATRIX]
    twice = sorted({key for key in declared if declared.count(key) > 1})
    assert not twice, f"declared more than once in MATRIX: {twice}"
    in_app = app_routes(world["app"])
    undeclared = sorted(in_app - set(declared), key=lambda key: (key[2], key[1], key[0]))
    assert not undeclared, "routes of the app missing from MATRIX (say who may use them): " + (
        "; ".join(f"{endpoint} ({method} {rule})" for method, rule, endpoint in undeclared))
    gone = sorted(set(declared) - in_app, key=lambda key: (key[2], key[1], key[0]))
    assert not gone, "MATRIX names routes the app no longer has: " + (
        "; ".join(f"{endpoint} ({method} {rule})" for method, rule, endpoint in gone))


def test_the_matrix_names_every_role_and_only_known_requesters(world):
    known = {ANONYMOUS, *ROLES}
    for route in MATRIX:
        assert route.access.allowed <= known, f"{route}: unknown requester in the matrix"
        assert route.access.allowed, f"{route}: nobody may use it"
    assert set(world["clients"]) == {*known, OTHER_FOCAL_POINT}


@pytest.mark.parametrize("route", MATRIX, ids=str)
def test_route_answers_each_requester_as_declared(world, route):
    url = url_for_route(world, route)
    problems = []
    refused = [who for who in REQUESTERS if not route.access.allows(who)]
    admitted = [who for who in REQUESTERS if route.access.allows(who)]
    before = stored_rows() if route.method != "GET" else None
    for requester in refused:
        reply = request(world, requester, route, url)
        problem = refusal_problem(route, requester, reply)
        if problem:
            problems.append(f"{requester} must be refused: {problem}")
    if before is not None:
        changed = changed_tables(before, stored_rows())
        if changed:
            problems.append(f"a refused POST changed stored rows of {changed}")
    for requester in admitted:
        reply = request(world, requester, route, url)
        problem = admission_problem(reply)
        if problem:
            problems.append(f"{requester} must be admitted: {problem}")
        elif route.access.unit_scoped:
            problems.extend(unit_scope_problems(requester, reply))
    assert not problems, f"{route} at {url}:\n" + "\n".join(problems)


def unit_scope_problems(requester: str, reply) -> list[str]:
    """A focal point sees its own unit and no other; an admin sees both units."""
    body = reply.get_data(as_text=True)
    shown = {code for code, _ in (UNIT_A, UNIT_B) if code in body}
    wanted = {
        "admin": {UNIT_A[0], UNIT_B[0]},
        "focal_point": {UNIT_A[0]},
        OTHER_FOCAL_POINT: {UNIT_B[0]},
    }[requester]
    if reply.status_code != 200 or shown != wanted:
        return [f"{requester} got {reply.status_code} showing units {sorted(shown)}, "
                f"wanted {sorted(wanted)}"]
    return []


def test_refusals_are_not_vacuous(world):
    """The matrix refuses somebody on every staff route, and each refusal really is requested:
    a staff page answers a logged-in admin differently from an anonymous requester."""
    staff_routes = [route for route in MATRIX if ANONYMOUS not in route.access.allowed]
    assert len(staff_routes) > 30
    url = url_for_route(world, next(r for r in MATRIX if r.endpoint == "admin.rounds_list"))
    assert world["clients"]["admin"].get(url).status_code == 200
    assert is_login_redirect(world["clients"][ANONYMOUS].get(url))
    assert world["clients"]["council"].get(url).status_code == 403


def test_focal_points_do_not_see_a_draft_round_on_the_monitor(world):
    """A round still in draft is not fieldwork yet: its monitor is the admins' only (404 to
    focal points, as if it did not exist), and it is not listed to them."""
    url = f"/admin/rounds/{world['draft_round_id']}/monitor"
    assert world["clients"]["admin"].get(url).status_code == 200
    for requester in ("focal_point", OTHER_FOCAL_POINT):
        client = world["clients"][requester]
        assert client.get(url).status_code == 404, requester
        listing = client.get("/admin/monitor").get_data(as_text=True)
        assert "NHAP-QUYEN-2025" not in listing and "TD-QUYEN-2025" in listing, requester
