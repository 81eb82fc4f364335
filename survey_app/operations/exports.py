"""A round's export contract (v1) and its tabular and respondent-level files, from the database.

The contract is built by :mod:`analysis.contract` from the results of
:func:`survey_app.operations.analysis_run.analyze_round`; this module only gathers provenance and
arranges records. For a published round ``generated_at`` is the time it was published, so the
same export is byte-for-byte reproducible and its checksum can be fetched separately.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from importlib import metadata

import numpy as np

from questionnaires.repeats import inside_repeats
from survey_app import spreadsheets
from survey_app.extensions import db
from survey_app.operations.dispositions import contract_outcome_rates
from survey_app.models import (
    AuditEvent,
    QuestionnaireVersion,
    Response,
    SamplePlan,
    SurveyRound,
    Unit,
)
from survey_app.operations.analysis_run import (
    DEFAULT_MIN_N,
    WEIGHTING_METHOD,
    RoundData,
    analyze_round,
    gather_round,
)
from survey_app.operations.documents import load_questionnaire
from survey_app.operations.export_repeats import has_repeats, repeat_table
from survey_app.refusals import N_, Refused

FORMATS = ("json", "csv", "xlsx", "sav")
TABLES = ("criteria", "sipas", "responses", "respondents", "codebook", "repeats")
DRAFT_LABEL = "+draft.unpublished-round"
MIMETYPES = {
    "json": "application/json", "csv": spreadsheets.CSV_MIMETYPE,
    "sha256": "text/plain; charset=utf-8",
    "xlsx": spreadsheets.XLSX_MIMETYPE,
    "sav": "application/x-spss-sav",
}


def check_export(survey_round: SurveyRound, fmt: str | None = None, table: str | None = None, *,
                 allow_unpublished: bool = False) -> None:
    """Refuse an export the product cannot make: an unknown format or table (400,
    ``bad_request``), or an unpublished round unless drafts are allowed (409,
    ``round_not_published``)."""
    if fmt is not None and fmt not in FORMATS:
        raise Refused(N_("Định dạng %(format)s không được hỗ trợ; dùng %(formats)s."), status=400,
                      code="bad_request", arguments={"format": fmt, "formats": ", ".join(FORMATS)})
    if table is not None and table not in TABLES:
        raise Refused(N_("Bảng %(table)s không có; dùng %(tables)s."), status=400,
                      code="bad_request", arguments={"table": table, "tables": ", ".join(TABLES)})
    if not survey_round.is_published and not allow_unpublished:
        raise Refused(N_("Đợt %(code)s chưa được công bố; chỉ xuất kết quả của đợt đã công bố."),
                      status=409, code="round_not_published", arguments={"code": survey_round.code})


@dataclass(frozen=True)
class ExportFile:
    """The bytes of one export, its file name and media type."""

    content: bytes
    filename: str
    mimetype: str

    @property
    def sha256(self) -> str:
        from analysis.contract import checksum_text

        return checksum_text(self.content, self.filename).split()[0]

    def checksum_text(self) -> str:
        """``sha256sum`` format: ``<hex>  <filename>``."""
        from analysis.contract import checksum_text

        return checksum_text(self.content, self.filename)


def software_version() -> str:
    try:
        return metadata.version("par-survey")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def published_at(survey_round: SurveyRound) -> dt.datetime | None:
    """When the round was published (from the audit log), in UTC."""
    events = db.session.scalars(
        db.select(AuditEvent).filter_by(action="round.status", object_type="survey_rounds",
                                        object_id=str(survey_round.id)).order_by(AuditEvent.at.desc())
    )
    for event in events:
        if (event.detail or {}).get("to") == "published":
            return event.at.replace(tzinfo=dt.UTC)
    return None


def provenance(survey_round: SurveyRound, *, draft: bool = False) -> dict:
    """Pack, questionnaire versions and hashes, sampling seed and frame hash, weighting,
    software."""
    pack = survey_round.methodology_pack
    used = db.session.scalars(
        db.select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(
            db.select(Response.questionnaire_id).where(Response.round_id == survey_round.id)
            .distinct()))
        .order_by(QuestionnaireVersion.form_key, QuestionnaireVersion.version)
    ).all()
    plan = db.session.scalar(db.select(SamplePlan).filter_by(round_id=survey_round.id)
                             .order_by(SamplePlan.id))
    frame_hash = (plan.frame_hash if plan is not None
                  and re.fullmatch(r"[0-9a-f]{16,128}", plan.frame_hash or "") else None)
    return {
        "pack": {"id": pack.pack_key, "version": pack.version},
        "questionnaires": [{"code": q.form_key, "version": q.version,
                            "content_hash": q.content_hash}
                           for q in used],
        "sampling": {"seed": plan.seed if plan is not None else None, "frame_hash": frame_hash},
        "weighting_method": WEIGHTING_METHOD,
        "software_version": software_version() + (DRAFT_LABEL if draft else ""),
    }


def _units(survey_round: SurveyRound, codes: set[str]) -> list[dict]:
    units = db.session.scalars(db.select(Unit).where(Unit.code.in_(codes))
                               .order_by(Unit.unit_type, Unit.code))
    return [{"code": u.code, "name": u.name, "unit_type": u.unit_type, "valid_from": u.valid_from,
             "valid_to": u.valid_to} for u in units]


def round_contract(survey_round: SurveyRound, *, allow_unpublished: bool = False,
                   min_n: int = DEFAULT_MIN_N,
                   data: RoundData | None = None, analysis=None) -> dict:
    """The validated contract v1 document of a round (quarantined responses left out).

    A round that is not published is refused (:func:`check_export`) unless
    ``allow_unpublished``; such a draft carries ``+draft.unpublished-round`` in its software
    version.
    """
    from analysis.contract import build_contract, validate_contract

    check_export(survey_round, allow_unpublished=allow_unpublished)
    draft = not survey_round.is_published
    data = data if data is not None else gather_round(survey_round)
    if analysis is None:
        analysis = analyze_round(survey_round, min_n=min_n, data=data)
    codes = {str(u) for u in data.units}
    year = survey_round.year
    doc = build_contract(
        round={"code": survey_round.code, "year": year, "province": survey_round.province.name,
               "period_start": survey_round.opens_on or dt.date(year, 1, 1),
               "period_end": survey_round.closes_on or dt.date(year, 12, 31),
               "status": "draft" if draft else "published"},
        provenance=provenance(survey_round, draft=draft),
        units=_units(survey_round, codes),
        criterion_points=analysis.points,
        survey_se=analysis.survey_se,
        sipas=analysis.sipas,
        response_counts=analysis.counts,
        generated_at=None if draft else published_at(survey_round),
        outcome_rates=contract_outcome_rates(survey_round),
    )
    return validate_contract(doc)


# --------------------------------------------------------------------------- respondent-level data

_UNSAFE = re.compile(r"[^A-Za-z0-9_.@#$]")


def _spss_name(name: str) -> str:
    safe = _UNSAFE.sub("_", name)
    return safe if re.match(r"[A-Za-z@]", safe) else f"v_{safe}"


def respondent_variables(survey_round: SurveyRound, data: RoundData | None = None) -> list:
    """Respondent-level variables (:class:`analysis.contract.Variable`): design variables, then
    every answer coded as numbers with Vietnamese value labels (single choice: 1..k in list
    order; multiple choice: one 0/1 variable per option) or as text. No identifying column."""
    from analysis.contract import Variable

    data = data if data is not None else gather_round(survey_round)
    rows = db.session.execute(db.select(Response.id, Response.answers, Response.quality_flags)
                              .where(Response.round_id == survey_round.id)
                              .order_by(Response.id)).all()
    answers = [r[1] for r in rows]
    forms = {row.id: row for row in db.session.scalars(
        db.select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(set(data.questionnaire_ids.tolist()))))}
    form_codes = sorted({f"{f.form_key}@{f.version}" for f in forms.values()})
    n = data.size
    variables = [
        Variable("respondent", "Số thứ tự người trả lời", np.arange(1, n + 1, dtype=float)),
        Variable("form", "Phiếu (mã@phiên bản)",
                 np.array([float(form_codes.index(f"{forms[q].form_key}@{forms[q].version}") + 1)
                           for q in data.questionnaire_ids]),
                 {float(i + 1): code for i, code in enumerate(form_codes)}),
        Variable("group", "Nhóm đối tượng", [str(g) for g in data.groups]),
        Variable("unit", "Đơn vị được đánh giá", [str(u) for u in data.units]),
        Variable("stratum", "Tầng chọn mẫu", [str(s) for s in data.strata]),
        Variable("base_weight", "Trọng số cơ sở", data.base_weights.copy()),
        Variable("weight", "Trọng số sau hiệu chỉnh không trả lời", data.weights.copy()),
        Variable("quarantined", "Bị cách ly do cờ chất lượng", data.quarantined.astype(float),
                 {0.0: "Không", 1.0: "Có"}),
        Variable("quality_flags", "Cờ chất lượng", [";".join(r[2] or []) for r in rows]),
    ]
    taken = {v.name.lower() for v in variables}
    for form_id, row in forms.items():
        questionnaire = load_questionnaire(row)
        mine = data.questionnaire_ids == form_id
        inside = inside_repeats(questionnaire.questions)  # rows of a repeat: not one per respondent
        for question in questionnaire.questions:
            if question.type == "repeat":  # its number of rows; the rows: the repeats table
                variables.append(_repeat_count(question, answers, mine, row.form_key, taken))
            if question.type in ("note", "group", "repeat") or question.name in inside:
                continue
            variables.extend(_answer_variables(question, answers, mine, row.form_key, taken))
    return variables


def _unique(name: str, form_key: str, taken: set) -> str:
    candidate = _spss_name(name)
    if candidate.lower() in taken:
        candidate = _spss_name(f"{form_key}_{name}")
    suffix = 2
    base = candidate
    while candidate.lower() in taken:
        candidate, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(candidate.lower())
    return candidate


def _repeat_count(question, answers, mine, form_key: str, taken: set):
    from analysis.contract import Variable

    counts = [a.get(question.name) if m else None for a, m in zip(answers, mine)]
    return Variable(_unique(question.name, form_key, taken),
                    f"{question.label.get('vi')} (số dòng)",
                    np.array([float(len(c)) if isinstance(c, list) else np.nan for c in counts]))


def _answer_variables(question, answers, mine, form_key: str, taken: set) -> list:
    from analysis.contract import Variable

    label = question.label.get("vi")
    values = [a.get(question.name) if m else None for a, m in zip(answers, mine)]
    if question.type == "single":
        codes = {c.name: float(k + 1) for k, c in enumerate(question.choices)}
        coded = np.array([codes.get(v, np.nan) if v is not None else np.nan for v in values])
        return [Variable(_unique(question.name, form_key, taken), label, coded,
                         {codes[c.name]: c.label.get("vi") for c in question.choices})]
    if question.type == "multiple":
        out = []
        for choice in question.choices:
            ticked = np.array([np.nan if not m else float(choice.name in (v or []))
                               for v, m in zip(values, mine)])
            out.append(Variable(_unique(f"{question.name}_{choice.name}", form_key, taken),
                                f"{label}: {choice.label.get('vi')}", ticked,
                                {0.0: "Không chọn", 1.0: "Chọn"}))
        return out
    if question.type in ("integer", "decimal", "range"):
        numbers = np.array([np.nan if v in (None, "") else float(v) for v in values])
        return [Variable(_unique(question.name, form_key, taken), label, numbers)]
    return [Variable(_unique(question.name, form_key, taken), label,
                     ["" if v is None else str(v) for v in values])]


# --------------------------------------------------------------------------- files

def export_file(survey_round: SurveyRound, fmt: str, *, table: str | None = None,
                allow_unpublished: bool = False,
                min_n: int = DEFAULT_MIN_N, progress=None) -> ExportFile:
    """One export of a round: ``json`` (the contract), ``csv`` (one table, ``criteria`` by default),
    ``xlsx`` (contract tables, or respondents + codebook when ``table`` is ``respondents``) or
    ``sav`` (respondent-level SPSS file). ``progress(step, total)`` is called as work advances."""
    from analysis import contract

    check_export(survey_round, fmt, table, allow_unpublished=allow_unpublished)
    draft = not survey_round.is_published
    report = progress or (lambda step, total: None)
    report(0, 4)
    data = gather_round(survey_round)
    report(1, 4)
    # the contract (json) has no tables: a respondent-level ``table`` with json is ignored, as any
    # other table is, rather than dropping the contract and writing ``null``
    respondent_level = fmt == "sav" or (fmt != "json"
                                        and table in ("respondents", "codebook", "repeats"))
    doc = None if respondent_level else round_contract(
        survey_round, allow_unpublished=allow_unpublished, min_n=min_n, data=data)
    report(3, 4)
    suffix = "-draft" if draft else ""
    stem = f"{survey_round.code}-contract-v{contract.CONTRACT_VERSION}{suffix}"
    if fmt == "json":
        content = contract.canonical_json(doc)
        name = f"{stem}.json"
    elif respondent_level:
        variables = respondent_variables(survey_round, data)
        stem = f"{survey_round.code}-respondents{suffix}"
        if fmt == "sav":
            content, name = _sav_bytes(variables), f"{stem}.sav"
        elif fmt == "xlsx":
            sheets = {"data": contract.respondent_table(variables),
                      "codebook": contract.codebook(variables)}
            if has_repeats(survey_round):  # the long table of repeat rows, a sheet of its own
                sheets["repeats"] = repeat_table(survey_round)
            content, name = spreadsheets.xlsx_bytes(sheets), f"{stem}.xlsx"
        else:
            headers, rows = (contract.codebook(variables) if table == "codebook"
                             else repeat_table(survey_round) if table == "repeats"
                             else contract.respondent_table(variables))
            content, name = spreadsheets.csv_bytes(headers, rows), f"{stem}-{table}.csv"
    elif fmt == "csv":
        table = table or "criteria"
        headers, rows = contract.contract_tables(doc)[table]
        content, name = spreadsheets.csv_bytes(headers, rows), f"{stem}-{table}.csv"
    else:
        content, name = spreadsheets.xlsx_bytes(contract.contract_tables(doc)), f"{stem}.xlsx"
    report(4, 4)
    return ExportFile(content, name, MIMETYPES[fmt])


def _sav_bytes(variables) -> bytes:
    from analysis.contract import write_respondents_sav

    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        write_respondents_sav(variables, path)
        with open(path, "rb") as stream:
            return stream.read()
    finally:
        os.unlink(path)
