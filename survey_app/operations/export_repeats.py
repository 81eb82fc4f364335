"""The long table of repeat rows, beside the respondent-level table (one row per respondent).

One row per row of a repeat: ``respondent`` (the respondent table's number, to join on),
``form`` (code@version), ``repeat`` (its name; the respondent table holds its number of rows
under that name), ``row`` (1-based), then one column per question asked inside the round's
repeats, empty where a row's repeat has no such question. Values as stored: numbers as numbers,
multiple choice as space-separated codes, text as typed (the writers escape formula-like text).
"""
from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion, Response
from survey_app.operations.documents import load_questionnaire

REPEAT_HEADERS = ("respondent", "form", "repeat", "row")


def repeat_table(survey_round) -> tuple[tuple[str, ...], list[list]]:
    """``(headers, rows)`` of the long table of ``survey_round``'s repeat rows."""
    responses = db.session.execute(
        db.select(Response.answers, Response.questionnaire_id)
        .where(Response.round_id == survey_round.id).order_by(Response.id)).all()
    forms = {row.id: row for row in db.session.scalars(db.select(QuestionnaireVersion).where(
        QuestionnaireVersion.id.in_({r.questionnaire_id for r in responses})))}
    repeats = {}
    columns: list[str] = []
    for form_id, row in sorted(forms.items()):
        found = [q for q in load_questionnaire(row).questions if q.type == "repeat"]
        repeats[form_id] = (f"{row.form_key}@{row.version}", found)
        for repeat in found:
            columns += [child.name for child in repeat.children
                        if child.type != "note" and child.name not in columns]
    rows: list[list] = []
    for number, (answers, form_id) in enumerate(responses, start=1):
        code, found = repeats[form_id]
        for repeat in found:
            given = (answers or {}).get(repeat.name)
            for index, row in enumerate(given if isinstance(given, list) else [], start=1):
                row = row if isinstance(row, dict) else {}
                rows.append([number, code, repeat.name, index]
                            + [_cell(row.get(column)) for column in columns])
    return REPEAT_HEADERS + tuple(columns), rows


def has_repeats(survey_round) -> bool:
    """Whether any form answered in the round has a repeat (its files then carry the table)."""
    ids = db.select(Response.questionnaire_id).where(Response.round_id == survey_round.id)
    return any(any(q.type == "repeat" for q in load_questionnaire(row).questions)
               for row in db.session.scalars(db.select(QuestionnaireVersion).where(
                   QuestionnaireVersion.id.in_(ids.distinct()))))


def _cell(value):
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)
