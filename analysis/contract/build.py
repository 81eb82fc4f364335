"""Build a contract v1 document from plain inputs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone

from ..points import survey_part_se

CONTRACT_VERSION = "1"
SIPAS_LEVELS = ("element", "overall")


def _number(value):
    """A JSON number or null: numpy scalars become Python numbers, NaN and ±inf become null."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _date(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _field(obj, name, default=None):
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _criterion(cp) -> dict:
    out = {
        "code": str(_field(cp, "criterion", _field(cp, "code"))),
        "points": _number(_field(cp, "points")),
        "max_points": _number(_field(cp, "max_points")),
        "n": int(_field(cp, "n")),
        "effective_n": _number(_field(cp, "effective_n")),
        "se": _number(_field(cp, "se")),
        "ci_low": _number(_field(cp, "ci_low")),
        "ci_high": _number(_field(cp, "ci_high")),
        "flags": [str(f) for f in (_field(cp, "flags") or ())],
    }
    measure = _field(cp, "measure")
    if measure is not None:  # the SIPAS criterion: the index its points come from, 0–100
        points, max_points = out["points"], out["max_points"]
        value = None if points is None or not max_points else 100.0 * points / max_points
        out["measure"] = {"name": str(measure), "value": _number(value)}
    groups = _field(cp, "groups") or ()
    if groups and out["max_points"] is not None:  # each respondent group's own points
        out["groups"] = [_group_points(g, out["max_points"]) for g in groups]
    return out


def _group_points(mean, max_points: float) -> dict:
    """One respondent group's part of a criterion cell: its weighted mean coefficient times the
    criterion's maximum (the points the unit would get from that group alone), SE and n."""
    value, se = _field(mean, "value"), _field(mean, "se")
    return {
        "group": str(_field(mean, "group")),
        "points": _number(None if value is None else max_points * float(value)),
        "se": _number(None if se is None else max_points * float(se)),
        "n": int(_field(mean, "n")),
    }


def _survey_total(criteria: list, se=None) -> dict:
    """The unit's survey-assessed points summed, with the SE of the sum: ``se`` from the design
    (:func:`analysis.points.survey_total_se`) when given, else the conservative sum of the
    criteria's SEs (:func:`analysis.points.survey_part_se`)."""
    design = se is not None and math.isfinite(float(se))
    return {
        "points": _number(sum(c["points"] for c in criteria)),
        "max_points": _number(sum(c["max_points"] for c in criteria)),
        "se": _number(se) if design else _number(survey_part_se(c["se"] for c in criteria)),
        "se_method": "design" if design else "sum_of_criteria",
    }


def _estimate(e) -> dict:
    return {
        "value": _number(_field(e, "value")),
        "se": _number(_field(e, "se")),
        "ci_low": _number(_field(e, "ci_low")),
        "ci_high": _number(_field(e, "ci_high")),
        "n": int(_field(e, "n")),
    }


def _sipas(index) -> dict:
    return {
        "level": str(_field(index, "level")),
        "code": str(_field(index, "code")),
        "share": _estimate(_field(index, "share")),
        "score": _estimate(_field(index, "score")),
        "flags": ["small_cell"] if _field(index, "small_cell", False) else [],
    }


def _generated_at(value) -> str:
    if value is None:
        value = datetime.now(timezone.utc)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("generated_at must carry a time zone (e.g. UTC).")
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value)


