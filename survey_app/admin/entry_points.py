"""QR entry points per service point: list, create, revoke; QR as PNG/SVG; A4 posters."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, url_for

from survey_app.admin import bp
from survey_app.admin.access import commit_or_flash, current_user, round_or_404
from survey_app.admin.forms import ActionForm, EntryPointForm, options
from survey_app.auth import login_required
from survey_app.downloads import content_disposition
from survey_app.labels import cell_choice
from survey_app.models import EntryPoint
from survey_app.operations import rounds as round_ops
from survey_app.operations.entry_points import (
    add_entry_point,
    get_entry_point,
    revoke_entry_point,
    round_entry_points,
)
from survey_app.operations.matrix import group_choices, matrix_groups
from survey_app.operations.posters import entry_url, qr_inline_svg, qr_png, qr_svg
from flask_babel import gettext as _


def _entry_or_404(round_id: int, entry_id: int) -> EntryPoint:
    entry = get_entry_point(round_id, entry_id)
    if entry is None:
        abort(404)
    return entry


def _entry_form(survey_round) -> EntryPointForm:
    form = EntryPointForm()
    units = round_ops.round_units(survey_round)
    form.unit_id.choices = options([(u.id, f"{u.code} — {u.name}") for u in units])
    form.respondent_group.choices = options(group_choices(matrix_groups(survey_round)))
    return form


@bp.route("/rounds/<int:round_id>/entry-points", methods=["GET", "POST"])
@login_required("admin")
def entry_points(round_id: int):
    survey_round = round_or_404(round_id)
    form = _entry_form(survey_round)
    status = 200
    if form.validate_on_submit():
        created = commit_or_flash(
            lambda: add_entry_point(survey_round, form.unit_id.data, form.respondent_group.data,
                                    form.counter.data or "", current_user()),
            _("Đã tạo điểm QR."),
        )
        if created is not None:
            return redirect(url_for("admin.entry_points", round_id=round_id))
        status = 400
    elif form.errors:
        status = 400
    entries = round_entry_points(survey_round)
    return render_template(
        "admin/entry_points.html",
        round=survey_round,
        form=form,
        entries=list(entries),
        cells=[cell_choice(c) for c in sorted(survey_round.rating_cells,
                                              key=lambda c: (c.respondent_group, c.unit_type))],
        action_form=ActionForm(),
        entry_url=entry_url,
    ), status


@bp.post("/rounds/<int:round_id>/entry-points/<int:entry_id>/revoke")
@login_required("admin")
def entry_point_revoke(round_id: int, entry_id: int):
    entry = _entry_or_404(round_id, entry_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: revoke_entry_point(entry, current_user()),
                        _("Đã thu hồi điểm QR."))
    return redirect(url_for("admin.entry_points", round_id=round_id))


@bp.get("/rounds/<int:round_id>/entry-points/<int:entry_id>/qr.png")
@login_required("admin")
def entry_point_png(round_id: int, entry_id: int):
    entry = _entry_or_404(round_id, entry_id)
    return Response(
        qr_png(entry_url(entry.code)),
        mimetype="image/png",
        headers={
            "Content-Disposition": content_disposition(f"qr-{entry.unit.code}-{entry.id}.png")
        },
    )


@bp.get("/rounds/<int:round_id>/entry-points/<int:entry_id>/qr.svg")
@login_required("admin")
def entry_point_svg(round_id: int, entry_id: int):
    entry = _entry_or_404(round_id, entry_id)
    return Response(
        qr_svg(entry_url(entry.code)),
        mimetype="image/svg+xml",
        headers={
            "Content-Disposition": content_disposition(f"qr-{entry.unit.code}-{entry.id}.svg")
        },
    )


@bp.get("/rounds/<int:round_id>/entry-points/posters")
@bp.get("/rounds/<int:round_id>/entry-points/<int:entry_id>/poster")
@login_required("admin")
def entry_point_posters(round_id: int, entry_id: int | None = None):
    """Printable A4 posters: one entry point, or every active one of the round (one page each)."""
    survey_round = round_or_404(round_id)
    if entry_id is not None:
        entries = [_entry_or_404(round_id, entry_id)]
    else:
        entries = round_entry_points(survey_round, active_only=True)
    posters = [
        {"entry": e, "link": entry_url(e.code), "qr": qr_inline_svg(entry_url(e.code), 120)}
        for e in entries
    ]
    return render_template("admin/posters.html", round=survey_round, posters=posters)
