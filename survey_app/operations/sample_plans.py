"""Sample plans of a round: preview the size, draw and store, redraw to verify, back-check.

The plan's options, their checks and the sizes are ``sampling.plan``; the draws are ``sampling``;
this module loads frame rows, passes plain arrays in, stores the result and turns a
``PlanProblem`` into a ``Refused`` in the user's language.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import insert

from sampling import Selection, backcheck, select, select_two_stage
from sampling.plan import (
    MAX_SEED,
    PlanOptions,
    PlanPreview,
    PlanProblem,
    check_options,
    psu_labels,
    psu_sizes_from,
    psu_sizes_from_column,
    strata_labels,
)
from sampling.plan import parse_sds as _parse_sds
from sampling.plan import preview_plan as _preview
from survey_app.extensions import db
from survey_app.models import FrameRow, SampleFrame, SampleMember, SamplePlan, SurveyRound, User
from survey_app.models.base import utcnow
from survey_app.operations.frames import frame_columns, numeric_columns
from survey_app.operations.plan_messages import refusal
from survey_app.operations.rounds import record_audit
from survey_app.refusals import N_, Refused

__all__ = ["MAX_SEED", "PlanOptions", "PlanPreview", "draw_plan", "preview_plan", "verify_plan"]


def parse_sds(text: str | None) -> dict[str, float]:
    """``"A=5; B=10"`` → ``{"A": 5.0, "B": 10.0}``; refused with a sentence otherwise."""
    try:
        return _parse_sds(text)
    except PlanProblem as problem:
        raise refusal(problem) from None


@dataclass(frozen=True)
class FrameData:
    """A stored frame as plain arrays, in frame order."""

    row_ids: np.ndarray
    design: list[dict[str, Any]]
    sizes: np.ndarray | None


def load_frame_data(frame: SampleFrame, size_column: str | None = None) -> FrameData:
    rows = db.session.execute(
        db.select(FrameRow.id, FrameRow.design, FrameRow.size)
        .where(FrameRow.frame_id == frame.id)
        .order_by(FrameRow.row_number)
    ).all()
    row_ids = np.fromiter((r.id for r in rows), dtype=np.int64, count=len(rows))
    design = [r.design for r in rows]
    sizes = None
    if size_column is not None:
        sizes = np.array([float(d.get(size_column) or 0.0) for d in design], dtype=float)
    return FrameData(row_ids, design, sizes)


def communes_frames(survey_round_id: int) -> list[SampleFrame]:
    """The communes frames of a round, whose population can size a two-stage plan's PSUs."""
    return list(db.session.scalars(
        db.select(SampleFrame)
        .filter_by(round_id=survey_round_id, kind="communes")
        .order_by(SampleFrame.id)
    ))


def _communes_frame(frame: SampleFrame, ident: str) -> SampleFrame:
    """The communes frame ``ident`` (from ``"communes:<id>"``), which must be of the same round."""
    other = db.session.get(SampleFrame, int(ident)) if ident.isdigit() else None
    if other is None or other.round_id != frame.round_id or other.kind != "communes":
        raise Refused(N_("Không có khung xã “%(frame)s” trong đợt này."),
                      code="no_communes_frame", arguments={"frame": ident})
    return other


def _psu_sizes(frame: SampleFrame, options: PlanOptions, data: FrameData,
               labels: list[str]) -> dict[str, float] | None:
    """Measure of size of each PSU, in order of first appearance in the frame (None: row counts)."""
    if not options.psu_size_column:
        return None
    if options.communes_sizes is None:
        return psu_sizes_from_column(data.design, labels, options.psu_size_column)
    source = _communes_frame(frame, options.communes_sizes)
    population = {
        str(design.get("unit_code")): float(design.get("population") or 0)
        for design in db.session.scalars(
            db.select(FrameRow.design).where(FrameRow.frame_id == source.id)
        )
    }
    return psu_sizes_from(labels, population, str(source.id))


def _checked(frame: SampleFrame, options: PlanOptions) -> None:
    check_options(options, frame_columns(frame), numeric_columns(frame))
    if options.method == "two_stage" and options.communes_sizes is not None:
        _communes_frame(frame, options.communes_sizes)


def preview_plan(
    frame: SampleFrame, options: PlanOptions, data: FrameData | None = None
) -> PlanPreview:
    """The total n and the n of each stratum that a draw with ``options`` would take."""
    try:
        _checked(frame, options)
        if options.method == "two_stage":
            data = data or load_frame_data(frame)
            sizes = _psu_sizes(frame, options, data, psu_labels(data.design, options.psu_column))
            return _preview(options, data.design, sizes)
        data = data or load_frame_data(frame, options.size_column)
        return _preview(options, data.design)
    except PlanProblem as problem:
        raise refusal(problem) from None


@dataclass(frozen=True)
class _Drawn:
    """A draw in the form the plan stores: final units, n per stratum or PSU, first stage."""

    preview: PlanPreview
    units: Selection
    allocation: dict[str, int]
    first_stage: dict[str, Any] | None


