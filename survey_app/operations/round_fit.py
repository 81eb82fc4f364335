"""Whether a round's methodology pack and the questionnaires of its rating matrix fit.

A round opens only when they fit, and once open its matrix may change only in ways that keep
them fitting; a misfit is refused with every problem listed under the refusal.
"""
from __future__ import annotations

from survey_app.models import QuestionnaireVersion, SurveyRound
from survey_app.refusals import N_, Refused

CANNOT_OPEN = N_("Không mở được đợt: bộ tiêu chí và các phiếu trong ma trận đánh giá chưa khớp.")
CANNOT_CHANGE_CELL = N_("Không đổi được ô ma trận: đợt đã mở, và sau thay đổi bộ tiêu chí và "
                        "các phiếu sẽ không khớp.")


def round_fit_problems(
    survey_round: SurveyRound,
    change: tuple[str, str, QuestionnaireVersion] | None = None,
) -> list:
    """Problems between the round's methodology pack and its rating matrix (see
    ``questionnaires.packs.check_round_fit``); empty when they fit or the round has no pack.

    ``change`` (group, unit type, questionnaire) checks the matrix as it would be with that cell
    set, without changing anything.
    """
    from questionnaires.packs import check_round_fit, load_pack

    from survey_app.operations.documents import load_questionnaire

    if survey_round.methodology_pack is None:
        return []
    pack = load_pack(survey_round.methodology_pack.content)
    matrix = {
        (cell.respondent_group, cell.unit_type): cell.questionnaire
        for cell in survey_round.rating_cells
    }
    if change is not None:
        matrix[change[:2]] = change[2]
    forms: dict[int, object] = {}
    cells = []
    for (group, unit_type), row in sorted(matrix.items(), key=lambda item: item[0][::-1]):
        if row.id not in forms:
            forms[row.id] = load_questionnaire(row)
        cells.append((group, unit_type, forms[row.id]))
    return check_round_fit(pack, cells, survey_round.year)


def check_round_fits(
    survey_round: SurveyRound,
    change: tuple[str, str, QuestionnaireVersion] | None = None,
) -> None:
    """Refuse (``code`` ``round_misfit``, 409) when the round, or the round with ``change``
    made, would misfit its pack; each ``questionnaires.Problem`` is a detail of the refusal."""
    problems = round_fit_problems(survey_round, change)
    if problems:
        raise Refused(CANNOT_CHANGE_CELL if change is not None else CANNOT_OPEN, status=409,
                      code="round_misfit", details=problems)
