"""A multi-unit invitation: one link lists its units (done or not), each unit is answered with
the ordinary page flow under ``/i/<token>/u/<unit id>`` (its own draft, one response per unit),
and ``/i/<token>/finish`` submits what the respondent has, after saying which units remain.
"""
from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, generate_csrf

from survey_app.extensions import csrf, db
from survey_app.i18n import current_lang
from survey_app.operations.invitation_bundles import (
    bundle_refusal,
    bundle_units,
    find_bundle,
    finish_bundle,
    unit_resume_key,
    unit_source,
)
from survey_app.refusals import Refused
from survey_app.respond import bp
from survey_app.respond.routes import _refused, _respond


def _no_store(body, status: int = 200):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def bundle_overview(token: str):
    """The list page of the multi-unit invitation behind ``token``; ``None`` if it is not one."""
    bundle = find_bundle(token)
    if bundle is None:
        return None
    refusal = bundle_refusal(bundle)
    if refusal is not None:
        return _refused(refusal)
    units = bundle_units(bundle, token)
    sent = request.args.get("sent", type=int)
    sent = next((u.unit for u in units if u.unit.id == sent and u.state == "done"), None)
    from survey_app.respond.unit_grid import grid_items

    return _no_store(render_template(
        "respond/multi_unit/overview.html", bundle=bundle, units=units, token=token, sent=sent,
        has_grid=bool(grid_items(_questionnaire(bundle))),
        grid_saved=request.args.get("grid") == "saved",
        q=_questionnaire(bundle), lang=current_lang(),
        remaining=[u for u in units if u.open]))


def _questionnaire(bundle):
    from survey_app.operations.answer_sources import built_questionnaire

    return built_questionnaire(bundle.questionnaire)


@bp.route("/i/<token>/u/<int:unit_id>", methods=["GET", "POST"])
def invitation_unit(token: str, unit_id: int):
    def back_to_list(source, receipt):
        # The unit goes in the address, not in a flash: respond.js follows the redirect with
        # fetch, then loads the page again, which would have used the flash up.
        return redirect(url_for("respond.invitation", token=token, sent=source.rated_unit.id), 303)

    return _respond(lambda: unit_source(token, unit_id), channel="invitation",
                    self_url=url_for("respond.invitation_unit", token=token, unit_id=unit_id),
                    resume_key=unit_resume_key(token, unit_id), after_submit=back_to_list)


@bp.route("/i/<token>/finish", methods=["GET", "POST"])
def invitation_finish(token: str):
    bundle = find_bundle(token)
    if bundle is None:
        return _unknown()
    refusal = bundle_refusal(bundle)
    if refusal is not None:
        return _refused(refusal)
    units = bundle_units(bundle, token)
    remaining = [u for u in units if u.open]
    if request.method == "POST":
        try:
            if current_app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()
        except CSRFError:
            return redirect(url_for("respond.invitation_finish", token=token), 303)
        try:
            finish_bundle(bundle, token)
        except Refused as refused:
            db.session.rollback()
            return _refused(refused)
        db.session.commit()
        return redirect(url_for("respond.invitation", token=token), 303)
    if bundle.status == "used":
        return redirect(url_for("respond.invitation", token=token), 303)
    return _no_store(render_template(
        "respond/multi_unit/finish.html", bundle=bundle, units=units, remaining=remaining,
        token=token, q=_questionnaire(bundle), lang=current_lang(), csrf_token=generate_csrf()))


def _unknown():
    from survey_app.operations.answer_sources import unknown_source

    return _refused(unknown_source())
