"""A grid of unit × item for a multi-unit invitation on a wide screen: the items that share one
scale (single choices without skip logic) in rows, the units still to rate in columns. Posting
it saves each unit's draft; each unit is then sent from its own pages, already filled in."""
from __future__ import annotations

from collections import Counter

from flask import current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, generate_csrf

from survey_app.extensions import csrf, db
from survey_app.i18n import current_lang
from survey_app.operations.answer_sources import built_questionnaire
from survey_app.operations.drafts import load_draft, save_draft
from survey_app.operations.invitation_bundles import (
    bundle_refusal,
    bundle_units,
    find_bundle,
    unit_resume_key,
    unit_source,
)
from survey_app.respond import bp
from survey_app.respond.forms import page_questions

GRID_MINIMUM = 3  # fewer items sharing a scale make no grid


def grid_items(questionnaire) -> list:
    """The questions the grid shows: single choices without skip logic or "other" text, on the
    scale most of them share; empty when fewer than :data:`GRID_MINIMUM` share one."""
    items = [q for page in questionnaire.pages if not getattr(page, "relevant", None)
             for q in page_questions(page)
             if q.type == "single" and not q.relevant and not q.other_specify and q.list_name]
    if not items:
        return []
    scale, size = Counter(q.list_name for q in items).most_common(1)[0]
    return [q for q in items if q.list_name == scale] if size >= GRID_MINIMUM else []


def field_name(unit_id: int, question: str) -> str:
    return f"u{unit_id}.{question}"


@bp.route("/i/<token>/grid", methods=["GET", "POST"])
def invitation_grid(token: str):
    bundle = find_bundle(token)
    refusal = None if bundle is None else bundle_refusal(bundle)
    if bundle is None or refusal is not None or bundle.status != "issued":
        return redirect(url_for("respond.invitation", token=token), 303)
    q = built_questionnaire(bundle.questionnaire)
    items = grid_items(q)
    units = [u for u in bundle_units(bundle, token) if u.open]
    if not items or not units:
        return redirect(url_for("respond.invitation", token=token), 303)
    drafts = {}
    for state in units:
        source = unit_source(token, state.unit.id)
        drafts[state.unit.id] = (source, load_draft(unit_resume_key(token, state.unit.id), source))
    if request.method == "POST":
        try:
            if current_app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()
        except CSRFError:
            return redirect(url_for("respond.invitation_grid", token=token), 303)
        for unit_id, (source, draft) in drafts.items():
            answers = dict(draft.answers) if draft else {}
            for item in items:
                value = request.form.get(field_name(unit_id, item.name), "")
                if value in {choice.name for choice in item.choices}:
                    answers[item.name] = value
            save_draft(unit_resume_key(token, unit_id), source, answers,
                       dict(draft.paradata) if draft else {}, draft.page_index if draft else 0)
        db.session.commit()
        return redirect(url_for("respond.invitation", token=token, grid="saved"), 303)
    values = {unit_id: (draft.answers if draft else {}) for unit_id, (_, draft) in drafts.items()}
    body = render_template("respond/multi_unit/grid.html", q=q, items=items, units=units,
                           values=values, field_name=field_name, token=token, lang=current_lang(),
                           csrf_token=generate_csrf(), main_class="staff")
    return body, 200, {"Cache-Control": "no-store"}
