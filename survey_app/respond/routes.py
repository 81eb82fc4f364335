"""Views of the respondent flow. Each POST commits once; every page is reachable with JS off."""
from __future__ import annotations

import copy
import time
import uuid

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf

from survey_app.extensions import csrf, db
from survey_app.i18n import current_lang
from survey_app.operations.answer_sources import resolve_entry, resolve_invitation
from survey_app.operations.drafts import (
    LEGACY_RESUME_KEY_RE,
    claim_draft,
    invitation_resume_key,
    is_issued_resume_key,
    load_draft,
    new_resume_key,
    save_draft,
)
from survey_app.operations.paradata import MAX_PAGE_SECONDS, device_class
from survey_app.operations.submissions import (
    answer_errors,
    find_receipt,
    find_submission,
    normalise_submission_id,
    submit,
)
from survey_app.refusals import N_, Refused
from survey_app.respond import bp
from survey_app.respond.forms import (
    answer_names,
    build_fields,
    page_questions,
    read_page_answers,
    shown_names,
)
from survey_app.respond.navigation import (
    first_error_page,
    first_page,
    landing_page,
    next_page,
    previous_page,
    progress,
)
from survey_app.respond.repeat_rows import change_rows, fit_counted_rows, row_message

RESUME_COOKIE = "par_resume"

csrf.exempt(bp)  # checked inside the view, so a stale token re-renders the page instead of losing it


@bp.route("/s/<code>", methods=["GET", "POST"])
def entry(code: str):
    return _respond(lambda: resolve_entry(code), channel="qr",
                    self_url=url_for("respond.entry", code=code), resume_key=_qr_resume_key)


@bp.route("/i/<token>", methods=["GET", "POST"])
def invitation(token: str):
    from survey_app.respond.multi_unit import bundle_overview

    overview = bundle_overview(token)  # a multi-unit invitation lists its units
    if overview is not None:
        return overview
    return _respond(lambda: resolve_invitation(token), channel="invitation",
                    self_url=url_for("respond.invitation", token=token),
                    resume_key=invitation_resume_key(token))


@bp.get("/receipt/<receipt>")
def done(receipt: str):
    row = find_receipt(receipt)
    if row is None:
        return _refused(Refused(N_("Không tìm thấy biên nhận này."), status=404, code="unknown"))
    return render_template("respond/done.html", receipt=row.receipt, survey_round=row.round)


def _qr_resume_key(source, self_url: str):
    """The QR respondent's resume key, or a redirect that moves a draft to this browser.

    Only keys this server made for this entry point are used: the browser's own cookie, or a
    ``?resume=`` link whose draft exists, which is then moved to a new key (so the link's sender
    cannot read what is answered next) and the link's key is dropped from the address bar. A key in
    the form (``_rk``) is never trusted: a form on another site could set it.
    """
    if request.method == "GET" and "resume" in request.args:
        lang = request.args.get("lang")
        clean_url = self_url + (f"?lang={lang}" if lang in current_app.config["LANGUAGES"] else "")
        claimed = claim_draft(request.args.get("resume"), source)
        if claimed is None:
            flash(_("Đường dẫn làm tiếp này không còn dùng được: câu trả lời đã được chuyển sang "
                    "thiết bị khác hoặc đã được gửi, hoặc đường dẫn không đúng. Ông/Bà có thể "
                    "bắt đầu trả lời tại đây."), "warning")
            return redirect(clean_url, 303)
        db.session.commit()
        response = redirect(clean_url, 303)
        response.headers["Cache-Control"] = "no-store"
        _set_resume_cookie(response, claimed, self_url)
        return response
    kept = request.cookies.get(RESUME_COOKIE)
    if is_issued_resume_key(kept, source):
        return kept
    if kept and LEGACY_RESUME_KEY_RE.match(kept):  # a draft saved before keys were signed
        claimed = claim_draft(kept, source)
        if claimed is not None:
            db.session.commit()
            return claimed
    return new_resume_key(source)


