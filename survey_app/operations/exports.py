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
from survey_app.operations.export_repeats import has_repeats, repeat_table
from survey_app.operations.export_respondents import answer_columns, fill, respondent_variables
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


def _answer_variables(question, answers, mine, form_key: str, taken: set) -> list:
    """The variables of one question over ``answers`` (``mine``: rows of the question's form)."""
    columns = answer_columns(question, form_key, taken)
    for row, answered in zip(answers, mine):
        fill(columns, row, answered)
    return [column.variable() for column in columns]


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
    # the contract (json) has no tables: a respondent-level ``table`` with json is ignored, as any
    # other table is, rather than dropping the contract and writing ``null``
    respondent_level = fmt == "sav" or (fmt != "json"
                                        and table in ("respondents", "codebook", "repeats"))
    # respondent-level files read the responses themselves, in batches (export_respondents)
    data = None if respondent_level else gather_round(survey_round)
    report(1, 4)
    doc = None if respondent_level else round_contract(
        survey_round, allow_unpublished=allow_unpublished, min_n=min_n, data=data)
    report(3, 4)
    suffix = "-draft" if draft else ""
    stem = f"{survey_round.code}-contract-v{contract.CONTRACT_VERSION}{suffix}"
    if fmt == "json":
        content = contract.canonical_json(doc)
        name = f"{stem}.json"
    elif respondent_level:
        variables = respondent_variables(survey_round)
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