def build_contract(
    *,
    round: Mapping,
    provenance: Mapping,
    units: Sequence[Mapping],
    criterion_points: Sequence = (),
    sipas=None,
    response_counts: Sequence[Mapping] = (),
    generated_at=None,
    survey_se: Mapping[str, float] | None = None,
    outcome_rates: Mapping | None = None,
) -> dict:
    """Assemble a contract v1 document (a plain ``dict`` ready for JSON).

    Parameters
    ----------
    round : mapping
        ``code``, ``year``, ``province``, ``period_start``, ``period_end`` (dates or ISO strings),
        and ``status``: ``"published"`` (the default) or ``"draft"`` for a round not yet published.
    provenance : mapping
        ``pack`` ({id, version}), ``questionnaires`` ([{code, version, content_hash}]),
        ``sampling`` ({seed, frame_hash}), ``weighting_method``, ``software_version``.
    units : sequence of mapping
        ``code``, ``name``, ``unit_type``, ``valid_from``, ``valid_to`` of each assessed unit.
    criterion_points : sequence
        :class:`analysis.points.CriterionPoints` (or mappings with the same fields) per unit.
    sipas : analysis.indices.SipasResult, optional
        Element and overall indices go in per unit (``unit`` None = province-wide).
    response_counts : sequence of mapping
        ``group``, ``unit`` (None = all), ``invited`` (None if unknown), ``completed``,
        ``quarantined``; ``response_rate`` is completed ÷ invited.
    generated_at : datetime or str, optional
        Time zone-aware; default now (UTC).
    survey_se : mapping of str to float, optional
        Unit → design-based SE of its survey points summed (:func:`analysis.points.
        survey_total_se`); a unit without one gets the sum of its criteria's SEs.
    outcome_rates : mapping, optional
        ``{"reference", "rows"}``: AAPOR rates per round, unit, stratum and group (optional within
        v1, left out when not given).

    Returns
    -------
    dict
        The document; check it with :func:`validate_contract`.
    """
    codes = [str(u["code"]) for u in units]
    if len(set(codes)) != len(codes):
        raise ValueError("Each unit code may appear only once in a contract.")
    by_unit: dict[str, list] = {c: [] for c in codes}
    for cp in criterion_points:
        unit = str(_field(cp, "unit"))
        if unit not in by_unit:
            raise ValueError(f"Criterion points name unit {unit!r}, which is not among the units.")
        by_unit[unit].append(_criterion(cp))
    sipas_by_unit: dict = {c: [] for c in codes}
    province_sipas = []
    for index in (() if sipas is None else sipas.indices):
        if index.level not in SIPAS_LEVELS:
            continue
        if index.unit is None:
            province_sipas.append(_sipas(index))
        elif str(index.unit) in sipas_by_unit:
            sipas_by_unit[str(index.unit)].append(_sipas(index))
        else:
            raise ValueError(f"SIPAS indices name unit {index.unit!r}, which is not among the "
                             "units.")
    counts = []
    for rc in response_counts:
        invited = rc.get("invited")
        completed = int(rc["completed"])
        counts.append({
            "group": None if rc.get("group") is None else str(rc["group"]),
            "unit": None if rc.get("unit") is None else str(rc["unit"]),
            "invited": None if invited is None else int(invited),
            "completed": completed,
            "quarantined": int(rc.get("quarantined", 0)),
            "response_rate": completed / invited if invited else None,
        })
    sampling = provenance.get("sampling") or {}
    doc = {
        "contract_version": CONTRACT_VERSION,
        "round": {
            "code": str(round["code"]),
            "year": int(round["year"]),
            "province": str(round["province"]),
            "period_start": _date(round["period_start"]),
            "period_end": _date(round["period_end"]),
            "status": str(round.get("status", "published")),
        },
        "provenance": {
            "pack": {"id": str(provenance["pack"]["id"]),
                     "version": str(provenance["pack"]["version"])},
            "questionnaires": [
                {"code": str(q["code"]), "version": str(q["version"]),
                 "content_hash": str(q["content_hash"])}
                for q in provenance.get("questionnaires", ())
            ],
            "sampling": {"seed": sampling.get("seed"), "frame_hash": sampling.get("frame_hash")},
            "weighting_method": str(provenance["weighting_method"]),
            "software_version": str(provenance["software_version"]),
            "generated_at": _generated_at(generated_at),
        },
        "units": [
            {
                "code": str(u["code"]),
                "name": str(u["name"]),
                "unit_type": str(u["unit_type"]),
                "valid_from": _date(u.get("valid_from")),
                "valid_to": _date(u.get("valid_to")),
                "criteria": by_unit[str(u["code"])],
                "survey_total": _survey_total(by_unit[str(u["code"])],
                                              (survey_se or {}).get(str(u["code"]))),
                "sipas": sipas_by_unit[str(u["code"])],
            }
            for u in units
        ],
        "province_sipas": province_sipas,
        "response_counts": counts,
    }
    if outcome_rates is not None:
        doc["outcome_rates"] = {"reference": str(outcome_rates["reference"]),
                                "rows": [dict(row) for row in outcome_rates["rows"]]}
    return doc