def _draw(frame: SampleFrame, options: PlanOptions, seed: int, data: FrameData) -> _Drawn:
    preview = preview_plan(frame, options, data)
    try:
        if options.method != "two_stage":
            return _draw_one_stage(options, seed, data, preview)
        return _draw_two_stage(frame, options, seed, data, preview)
    except PlanProblem as problem:
        raise refusal(problem) from None
    except ValueError as exc:  # the sampling functions' own checks
        raise refusal(PlanProblem("cannot_draw", reason=str(exc))) from None


def _draw_one_stage(options: PlanOptions, seed: int, data: FrameData,
                    preview: PlanPreview) -> _Drawn:
    strata = None
    n: Any = preview.n
    if options.strata_column is not None:
        strata = strata_labels(data.design, options.strata_column)
        n = {s.label: s.n for s in preview.strata}
    selection = select(
        len(data.row_ids),
        n,
        method=options.method,
        strata=strata,
        size=data.sizes if options.method == "pps_systematic" else None,
        seed=seed,
        replacements=options.replacements,
    )
    allocation = {str(s.label) if s.label is not None else "": s.n for s in preview.strata}
    return _Drawn(preview, selection, allocation, None)


def _draw_two_stage(frame: SampleFrame, options: PlanOptions, seed: int, data: FrameData,
                    preview: PlanPreview) -> _Drawn:
    labels = psu_labels(data.design, options.psu_column)
    two_stage = select_two_stage(
        labels,
        options.n_psu,
        options.per_psu,
        size=_psu_sizes(frame, options, data, labels),
        seed=seed,
        psu_replacements=options.psu_replacements,
        replacements=options.replacements,
    )
    psus = two_stage.psus
    first_stage = {
        "psu_column": options.psu_column,
        "selected": [
            [two_stage.psu_labels[i], float(pi)]
            for i, pi in zip(psus.indices.tolist(), psus.probabilities.tolist())
        ],
        "replacements": [two_stage.psu_labels[i] for i in psus.replacements.tolist()],
        "size_frame_hash": (
            _communes_frame(frame, options.communes_sizes).content_hash
            if options.communes_sizes is not None
            else None
        ),
    }
    allocation = {str(label): int(n) for label, n in (two_stage.units.allocation or {}).items()}
    return _Drawn(preview, two_stage.units, allocation, first_stage)


def _label(stratum: Any) -> str | None:
    return None if stratum is None else str(stratum)[:100]


def new_seed() -> int:
    return secrets.randbelow(MAX_SEED) + 1


def _frame_data(frame: SampleFrame, options: PlanOptions) -> FrameData:
    return load_frame_data(
        frame, options.size_column if options.method == "pps_systematic" else None
    )


def draw_plan(
    survey_round: SurveyRound,
    frame: SampleFrame,
    options: PlanOptions,
    seed: int | None = None,
    user: User | None = None,
) -> SamplePlan:
    """Draw a sample and store the plan (seed, frame hash, options, allocation) with its members."""
    if frame.round_id != survey_round.id:
        raise Refused(N_("Khung mẫu không thuộc đợt này."), code="frame_of_another_round")
    if survey_round.status in ("closed", "published"):
        raise Refused(N_("Đợt đã đóng, không rút mẫu mới."), status=409, code="round_closed")
    seed = new_seed() if seed is None else seed
    if not 0 <= seed <= MAX_SEED:
        raise Refused(N_("Hạt giống phải từ 0 đến %(max)s."), code="seed_out_of_range",
                      arguments={"max": MAX_SEED})
    data = _frame_data(frame, options)
    drawn = _draw(frame, options, seed, data)
    selection = drawn.units
    parameters = options.to_dict()
    if drawn.first_stage is not None:
        parameters["first_stage"] = drawn.first_stage
    plan = SamplePlan(
        round_id=survey_round.id,
        frame_id=frame.id,
        frame_hash=frame.content_hash,
        method=options.method,
        n=selection.n,
        seed=seed,
        parameters=parameters,
        allocation=drawn.allocation,
        drawn_at=utcnow(),
    )
    db.session.add(plan)
    db.session.flush()
    _store_members(plan, selection, data)
    record_audit(
        user,
        "plan.draw",
        plan,
        {"seed": seed, "n": selection.n, "frame_hash": frame.content_hash,
         "method": options.method},
    )
    db.session.flush()
    return plan


def _store_members(plan: SamplePlan, selection: Selection, data: FrameData) -> None:
    strata = selection.strata or (None,) * selection.n
    spare_strata = selection.replacement_strata or (None,) * len(selection.replacements)

    def member(row, role, order, stratum, probability=None, weight=None) -> dict[str, Any]:
        return {
            "plan_id": plan.id,
            "frame_row_id": int(data.row_ids[row]),
            "role": role,
            "selection_order": order,
            "stratum": _label(stratum),
            "inclusion_probability": None if probability is None else float(probability),
            "base_weight": None if weight is None else float(weight),
            "backcheck": False,
        }

    members = [
        member(row, "selected", order, stratum, probability, weight)
        for order, (row, probability, weight, stratum) in enumerate(
            zip(selection.indices, selection.probabilities, selection.weights, strata), start=1
        )
    ]
    members += [
        member(row, "replacement", order, stratum)
        for order, (row, stratum) in enumerate(
            zip(selection.replacements, spare_strata), start=selection.n + 1
        )
    ]
    for start in range(0, len(members), 5000):
        db.session.execute(insert(SampleMember), members[start : start + 5000])


