"""The sample-design form of a frame: its choices come from the frame's columns and the round's
communes frames; its data become ``PlanOptions``."""

from __future__ import annotations

from sampling.plan import COMMUNES_SIZE_PREFIX
from survey_app.admin.forms import PlanForm, options
from survey_app.models import SampleFrame
from survey_app.operations.frames import frame_columns, numeric_columns
from survey_app.operations.sample_plans import PlanOptions, communes_frames, parse_sds


def plan_form(frame: SampleFrame, formdata=None) -> PlanForm:
    """The form for ``frame``, filled from ``formdata`` when given (else from the request)."""
    form = PlanForm(formdata=formdata) if formdata is not None else PlanForm()
    columns, numeric = frame_columns(frame), numeric_columns(frame)
    form.strata_column.choices = options(
        [("", "Không phân tầng / no strata")] + [(c, c) for c in columns]
    )
    form.size_column.choices = options([("", "—")] + [(c, c) for c in numeric])
    form.psu_column.choices = options([("", "—")] + [(c, c) for c in columns])
    form.psu_size_column.choices = options(
        [("", "Số dòng của khung trong đơn vị / rows of the frame in the unit")]
        + [(c, f"Cột / column {c}") for c in numeric]
        + [
            (
                f"{COMMUNES_SIZE_PREFIX}{c.id}",
                f"Dân số theo khung xã #{c.id} / population from communes frame #{c.id}",
            )
            for c in communes_frames(frame.round_id)
        ]
    )
    return form


def plan_options(form: PlanForm) -> PlanOptions:
    """The options the form's data describe; refused when the stratum SDs cannot be read."""
    return PlanOptions(
        method=form.method.data,
        size_mode=form.size_mode.data,
        n=form.n.data,
        margin=float(form.margin.data or 0.05),
        confidence=float(form.confidence.data or 0.95),
        p=float(form.p.data or 0.5),
        deff=float(form.deff.data or 1.0),
        response_rate=float(form.response_rate.data or 1.0),
        strata_column=form.strata_column.data or None,
        per_stratum=bool(form.per_stratum.data),
        allocation=form.allocation.data,
        sds=parse_sds(form.sds.data),
        minimum=form.minimum.data or 0,
        size_column=form.size_column.data or None,
        replacements=form.replacements.data or 0,
        psu_column=form.psu_column.data or None,
        n_psu=form.n_psu.data,
        per_psu=form.per_psu.data,
        psu_size_column=form.psu_size_column.data or None,
        psu_replacements=form.psu_replacements.data or 0,
    )
