"""Every staff page of the seeded demo, for the language test (tests/app/test_staff_language.py)
and the layout test (tests/browser/test_staff_layout.py).

``seed_demo_world`` seeds the demo province (as ``par-survey demo`` does) with an account per
role and a finished export job; ``staff_pages`` lists one address for every staff GET route that
answers with a page. ``uncovered_routes`` names the routes the list misses, so a new staff page
cannot be left out of both tests.
"""
from __future__ import annotations

from builders import STAFF_PASSWORD, create_user

from survey_app.extensions import db

# Routes that answer with a file, not a page (QR images, the members workbook), or JSON.
NOT_PAGES = {"admin.entry_point_png", "admin.entry_point_svg", "admin.plan_members_xlsx",
             "admin.frame_template", "admin.questionnaire_download",
             "results.self_assessment_xlsx", "admin.invitation_file_download",
             "admin.interviewers_backcheck_xlsx"}
STAFF_BLUEPRINTS = ("admin.", "results.", "reports.", "interviewer.")
STAFF_ONLY = {"auth.change_password"}


def seed_demo_world() -> dict:
    """The demo round with its frame, plan, QR points and invitations; one account per role.

    Returns plain values (ids, codes, numbers), usable once the app context has ended: requests
    must run outside it, each in its own context, or Flask-Babel keeps the first page's locale.
    """
    from survey_app.models import (
        EntryPoint, ExportJob, Invitation, InvitationBundle, MailJob, SampleFrame, SamplePlan,
        Unit,
    )
    from survey_app.operations.demo import issue_demo_bundle, seed_demo

    from survey_app.models.base import utcnow
    from survey_app.models.cati import InterviewerAssignment
    from survey_app.operations import cati

    seeded = seed_demo()
    survey_round = seeded["round"]
    issue_demo_bundle(survey_round)  # as `par-survey demo` does: its revoke page is a staff page
    focal_unit = db.session.scalar(db.select(Unit).filter_by(code="SO-NV"))
    users = {role: create_user(role, unit=focal_unit if role == "focal_point" else None)
             for role in ("admin", "focal_point", "council")}
    # the demo's interviewer (``dieutravien``) with its cases: one called, with a callback past
    users["interviewer"], _held = cati.ensure_demo_interviewer(survey_round, STAFF_PASSWORD)
    assignment = db.session.scalar(db.select(InterviewerAssignment).filter_by(
        interviewer_id=users["interviewer"].id).order_by(InterviewerAssignment.id))
    cati.record_attempt(assignment, users["interviewer"], "non_contact", "Không nghe máy",
                        callback_at=utcnow() - cati.OVERDUE_AFTER * 2)
    job = ExportJob(round_id=survey_round.id, format="json", status="done", content=b"{}",
                    filename="hop-dong.json", mimetype="application/json", sha256="0" * 64,
                    size_bytes=2)
    db.session.add(job)
    mail_job = MailJob(round_id=survey_round.id, status="done", invitation_ids="",
                       progress_total=0)
    db.session.add(mail_job)
    db.session.commit()

    def first(model):
        return db.session.scalar(db.select(model).filter_by(round_id=survey_round.id)
                                 .order_by(model.id))

    plan, invitation = first(SamplePlan), first(Invitation)
    draft = _draft_questionnaire()
    return {
        "round_id": survey_round.id, "round_code": survey_round.code, "job_id": job.id,
        "users": {role: (u.username, u.display_name) for role, u in users.items()},
        "frame_id": first(SampleFrame).id, "plan_id": plan.id, "entry_id": first(EntryPoint).id,
        "plan_n": plan.n, "plan_drawn_at": plan.drawn_at,
        "invitation_issued_at": invitation.issued_at, "draft_questionnaire_id": draft.id,
        "invitation_id": invitation.id, "invited_unit_id": invitation.rated_unit_id,
        "mail_job_id": mail_job.id,
        "bundle_id": first(InvitationBundle).id, "assignment_id": assignment.id,
    }


