"""Sample plans: preview the size per stratum, draw, store, redraw to verify, list, invite.

The statistics (sizes, allocation, selection) all run in the pure ``sampling`` package; this
module only loads frame rows, passes plain arrays in and stores the result.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import insert

from sampling import (
    Selection,
    TwoStageSelection,
    allocate,
    backcheck,
    inclusion_probabilities,
    sample_size,
    select,
    select_two_stage,
)
from sampling.size import slovin_size
from survey_app.extensions import db
from survey_app.models import (
    FrameRow,
    Invitation,
    RatingCell,
    SampleFrame,
    SampleMember,
    SamplePlan,
    SurveyRound,
    Unit,
    User,
)
from survey_app.models.base import utcnow
from survey_app.operations.fieldwork_setup import issue_invitation
from survey_app.operations.frames import frame_columns, frame_spec, numeric_columns
from survey_app.operations.rounds import record_audit

SIZE_MODES = ("cochran", "slovin", "fixed")
METHODS = ("srs", "systematic", "pps_systematic", "two_stage")
# A two-stage plan may take its primary units' sizes from a communes frame of the round.
COMMUNES_SIZE_PREFIX = "communes:"
# Seeds stay JSON-safe integers (below 2**53), exact in the export contract and in JavaScript;
# SamplePlan.seed is a 64-bit column.
MAX_SEED = 2**53 - 1
_SD_ITEM = re.compile(r"\s*([^=;]+?)\s*=\s*([0-9]+(?:[.,][0-9]+)?)\s*")


@dataclass(frozen=True)
class PlanOptions:
    """Everything that decides a draw; stored with the plan so anyone can redraw it."""

    method: str = "srs"
    size_mode: str = "cochran"
    n: int | None = None
    margin: float = 0.05
    confidence: float = 0.95
    p: float = 0.5
    deff: float = 1.0
    response_rate: float = 1.0
    strata_column: str | None = None
    per_stratum: bool = False
    allocation: str = "proportional"
    sds: dict[str, float] = field(default_factory=dict)
    minimum: int = 0
    size_column: str | None = None
    replacements: int = 0
    psu_column: str | None = None
    n_psu: int | None = None
    per_psu: int | None = None
    psu_size_column: str | None = None
    psu_replacements: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanOptions:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


def parse_sds(text: str | None) -> dict[str, float]:
    """``"A=5; B=10"`` → ``{"A": 5.0, "B": 10.0}``; raises ValueError with a sentence."""
    result: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in (text or "").split(";"))):
        match = _SD_ITEM.fullmatch(item)
        if match is None:
            raise ValueError(
                f"Không đọc được “{item}”; hãy viết tầng=độ lệch chuẩn, cách nhau bởi dấu chấm "
                f"phẩy / cannot read “{item}”: write stratum=sd separated by semicolons."
            )
        result[match[1]] = float(match[2].replace(",", "."))
    return result


@dataclass(frozen=True)
class StratumSize:
    label: str | None
    population: int
    n: int


@dataclass(frozen=True)
class TwoStagePreview:
    """What a two-stage draw will take: primary units (PSUs), then respondents in each."""

    psu_count: int
    n_psu: int
    per_psu: int
    small_psus: int  # PSUs with fewer rows than ``per_psu``: taken whole if selected
    certainty_psus: int  # PSUs whose first-stage probability is 1


@dataclass(frozen=True)
class PlanPreview:
    """The n the plan will draw, per stratum, before drawing.

    For a two-stage plan ``n`` is the planned total ``n_psu × per_psu`` (lower when a selected
    PSU has fewer rows) and ``two_stage`` holds the stage sizes.
    """

    population: int
    n: int
    strata: list[StratumSize]
    two_stage: TwoStagePreview | None = None


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


def _strata_labels(data: FrameData, column: str) -> list[str]:
    labels = []
    for position, row in enumerate(data.design, start=1):
        value = row.get(column)
        if value is None or value == "":
            raise ValueError(
                f"Dòng {position} của khung mẫu không có giá trị tầng “{column}” / frame row "
                f"{position} has no value in the stratum column “{column}”."
            )
        labels.append(str(value))
    return labels


def _check_options(frame: SampleFrame, options: PlanOptions) -> None:
    if options.method not in METHODS:
        raise ValueError(
            f"Cách chọn mẫu không hợp lệ / unknown selection method {options.method!r}."
        )
    if options.size_mode not in SIZE_MODES:
        raise ValueError(
            f"Cách tính cỡ mẫu không hợp lệ / unknown size mode {options.size_mode!r}."
        )
    columns = frame_columns(frame)
    if options.strata_column is not None and options.strata_column not in columns:
        raise ValueError(
            f"Khung mẫu không có cột “{options.strata_column}” / the frame has no column "
            f"“{options.strata_column}”."
        )
    if options.method == "pps_systematic" and options.size_column not in numeric_columns(frame):
        raise ValueError(
            "Chọn PPS cần một cột quy mô bằng số (ví dụ dân số) / PPS selection needs a "
            "numeric size column (e.g. population)."
        )
    if options.method == "two_stage":
        _check_two_stage(frame, options, columns)
    elif options.size_mode == "fixed" and not options.n:
        raise ValueError("Hãy nhập cỡ mẫu n / enter the sample size n.")


def _check_two_stage(frame: SampleFrame, options: PlanOptions, columns: list[str]) -> None:
    if options.strata_column is not None:
        raise ValueError(
            "Chọn hai giai đoạn không dùng cột phân tầng; để trống ô phân tầng / two-stage "
            "selection takes no stratum column: leave it empty."
        )
    if not options.psu_column:
        raise ValueError(
            "Hãy chọn cột đơn vị cấp 1 (ví dụ mã xã) / choose the primary-unit column "
            "(e.g. the commune code)."
        )
    if options.psu_column not in columns:
        raise ValueError(
            f"Khung mẫu không có cột “{options.psu_column}” / the frame has no column "
            f"“{options.psu_column}”."
        )
    for value, vi, en in (
        (options.n_psu, "số đơn vị cấp 1", "the number of primary units"),
        (options.per_psu, "số người mỗi đơn vị cấp 1", "the number per primary unit"),
    ):
        if value is None or isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(
                f"Hãy nhập {vi} (số nguyên từ 1) / enter {en} (a whole number from 1)."
            )
    for value, vi, en in (
        (options.replacements, "Số dự phòng mỗi đơn vị cấp 1", "replacements per primary unit"),
        (options.psu_replacements, "Số đơn vị cấp 1 dự phòng", "replacement primary units"),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{vi} phải là số nguyên không âm / {en} must be a whole number ≥ 0.")
    size = options.psu_size_column
    if size and size.startswith(COMMUNES_SIZE_PREFIX):
        if options.psu_column != "unit_code":
            raise ValueError(
                "Dân số lấy từ khung xã chỉ dùng khi đơn vị cấp 1 là cột unit_code / population "
                "from a communes frame needs unit_code as the primary-unit column."
            )
        _communes_frame(frame, size)
    elif size and size not in numeric_columns(frame):
        raise ValueError(
            f"Cột quy mô “{size}” không phải cột số của khung / the size column “{size}” is not "
            f"a numeric column of the frame."
        )


def _size_for(population: int, options: PlanOptions) -> int:
    if options.size_mode == "slovin":
        return slovin_size(population, margin=options.margin)
    return sample_size(
        margin=options.margin,
        confidence=options.confidence,
        p=options.p,
        population=population,
        deff=options.deff,
        response_rate=options.response_rate,
    )


def _vi(exc: ValueError) -> ValueError:
    """A ``sampling`` error (English) with a Vietnamese lead-in for officials."""
    text = str(exc)
    if " / " in text:
        return exc
    return ValueError(f"Không lập được mẫu với các tham số này / the plan cannot be drawn: {text}")


def preview_plan(
    frame: SampleFrame, options: PlanOptions, data: FrameData | None = None
) -> PlanPreview:
    """The total n and the n of each stratum that a draw with ``options`` would take."""
    _check_options(frame, options)
    if options.method == "two_stage":
        return _preview_two_stage(frame, options, data or load_frame_data(frame))
    data = data or load_frame_data(frame, options.size_column)
    population = len(data.row_ids)
    try:
        if options.strata_column is None:
            n = options.n if options.size_mode == "fixed" else _size_for(population, options)
            if n > population:
                raise ValueError(
                    f"Cỡ mẫu {n} lớn hơn {population} dòng của khung / n = {n} is larger than "
                    f"the {population} rows of the frame."
                )
            return PlanPreview(population, n, [StratumSize(None, population, n)])
        labels = _strata_labels(data, options.strata_column)
        order: dict[str, int] = {}
        for label in labels:
            order[label] = order.get(label, 0) + 1
        names, counts = list(order), list(order.values())
        if options.per_stratum and options.size_mode != "fixed":
            sizes = [
                max(_size_for(count, options), min(options.minimum, count)) for count in counts
            ]
        else:
            total = options.n if options.size_mode == "fixed" else _size_for(population, options)
            floor = sum(min(options.minimum, count) for count in counts)
            if floor > total:
                raise ValueError(
                    f"Mức tối thiểu {options.minimum} mỗi tầng cần {floor} đơn vị, nhiều hơn cỡ mẫu "
                    f"{total} / a minimum of {options.minimum} per stratum needs {floor} units, "
                    f"more than n = {total}."
                )
            sds = None
            if options.allocation == "neyman":
                missing = [name for name in names if name not in options.sds]
                if missing:
                    raise ValueError(
                        f"Thiếu độ lệch chuẩn cho tầng “{missing[0]}” / no standard deviation "
                        f"for stratum “{missing[0]}”."
                    )
                sds = [options.sds[name] for name in names]
            sizes = allocate(
                total, counts, sds=sds, method=options.allocation, minimum=options.minimum
            )
    except ValueError as exc:
        raise _vi(exc) from None
    strata = [StratumSize(name, count, size) for name, count, size in zip(names, counts, sizes)]
    return PlanPreview(population, sum(sizes), strata)


def _selection(frame: SampleFrame, options: PlanOptions, seed: int, data: FrameData):
    preview = preview_plan(frame, options, data)
    strata = None
    n: Any = preview.n
    if options.strata_column is not None:
        strata = _strata_labels(data, options.strata_column)
        n = {s.label: s.n for s in preview.strata}
    try:
        selection = select(
            len(data.row_ids),
            n,
            method=options.method,
            strata=strata,
            size=data.sizes if options.method == "pps_systematic" else None,
            seed=seed,
            replacements=options.replacements,
        )
    except ValueError as exc:
        raise _vi(exc) from None
    return preview, selection


def _psu_labels(data: FrameData, column: str) -> list[str]:
    labels = []
    for position, row in enumerate(data.design, start=1):
        value = row.get(column)
        if value is None or value == "":
            raise ValueError(
                f"Dòng {position} của khung mẫu không có giá trị đơn vị cấp 1 “{column}” / frame "
                f"row {position} has no value in the primary-unit column “{column}”."
            )
        labels.append(str(value))
    return labels


def _communes_frame(frame: SampleFrame, key: str) -> SampleFrame:
    """The communes frame named by ``"communes:<id>"``, which must belong to the same round."""
    ident = key.removeprefix(COMMUNES_SIZE_PREFIX)
    other = db.session.get(SampleFrame, int(ident)) if ident.isdigit() else None
    if other is None or other.round_id != frame.round_id or other.kind != "communes":
        raise ValueError(
            f"Không có khung xã “{ident}” trong đợt này / the round has no communes frame "
            f"“{ident}”."
        )
    return other


def _psu_sizes(
    frame: SampleFrame, options: PlanOptions, data: FrameData, labels: list[str]
) -> dict[str, float] | None:
    """Measure of size of each PSU, in order of first appearance in the frame (None: row counts)."""
    key = options.psu_size_column
    if not key:
        return None
    present = dict.fromkeys(labels)
    if key.startswith(COMMUNES_SIZE_PREFIX):
        source = _communes_frame(frame, key)
        population = {
            str(design.get("unit_code")): float(design.get("population") or 0)
            for design in db.session.scalars(
                db.select(FrameRow.design).where(FrameRow.frame_id == source.id)
            )
        }
        missing = [label for label in present if label not in population]
        if missing:
            raise ValueError(
                f"Đơn vị cấp 1 “{missing[0]}” không có trong khung xã #{source.id} / primary unit "
                f"“{missing[0]}” is not in communes frame #{source.id}."
            )
        return {label: population[label] for label in present}
    sizes: dict[str, float] = {}
    for position, (label, row) in enumerate(zip(labels, data.design), start=1):
        value = float(row.get(key) or 0.0)
        if sizes.setdefault(label, value) != value:
            raise ValueError(
                f"Dòng {position}: quy mô “{key}” của đơn vị cấp 1 “{label}” khác với các dòng "
                f"trước / row {position}: the size “{key}” of primary unit “{label}” differs "
                f"from its earlier rows."
            )
    return sizes


def _preview_two_stage(frame: SampleFrame, options: PlanOptions, data: FrameData) -> PlanPreview:
    labels = _psu_labels(data, options.psu_column)
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    sizes = _psu_sizes(frame, options, data, labels)
    measures = np.array(list((sizes or counts).values()), dtype=float)
    available = int(np.count_nonzero(measures > 0))
    if options.n_psu > available:
        raise ValueError(
            f"Số đơn vị cấp 1 cần chọn ({options.n_psu}) lớn hơn số đơn vị cấp 1 có trong khung "
            f"({available}, các giá trị khác nhau của cột “{options.psu_column}”) / n_psu = "
            f"{options.n_psu} is larger than the {available} primary units of the frame "
            f"(distinct values of “{options.psu_column}”)."
        )
    try:
        probabilities = inclusion_probabilities(measures, options.n_psu)
    except ValueError as exc:
        raise _vi(exc) from None
    stages = TwoStagePreview(
        psu_count=len(counts),
        n_psu=options.n_psu,
        per_psu=options.per_psu,
        small_psus=sum(1 for count in counts.values() if count < options.per_psu),
        certainty_psus=int(np.count_nonzero(probabilities >= 1.0)),
    )
    return PlanPreview(len(labels), options.n_psu * options.per_psu, [], stages)


def _two_stage_selection(
    frame: SampleFrame, options: PlanOptions, seed: int, data: FrameData
) -> tuple[PlanPreview, TwoStageSelection]:
    preview = preview_plan(frame, options, data)
    labels = _psu_labels(data, options.psu_column)
    try:
        selection = select_two_stage(
            labels,
            options.n_psu,
            options.per_psu,
            size=_psu_sizes(frame, options, data, labels),
            seed=seed,
            psu_replacements=options.psu_replacements,
            replacements=options.replacements,
        )
    except ValueError as exc:
        raise _vi(exc) from None
    return preview, selection


@dataclass(frozen=True)
class _Drawn:
    """A draw in the form the plan stores: final units, n per stratum or PSU, first stage."""

    preview: PlanPreview
    units: Selection
    allocation: dict[str, int]
    first_stage: dict[str, Any] | None


def _draw(frame: SampleFrame, options: PlanOptions, seed: int, data: FrameData) -> _Drawn:
    if options.method != "two_stage":
        preview, selection = _selection(frame, options, seed, data)
        allocation = {str(s.label) if s.label is not None else "": s.n for s in preview.strata}
        return _Drawn(preview, selection, allocation, None)
    preview, two_stage = _two_stage_selection(frame, options, seed, data)
    psus = two_stage.psus
    size_key = options.psu_size_column or ""
    first_stage = {
        "psu_column": options.psu_column,
        "selected": [
            [two_stage.psu_labels[i], float(pi)]
            for i, pi in zip(psus.indices.tolist(), psus.probabilities.tolist())
        ],
        "replacements": [two_stage.psu_labels[i] for i in psus.replacements.tolist()],
        "size_frame_hash": (
            _communes_frame(frame, size_key).content_hash
            if size_key.startswith(COMMUNES_SIZE_PREFIX)
            else None
        ),
    }
    allocation = {str(label): int(n) for label, n in (two_stage.units.allocation or {}).items()}
    return _Drawn(preview, two_stage.units, allocation, first_stage)


def _label(stratum: Any) -> str | None:
    return None if stratum is None else str(stratum)[:100]


def new_seed() -> int:
    return secrets.randbelow(MAX_SEED) + 1


def draw_plan(
    survey_round: SurveyRound,
    frame: SampleFrame,
    options: PlanOptions,
    seed: int | None = None,
    user: User | None = None,
) -> SamplePlan:
    """Draw a sample and store the plan (seed, frame hash, options, allocation) with its members."""
    if frame.round_id != survey_round.id:
        raise ValueError("Khung mẫu không thuộc đợt này / the frame belongs to another round.")
    if survey_round.status in ("closed", "published"):
        raise ValueError("Đợt đã đóng, không rút mẫu mới / a closed round takes no new draw.")
    seed = new_seed() if seed is None else seed
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(
            f"Hạt giống phải từ 0 đến {MAX_SEED} / the seed must lie between 0 and {MAX_SEED}."
        )
    data = load_frame_data(
        frame, options.size_column if options.method == "pps_systematic" else None
    )
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
    strata = selection.strata or (None,) * selection.n
    spare_strata = selection.replacement_strata or (None,) * len(selection.replacements)
    members = [
        {
            "plan_id": plan.id,
            "frame_row_id": int(data.row_ids[row]),
            "role": "selected",
            "selection_order": order,
            "stratum": _label(stratum),
            "inclusion_probability": float(probability),
            "base_weight": float(weight),
            "backcheck": False,
        }
        for order, (row, probability, weight, stratum) in enumerate(
            zip(selection.indices, selection.probabilities, selection.weights, strata), start=1
        )
    ]
    members += [
        {
            "plan_id": plan.id,
            "frame_row_id": int(data.row_ids[row]),
            "role": "replacement",
            "selection_order": order,
            "stratum": _label(stratum),
            "inclusion_probability": None,
            "base_weight": None,
            "backcheck": False,
        }
        for order, (row, stratum) in enumerate(
            zip(selection.replacements, spare_strata), start=selection.n + 1
        )
    ]
    for start in range(0, len(members), 5000):
        db.session.execute(insert(SampleMember), members[start : start + 5000])
    record_audit(
        user,
        "plan.draw",
        plan,
        {
            "seed": seed,
            "n": selection.n,
            "frame_hash": frame.content_hash,
            "method": options.method,
        },
    )
    db.session.flush()
    return plan


@dataclass(frozen=True)
class Verification:
    ok: bool
    message: str


def verify_plan(plan: SamplePlan) -> Verification:
    """Redraw the plan from its stored seed and options and compare with the stored members."""
    frame = plan.frame
    if frame.content_hash != plan.frame_hash:
        return Verification(
            False, "Khung mẫu đã thay đổi so với lúc rút mẫu / the frame changed since the draw."
        )
    options = PlanOptions.from_dict(plan.parameters)
    data = load_frame_data(
        frame, options.size_column if options.method == "pps_systematic" else None
    )
    first_stage = plan.parameters.get("first_stage")
    if first_stage is not None and first_stage.get("size_frame_hash") is not None:
        try:
            size_frame = _communes_frame(frame, options.psu_size_column or "")
        except ValueError:
            size_frame = None
        if size_frame is None or size_frame.content_hash != first_stage["size_frame_hash"]:
            return Verification(
                False,
                "Khung xã dùng làm quy mô đã thay đổi so với lúc rút mẫu / the communes frame "
                "that gave the sizes changed since the draw.",
            )
    drawn = _draw(frame, options, plan.seed, data)
    selection = drawn.units
    if drawn.first_stage != first_stage:
        return Verification(
            False,
            "Rút lại giai đoạn 1 cho kết quả khác với mẫu đã lưu / the first-stage redraw "
            "differs from the stored sample.",
        )
    position = {int(row_id): index for index, row_id in enumerate(data.row_ids)}
    stored = db.session.execute(
        db.select(SampleMember.frame_row_id, SampleMember.role)
        .where(SampleMember.plan_id == plan.id)
        .order_by(SampleMember.selection_order)
    ).all()
    stored_selected = [position[r.frame_row_id] for r in stored if r.role == "selected"]
    stored_spare = [position[r.frame_row_id] for r in stored if r.role == "replacement"]
    if (
        stored_selected == selection.indices.tolist()
        and stored_spare == selection.replacements.tolist()
    ):
        return Verification(
            True,
            f"Rút lại với hạt giống {plan.seed} cho đúng {len(stored_selected)} đơn vị "
            f"đã chọn / redrawing with seed {plan.seed} gives the same "
            f"{len(stored_selected)} selected units.",
        )
    return Verification(
        False,
        "Rút lại cho kết quả khác với mẫu đã lưu / the redraw differs from the stored sample.",
    )


def draw_backcheck(
    plan: SamplePlan, fraction: float, seed: int | None = None, user: User | None = None
) -> int:
    """Mark a back-check (phúc tra) subsample of the selected members, by SRS within strata.

    The fraction and seed are stored in ``plan.parameters["backcheck"]``; returns how many were marked.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(
            "Tỷ lệ phúc tra phải lớn hơn 0 và không quá 1 / the back-check share must lie in (0, 1]."
        )
    seed = new_seed() if seed is None else seed
    selected = db.session.scalars(
        db.select(SampleMember)
        .filter_by(plan_id=plan.id, role="selected")
        .order_by(SampleMember.selection_order)
    ).all()
    if not selected:
        raise ValueError("Mẫu chưa có đơn vị nào được chọn / the sample has no selected member.")
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
        raise _vi(exc) from None
    chosen = set(check.indices.tolist())
    for position, member in enumerate(selected):
        member.backcheck = position in chosen
    plan.parameters = {**plan.parameters, "backcheck": {"fraction": fraction, "seed": seed}}
    record_audit(
        user, "plan.backcheck", plan, {"fraction": fraction, "seed": seed, "count": len(chosen)}
    )
    db.session.flush()
    return len(chosen)


