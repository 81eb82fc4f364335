"""What a round's rating matrix allows: the respondent groups it may name (a choice, never free
text) and the questionnaire it assigns to a respondent group rating a unit type.

A QR entry point and an invitation serve the questionnaire of their cell (group × the rated
unit's type); anything else is refused with a sentence, and nothing is stored.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import has_request_context

from survey_app.extensions import db
from survey_app.labels import GROUP_LABELS, UNIT_TYPE_LABELS, group_label, unit_type_label
from survey_app.models import QuestionnaireVersion, RatingCell, SurveyRound
from survey_app.refusals import N_, Refused


def _group_name(code: str) -> str:
    """A group's name in the page's language; the Vietnamese name outside a request (CLI)."""
    return group_label(code) if has_request_context() else GROUP_LABELS.get(code, code)


def _unit_type_name(code: str) -> str:
    return unit_type_label(code) if has_request_context() else UNIT_TYPE_LABELS.get(code, code)


def _ordered(groups) -> list[str]:
    """Known groups in the order of ``labels.GROUP_LABELS``, then a province's own by code."""
    known = list(GROUP_LABELS)
    return sorted(set(groups), key=lambda g: (known.index(g) if g in known else len(known), g))


def pack_groups(survey_round: SurveyRound) -> list[str]:
    """The respondent groups the round's matrix may name: those a published questionnaire is
    written for, narrowed to the groups its methodology pack weighs when the pack weighs groups
    (``group_rule: {weights: …}``; a group without a weight could not be combined)."""
    groups = set(db.session.scalars(
        db.select(QuestionnaireVersion.respondent_group).filter_by(status="published")))
    pack = survey_round.methodology_pack
    rule = (pack.content or {}).get("group_rule") if pack is not None else None
    if isinstance(rule, Mapping) and isinstance(rule.get("weights"), Mapping):
        groups &= {str(g) for g in rule["weights"]}
    return _ordered(groups)


def group_choices(groups: list[str]) -> list[tuple[str, str]]:
    """Select choices: each group's code and its name in the page's language."""
    return [(group, group_label(group)) for group in groups]


def check_pack_group(survey_round: SurveyRound, group: str) -> str:
    """``group`` (trimmed) when the round's matrix may name it; refused otherwise."""
    group = (group or "").strip()
    if not group:
        raise Refused(N_("Nhóm người trả lời không được để trống."), code="rating_cell")
    if group not in pack_groups(survey_round):
        raise Refused(N_("Nhóm người trả lời “%(group)s” không có trong danh sách nhóm của đợt; "
                         "hãy chọn một nhóm trong danh sách."), code="unknown_group",
                      arguments={"group": group})
    return group


def check_questionnaire_group(questionnaire: QuestionnaireVersion, group: str) -> None:
    """Refuse a questionnaire written for another respondent group than ``group``."""
    if questionnaire.respondent_group != group:
        raise Refused(N_("Phiếu “%(form)s” dành cho nhóm %(form_group)s, không dùng được cho "
                         "nhóm %(group)s."), code="questionnaire_group",
                      arguments={"form": questionnaire.form_key,
                                 "form_group": _group_name(questionnaire.respondent_group),
                                 "group": _group_name(group)})


def matrix_groups(survey_round: SurveyRound) -> list[str]:
    """The respondent groups that have at least one cell in the round's matrix."""
    return _ordered(cell.respondent_group for cell in survey_round.rating_cells)


def matrix_cell(survey_round: SurveyRound, group: str, unit_type: str) -> RatingCell:
    """The cell of ``group`` rating ``unit_type``; refused when the matrix has none."""
    for cell in survey_round.rating_cells:
        if cell.respondent_group == group and cell.unit_type == unit_type:
            return cell
    raise Refused(N_("Ma trận đánh giá của đợt không có ô cho nhóm %(group)s đánh giá loại đơn vị "
                     "%(unit_type)s."), code="no_matrix_cell",
                  arguments={"group": _group_name(group), "unit_type": _unit_type_name(unit_type)})


def assigned_questionnaire(survey_round: SurveyRound, group: str, unit_type: str,
                           questionnaire_id: int | None = None) -> QuestionnaireVersion:
    """The questionnaire the matrix assigns to ``group`` rating ``unit_type``; when
    ``questionnaire_id`` is given it must be that one, or the request is refused."""
    cell = matrix_cell(survey_round, group, unit_type)
    if questionnaire_id is not None and questionnaire_id != cell.questionnaire_id:
        raise Refused(N_("Phiếu này không phải phiếu mà ma trận đánh giá của đợt giao cho nhóm "
                         "%(group)s đánh giá loại đơn vị %(unit_type)s."),
                      code="questionnaire_not_in_matrix",
                      arguments={"group": _group_name(group),
                                 "unit_type": _unit_type_name(unit_type)})
    return cell.questionnaire