def _set_resume_cookie(response, key: str, self_url: str) -> None:
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure
    response.set_cookie(RESUME_COOKIE, key, max_age=30 * 24 * 3600, path=self_url,
                        httponly=True, samesite="Lax", secure=secure)


def _refused(refusal: Refused):
    return render_template("respond/refused.html", refusal=refusal, lang=current_lang()), refusal.status


def _respond(resolve, *, channel: str, self_url: str, resume_key, after_submit=None):
    try:
        source = resolve()
    except Refused as refusal:
        return _refused(refusal)
    posted_sid = _posted_submission_id()
    if request.method == "POST" and posted_sid:
        try:
            earlier = find_submission(posted_sid, source)
        except Refused as refusal:
            return _refused(refusal)
        if earlier is not None:  # a retry of a submission already stored: the same receipt
            if after_submit is not None:
                return after_submit(source, earlier)
            return redirect(url_for("respond.done", receipt=earlier.receipt), 303)
    refusal = source.refusal()
    if refusal is not None:
        return _refused(refusal)
    if callable(resume_key):
        resume_key = resume_key(source, self_url)
        if not isinstance(resume_key, str):
            return resume_key  # a redirect
    draft = load_draft(resume_key, source)
    state = {
        # Deep copies: JSON columns only notice a change when given a value unequal to the stored one.
        "answers": copy.deepcopy(draft.answers) if draft else {},
        "paradata": copy.deepcopy(draft.paradata) if draft else {},
        "page": draft.page_index if draft else 0,
    }
    state["paradata"].setdefault("submission_id", posted_sid or str(uuid.uuid4()))
    if request.method == "GET":
        return _page(source, state, resume_key, self_url, channel)
    return _post(source, state, resume_key, self_url, channel, after_submit)


def _posted_submission_id() -> str | None:
    try:
        return normalise_submission_id(request.form.get("_sid", ""))
    except Refused:
        return None


def _post(source, state, resume_key: str, self_url: str, channel: str, after_submit=None):
    q = source.questionnaire
    try:
        index = min(max(int(request.form.get("_page", state["page"])), 0), len(q.pages) - 1)
    except ValueError:
        index = state["page"]
    page = q.pages[index]
    notice_page = first_page(q, state["answers"])  # the page that showed the notice, before this POST
    shown = set(request.form.get("_shown", "").split())
    for name, value in read_page_answers(page, request.form, shown, state["answers"]).items():
        if value is None:
            state["answers"].pop(name, None)
        else:
            state["answers"][name] = value
    fit_counted_rows(q, page, state["answers"])
    if index == notice_page and request.form.get("_consent") == "yes":
        state["paradata"]["consent"] = True
    try:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
    except CSRFError:
        # Nothing is stored from a request we cannot trust, but nothing typed is lost either.
        return _page(source, state, resume_key, self_url, channel, index=index, notice="csrf", status=400)
    _add_page_time(state["paradata"], page.name)
    action = request.form.get("_action", "next")
    if action == "back":
        return _save_and_go(source, state, resume_key, self_url, previous_page(q, state["answers"], index))
    if action.startswith(("add:", "remove:")):  # a repeat's row buttons
        problems = change_rows(q, page, state["answers"], action)
        save_draft(resume_key, source, state["answers"], state["paradata"], index)
        db.session.commit()
        return _page(source, state, resume_key, self_url, channel, index=index, errors=problems)
    if action == "save":
        save_draft(resume_key, source, state["answers"], state["paradata"], index)
        db.session.commit()
        return _page(source, state, resume_key, self_url, channel, index=index, notice="saved")
    relevant = q.relevant_names(state["answers"])
    newly_shown = [q_.name for q_ in page_questions(page) if q_.name in relevant and q_.name not in shown
                   and q_.name in answer_names(page)]
    newly_shown += [key for key in shown_names(page, relevant, q, state["answers"])
                    if key not in shown]
    errors = {} if newly_shown else _errors(q.page_validate(page.name, state["answers"]))
    following = next_page(q, state["answers"], index)
    consent_missing = not state["paradata"].get("consent")
    if consent_missing and (index == notice_page or following is None):
        errors.setdefault("_consent", []).append(
            _("Vui lòng xác nhận Ông/Bà đã đọc thông báo và đồng ý tham gia."))
        if index != notice_page and not newly_shown and len(errors) == 1:
            # a later answer made an earlier page (now the first) visible: consent goes there
            index = first_page(q, state["answers"])
    if newly_shown or errors:
        save_draft(resume_key, source, state["answers"], state["paradata"], index)
        db.session.commit()
        return _page(source, state, resume_key, self_url, channel, index=index, errors=errors,
                     notice="new_questions" if newly_shown else None)
    if following is not None:
        return _save_and_go(source, state, resume_key, self_url, following)
    paradata = dict(state["paradata"], language=current_lang())
    try:
        receipt = submit(source, state["paradata"]["submission_id"], state["answers"], channel=channel,
                         paradata=paradata, device=device_class(request.headers.get("User-Agent")),
                         resume_key=resume_key)
    except Refused as refusal:
        db.session.rollback()
        errors = _errors(answer_errors(refusal))
        if not errors:
            return _refused(refusal)
        return _page(source, state, resume_key, self_url, channel,
                     index=first_error_page(q, set(errors)), errors=errors)
    db.session.commit()
    if after_submit is not None:
        return after_submit(source, receipt)
    response = redirect(url_for("respond.done", receipt=receipt.receipt), 303)
    if channel == "qr":
        response.delete_cookie(RESUME_COOKIE, path=self_url)
    return response