def member_rows(plan: SamplePlan) -> tuple[list[str], list[list[Any]]]:
    """The selected list with replacements as (headers, rows), personal columns included for contact."""
    spec = frame_spec(plan.frame.kind)
    design_columns = [c.name for c in spec.columns if not c.personal]
    personal_columns = list(spec.personal_columns)
    headers = (
        ["order", "role", "stratum", "frame_row", "unit_code", "unit_name"]
        + design_columns
        + personal_columns
        + ["inclusion_probability", "base_weight", "backcheck"]
    )
    query = (
        db.select(SampleMember, FrameRow, Unit)
        .join(FrameRow, FrameRow.id == SampleMember.frame_row_id)
        .outerjoin(Unit, Unit.id == FrameRow.unit_id)
        .where(SampleMember.plan_id == plan.id)
        .order_by(SampleMember.selection_order)
    )
    rows = []
    for member, frame_row, unit in db.session.execute(query):
        personal = frame_row.personal or {}
        rows.append(
            [
                member.selection_order,
                member.role,
                member.stratum,
                frame_row.row_number,
                unit.code if unit else None,
                unit.name if unit else None,
            ]
            + [frame_row.design.get(c) for c in design_columns]
            + [personal.get(c) for c in personal_columns]
            + [member.inclusion_probability, member.base_weight, "x" if member.backcheck else None]
        )
    return headers, rows