def _not_reproduced(message_id: str) -> Refused:
    return Refused(message_id, status=409, code="plan_not_reproduced")


def verify_plan(plan: SamplePlan) -> int:
    """Redraw the plan from its stored seed and options and compare with the stored members.

    Returns how many selected units the redraw reproduced; refused when it differs.
    """
    frame = plan.frame
    if frame.content_hash != plan.frame_hash:
        raise _not_reproduced(N_("Khung mẫu đã thay đổi so với lúc rút mẫu."))
    options = PlanOptions.from_dict(plan.parameters)
    data = _frame_data(frame, options)
    first_stage = plan.parameters.get("first_stage")
    if first_stage is not None and first_stage.get("size_frame_hash") is not None:
        try:
            size_frame = _communes_frame(frame, options.communes_sizes or "")
        except Refused:
            size_frame = None
        if size_frame is None or size_frame.content_hash != first_stage["size_frame_hash"]:
            raise _not_reproduced(
                N_("Khung xã dùng làm quy mô đã thay đổi so với lúc rút mẫu."))
    drawn = _draw(frame, options, plan.seed, data)
    selection = drawn.units
    if drawn.first_stage != first_stage:
        raise _not_reproduced(
            N_("Rút lại giai đoạn 1 cho kết quả khác với mẫu đã lưu."))
    position = {int(row_id): index for index, row_id in enumerate(data.row_ids)}
    stored = db.session.execute(
        db.select(SampleMember.frame_row_id, SampleMember.role)
        .where(SampleMember.plan_id == plan.id)
        .order_by(SampleMember.selection_order)
    ).all()
    stored_selected = [position[r.frame_row_id] for r in stored if r.role == "selected"]
    stored_spare = [position[r.frame_row_id] for r in stored if r.role == "replacement"]
    if (
        stored_selected != selection.indices.tolist()
        or stored_spare != selection.replacements.tolist()
    ):
        raise _not_reproduced(N_("Rút lại cho kết quả khác với mẫu đã lưu."))
    return len(stored_selected)


def draw_backcheck(
    plan: SamplePlan, fraction: float, seed: int | None = None, user: User | None = None
) -> int:
    """Mark a back-check (phúc tra) subsample of the selected members, by SRS within strata.

    The fraction and seed are stored in ``plan.parameters["backcheck"]``; returns how many were
    marked.
    """
    if not 0.0 < fraction <= 1.0:
        raise Refused(N_("Tỷ lệ phúc tra phải lớn hơn 0 và không quá 1."),
                      code="backcheck_share")
    seed = new_seed() if seed is None else seed
    selected = db.session.scalars(
        db.select(SampleMember)
        .filter_by(plan_id=plan.id, role="selected")
        .order_by(SampleMember.selection_order)
    ).all()
    if not selected:
        raise Refused(N_("Mẫu chưa có đơn vị nào được chọn."), code="sample_empty")
    stratified = any(m.stratum is not None for m in selected)
    main = Selection(
        indices=list(range(len(selected))),
        probabilities=[m.inclusion_probability for m in selected],
        weights=[m.base_weight for m in selected],
        replacements=[],
        seed=plan.seed,
        method=plan.method,
        population=plan.frame.row_count,
        strata=tuple(m.stratum for m in selected) if stratified else None,
    )
    try:
        check = backcheck(main, fraction=fraction, seed=seed)
    except ValueError as exc:
        raise refusal(PlanProblem("cannot_draw", reason=str(exc))) from None
    chosen = set(check.indices.tolist())
    for position, member in enumerate(selected):
        member.backcheck = position in chosen
    plan.parameters = {**plan.parameters, "backcheck": {"fraction": fraction, "seed": seed}}
    record_audit(
        user, "plan.backcheck", plan, {"fraction": fraction, "seed": seed, "count": len(chosen)}
    )
    db.session.flush()
    return len(chosen)


def member_counts(plan: SamplePlan) -> dict[str, int]:
    """Members of the plan by role (``selected``, ``replacement``) and marked for back-check."""
    counts = dict(
        db.session.execute(
            db.select(SampleMember.role, db.func.count(SampleMember.id))
            .where(SampleMember.plan_id == plan.id)
            .group_by(SampleMember.role)
        ).all()
    )
    counts["backcheck"] = db.session.scalar(
        db.select(db.func.count(SampleMember.id)).where(
            SampleMember.plan_id == plan.id, SampleMember.backcheck.is_(True))
    )
    return counts