def _save_and_go(source, state, resume_key: str, self_url: str, index: int):
    save_draft(resume_key, source, state["answers"], state["paradata"], index)
    db.session.commit()
    return redirect(self_url, 303)


def _add_page_time(paradata: dict, page_name: str) -> None:
    try:
        seconds = time.time() - float(request.form.get("_shown_at", ""))
    except ValueError:
        return
    if -5 <= seconds <= MAX_PAGE_SECONDS:  # a few seconds of clock skew between workers count as 0
        seconds = max(seconds, 0.0)
        pages = paradata.setdefault("page_seconds", {})
        pages[page_name] = round(pages.get(page_name, 0) + seconds, 1)
        paradata["total_seconds"] = round(sum(pages.values()), 1)


def _errors(validation_errors) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in validation_errors:
        errors.setdefault(error.question, []).append(
            row_message(error.question, error.message(current_lang())))
    return errors


def _page(source, state, resume_key: str, self_url: str, channel: str, *, index: int | None = None,
          errors: dict | None = None, notice: str | None = None, status: int = 200):
    q = source.questionnaire
    lang = current_lang()
    index = state["page"] if index is None else index
    answers = state["answers"]
    index = landing_page(q, answers, min(max(index, 0), len(q.pages) - 1))
    page = q.pages[index]
    relevant = q.relevant_names(answers)
    sid = state["paradata"]["submission_id"]
    fields = build_fields(q, page, answers, relevant, errors or {}, lang, seed=sid)
    shown = shown_names(page, relevant, q, answers)
    position, count = progress(q, answers, index)
    resume_url = None
    if channel == "qr":
        resume_url = url_for("respond.entry", code=source.entry_point.code, resume=resume_key, _external=True)
    body = render_template(
        "respond/page.html", q=q, page=page, index=index, fields=fields, errors=errors or {},
        show_notice=index == first_page(q, answers),
        position=position, count=count, is_last=next_page(q, answers, index) is None,
        sid=sid, resume_key=resume_key if channel == "qr" else "", shown=" ".join(shown),
        shown_at=f"{time.time():.3f}", notice=notice, source=source, lang=lang,
        consent_given=bool(state["paradata"].get("consent")), resume_url=resume_url,
        csrf_token=generate_csrf(), storage_key=f"par:{source.entry_point.code}" if channel == "qr" else "",
        channel=channel,
    )
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    if channel == "qr":
        _set_resume_cookie(response, resume_key, self_url)
    return response