def table_xlsx(headers: list[str], rows: list[list[Any]], title: str) -> bytes:
    """A one-sheet workbook with a bold header row; cells go through the export contract's
    writer rules (formula-like text escaped, unwritable characters replaced, long text cut)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from analysis.contract.tables import xlsx_cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    header_cells = []
    for name in headers:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=xlsx_cell(name))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel shows Vietnamese correctly; written by the
    export contract's writer (formula-like text escaped)."""
    from analysis.contract import csv_bytes

    return csv_bytes(headers, rows)


@dataclass(frozen=True)
class IssuedInvitation:
    member: SampleMember
    unit: Unit
    token: str
    personal: dict


def issue_plan_invitations(
    plan: SamplePlan, cell: RatingCell, include_replacements: bool = False, user: User | None = None
) -> list[IssuedInvitation]:
    """One invitation per drawn member (rated unit = the member's frame unit) not yet invited.

    Tokens are returned once, for the download, and stored only as keyed hashes.
    """
    survey_round = db.session.get(SurveyRound, plan.round_id)
    if cell.round_id != plan.round_id:
        raise ValueError(
            "Ô ma trận không thuộc đợt này / the matrix cell belongs to another round."
        )
    if survey_round.status in ("closed", "published"):
        raise ValueError(
            "Đợt đã đóng, không phát thêm thư mời / a closed round issues no invitations."
        )
    invited = set(
        db.session.scalars(
            db.select(Invitation.sample_member_id).where(
                Invitation.sample_member_id.is_not(None),
                Invitation.status != "revoked",
                Invitation.round_id == plan.round_id,
            )
        )
    )
    roles = ("selected", "replacement") if include_replacements else ("selected",)
    query = (
        db.select(SampleMember, FrameRow, Unit)
        .join(FrameRow, FrameRow.id == SampleMember.frame_row_id)
        .outerjoin(Unit, Unit.id == FrameRow.unit_id)
        .where(SampleMember.plan_id == plan.id, SampleMember.role.in_(roles))
        .order_by(SampleMember.selection_order)
    )
    issued = []
    questionnaire = cell.questionnaire
    two_stage = plan.method == "two_stage"
    for member, frame_row, unit in db.session.execute(query).all():
        if member.id in invited:
            continue
        if unit is None:
            raise ValueError(
                f"Dòng khung {frame_row.row_number} không có đơn vị được đánh giá / frame row "
                f"{frame_row.row_number} has no assessed unit."
            )
        if unit.unit_type != cell.unit_type:
            raise ValueError(
                f"Đơn vị {unit.code} không thuộc loại {cell.unit_type} của ô ma trận / unit "
                f"{unit.code} is not of the cell's unit type {cell.unit_type}."
            )
        _, token = issue_invitation(
            survey_round,
            questionnaire,
            unit,
            cell.respondent_group,
            # A two-stage member's label is its PSU (a cluster), not a stratum.
            stratum=None if two_stage else member.stratum,
            psu=member.stratum if two_stage else None,
            base_weight=member.base_weight,
            sample_member_id=member.id,
        )
        issued.append(IssuedInvitation(member, unit, token, frame_row.personal or {}))
    if not issued:
        raise ValueError(
            "Mọi đơn vị trong mẫu đã có thư mời / every member of the sample already has an "
            "invitation."
        )
    record_audit(user, "plan.invitations", plan, {"cell": cell.id, "count": len(issued)})
    return issued
