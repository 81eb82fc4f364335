"""Loading what a page or a command names (by id or code) and the lists pages offer.

Views call these instead of querying: ``get_*`` return ``None`` for an unknown id (the view
answers 404), ``*_by_code`` refuse with a 404 :class:`~survey_app.refusals.Refused`.
"""

from __future__ import annotations

from sqlalchemy import text

from survey_app.extensions import db
from survey_app.models import (
    EntryPoint,
    ExportJob,
    Province,
    QuestionnaireVersion,
    RatingCell,
    SampleFrame,
    SamplePlan,
    SurveyRound,
    Unit,
)
from survey_app.refusals import N_, Refused


def database_ok() -> bool:
    """One round trip to the database (the health check); raises when it cannot be reached."""
    db.session.execute(text("SELECT 1"))
    return True


def get_round(round_id: int) -> SurveyRound | None:
    return db.session.get(SurveyRound, round_id)


def get_frame(frame_id: int) -> SampleFrame | None:
    return db.session.get(SampleFrame, frame_id)


def get_plan(plan_id: int) -> SamplePlan | None:
    return db.session.get(SamplePlan, plan_id)


def get_rating_cell(cell_id: int) -> RatingCell | None:
    return db.session.get(RatingCell, cell_id)


def get_province(province_id: int) -> Province | None:
    return db.session.get(Province, province_id)


def get_questionnaire(questionnaire_id: int) -> QuestionnaireVersion | None:
    return db.session.get(QuestionnaireVersion, questionnaire_id)


def get_export_job(job_id: int) -> ExportJob | None:
    return db.session.get(ExportJob, job_id)


def round_by_code(code: str) -> SurveyRound:
    """The round with ``code``; refused (404, ``round_not_found``) when there is none."""
    survey_round = db.session.scalar(db.select(SurveyRound).filter_by(code=code))
    if survey_round is None:
        raise Refused(N_("Không có đợt khảo sát %(code)s."), status=404, code="round_not_found",
                      arguments={"code": code})
    return survey_round


def unit_by_code(code: str) -> Unit:
    """The assessed unit with ``code``; refused (404, ``unit_not_found``) when there is none."""
    unit = db.session.scalar(db.select(Unit).filter_by(code=code))
    if unit is None:
        raise Refused(N_("Không có đơn vị %(code)s."), status=404, code="unit_not_found",
                      arguments={"code": code})
    return unit


def units_by_code() -> dict[str, Unit]:
    return {unit.code: unit for unit in db.session.scalars(db.select(Unit))}


def all_rounds() -> list[SurveyRound]:
    """Every round, newest year first."""
    return list(db.session.scalars(
        db.select(SurveyRound).order_by(SurveyRound.year.desc(), SurveyRound.code)))


def rounds_past_draft() -> list[SurveyRound]:
    """The rounds that have opened (the fieldwork monitor lists them), newest year first."""
    return [r for r in all_rounds() if r.has_opened]


def provinces() -> list[Province]:
    return list(db.session.scalars(db.select(Province).order_by(Province.name)))


def published_questionnaires() -> list[QuestionnaireVersion]:
    return list(db.session.scalars(
        db.select(QuestionnaireVersion).filter_by(status="published")
        .order_by(QuestionnaireVersion.form_key, QuestionnaireVersion.version)))


def round_frames(survey_round: SurveyRound) -> list[SampleFrame]:
    return list(db.session.scalars(
        db.select(SampleFrame).filter_by(round_id=survey_round.id).order_by(SampleFrame.id)))


def round_plans(survey_round: SurveyRound) -> list[SamplePlan]:
    return list(db.session.scalars(
        db.select(SamplePlan).filter_by(round_id=survey_round.id).order_by(SamplePlan.id)))


def entry_point_count(survey_round: SurveyRound) -> int:
    return db.session.scalar(
        db.select(db.func.count(EntryPoint.id)).filter_by(round_id=survey_round.id)) or 0


def criterion_names(pack, lang: str) -> dict[str, str]:
    """Criterion code → its title in ``lang`` (the other language where the pack lacks it), for
    tables that show a criterion's name beside its code; empty without a pack."""
    if pack is None:
        return {}
    return {node.code: node.title.get(lang) for node in pack.all_criteria()}