def _draft_questionnaire():
    """A stored draft (an imported questionnaire not yet published), for its publish page."""
    import questionnaires

    from survey_app.models import QuestionnaireVersion

    form = questionnaires.load_bundled("delegate_rates_agency_2025")
    draft = QuestionnaireVersion(
        form_key="ban_nhap_dai_bieu", version="1", title=form.title.get("vi"),
        respondent_group=form.respondent_group, content=form.to_dict(),
        content_hash=form.content_hash, status="draft")
    db.session.add(draft)
    db.session.commit()
    return draft


def staff_pages(world: dict) -> dict[str, str]:
    """endpoint → the address of its page in the demo, as the admin sees it."""
    code = world["round_code"]
    base = f"/admin/rounds/{world['round_id']}"
    return {
        "admin.rounds_list": "/admin/",
        "admin.round_new": "/admin/rounds/new",
        "admin.round_detail": base,
        "admin.entry_points": f"{base}/entry-points",
        "admin.entry_point_posters": f"{base}/entry-points/{world['entry_id']}/poster",
        "admin.frame_upload": f"{base}/frames/upload",
        "admin.frame_detail": f"{base}/frames/{world['frame_id']}",
        "admin.plan_detail": f"{base}/plans/{world['plan_id']}",
        "admin.invitations": f"{base}/invitations",
        "admin.round_publish": f"{base}/publish",
        "admin.frame_purge_confirm": f"{base}/frames/{world['frame_id']}/purge",
        "admin.frame_delete_confirm": f"{base}/frames/{world['frame_id']}/delete",
        "admin.invitation_revoke_confirm": f"{base}/invitations/{world['invitation_id']}/revoke",
        "admin.invitation_bundle_revoke_confirm":
            f"{base}/invitations/bundles/{world['bundle_id']}/revoke",
        "admin.invitation_revoke_unit_confirm":
            f"{base}/invitations/revoke-unit?unit_id={world['invited_unit_id']}",
        "admin.invitation_files": f"{base}/invitations/files",
        "admin.invitation_reissue_confirm":
            f"{base}/invitations/reissue?unit_id={world['invited_unit_id']}",
        "admin.monitor_rounds": "/admin/monitor",
        "admin.monitor": f"{base}/monitor",
        "admin.fieldwork": f"{base}/fieldwork",
        "admin.fieldwork_mail_job": f"{base}/fieldwork/mail-jobs/{world['mail_job_id']}",
        "admin.invitation_disposition":
            f"{base}/invitations/{world['invitation_id']}/disposition",
        "admin.schedule": f"{base}/schedule",
        "admin.interviewers": f"{base}/interviewers",
        "results.rounds": "/results/",
        "results.round_results": f"/results/{code}",
        "results.export_job": f"/results/{code}/exports/{world['job_id']}",
        "results.par_index": f"/results/{code}/index",
        "results.unit_changes": f"/results/{code}/units/SO-NV",
        "reports.document": f"/results/{code}/documents/report.pdf",
        "auth.change_password": "/auth/password",
        "admin.questionnaires": "/admin/questionnaires",
        "admin.questionnaire_import": "/admin/questionnaires/import",
        "admin.questionnaire_preview": "/admin/questionnaires/bundled/delegate_rates_agency_2025",
        "admin.questionnaire_publish":
            f"/admin/questionnaires/stored/{world['draft_questionnaire_id']}/publish",
    }


def interviewer_pages(world: dict) -> dict[str, str]:
    """endpoint → the address of its page as the demo's interviewer sees it (admins get 403):
    the case list, a case with its call form, and the questionnaire in interviewer mode."""
    case = f"/interviewer/cases/{world['assignment_id']}"
    return {"interviewer.cases": "/interviewer/", "interviewer.case": case,
            "interviewer.interview": f"{case}/interview"}


def uncovered_routes(app, pages: dict[str, str]) -> set[str]:
    """Staff GET routes answering with a page that ``pages`` has no address for."""
    endpoints = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES
        and (rule.endpoint.startswith(STAFF_BLUEPRINTS) or rule.endpoint in STAFF_ONLY)
    }
    return endpoints - set(pages)


def log_in_as(client, username: str):
    """Log in through the form; returns the reply (a redirect to the staff home)."""
    reply = client.post("/auth/login", data={"username": username, "password": STAFF_PASSWORD})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return reply
