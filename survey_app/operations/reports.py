"""What the round's documents are built from: its export contract (built by
:func:`survey_app.operations.exports.round_contract`, never recomputed), the methodology pack and
the SIPAS questionnaires the contract names (for names), and, when a self-assessment file is given,
the PAR Index combined from that same contract. No statistics here."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion, SurveyRound
from survey_app.operations.analysis_run import DEFAULT_MIN_N
from survey_app.operations.documents import load_questionnaire


@dataclass(frozen=True)
class ReportSources:
    """A contract and what names its codes: the only inputs of ``survey_app.reports``."""

    contract: dict
    sha256: str
    pack: object
    element_names: dict[str, object] = field(default_factory=dict)
    combined: object | None = None
    changes: list | None = None
    min_n: int = DEFAULT_MIN_N


def contract_sha256(contract: dict) -> str:
    """The SHA-256 of the contract's canonical JSON: the checksum of its JSON export."""
    from analysis.contract import canonical_json

    return hashlib.sha256(canonical_json(contract)).hexdigest()


def sipas_element_names(contract: dict) -> dict[str, object]:
    """SIPAS element code → its ``Label`` (vi, en), from the stored questionnaires it names."""
    names: dict[str, object] = {}
    for form in contract["provenance"]["questionnaires"]:
        row = db.session.scalar(db.select(QuestionnaireVersion).filter_by(
            form_key=form["code"], version=form["version"]))
        if row is None:
            continue
        questionnaire = load_questionnaire(row)
        for part in ("service", "policy"):
            for group in questionnaire.sipas_elements(part):
                names.setdefault(group, questionnaire.question(group).label)
    return names


def report_sources(survey_round: SurveyRound, *, self_assessment: bytes | None = None,
                   previous: bytes | None = None, previous_name: str = "",
                   exclusions: bytes | None = None, min_n: int = DEFAULT_MIN_N) -> ReportSources:
    """The contract of a round (a draft while unpublished) and what its documents need.

    With ``self_assessment`` (the CSV ``par-survey index`` reads) the PAR Index is combined from
    the same contract by ``analysis.combiner``; its ``CombinerError`` passes through.
    """
    from survey_app.operations.combined_index import (
        assessed_units,
        combine_with_previous,
        find_pack,
    )
    from survey_app.operations.exports import round_contract

    contract = round_contract(survey_round, allow_unpublished=True, min_n=min_n)
    pack = find_pack(contract)
    combined = changes = None
    if self_assessment is not None:
        combined, changes = combine_with_previous(
            pack, contract, self_assessment, exclusions=exclusions, previous=previous,
            previous_name=previous_name, units=assessed_units(contract))
    return ReportSources(contract=contract, sha256=contract_sha256(contract), pack=pack,
                         element_names=sipas_element_names(contract), combined=combined,
                         changes=changes, min_n=min_n)


def published_round(code: str) -> SurveyRound | None:
    """The published round with this code, or None (a draft is never public)."""
    return db.session.scalar(db.select(SurveyRound).filter_by(code=code, status="published"))


@dataclass(frozen=True)
class PublishedRound:
    """What the public list shows of a published round: no staff text, no figures."""

    code: str
    year: int
    province: str


def published_rounds() -> list[PublishedRound]:
    """Every published round, newest year first, then by province and code."""
    from survey_app.models import Province

    rows = db.session.execute(
        db.select(SurveyRound.code, SurveyRound.year, Province.name)
        .join(Province, SurveyRound.province_id == Province.id)
        .where(SurveyRound.status == "published")
        .order_by(SurveyRound.year.desc(), Province.name, SurveyRound.code)
    ).all()
    return [PublishedRound(code, year, province) for code, year, province in rows]
