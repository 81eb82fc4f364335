"""Respondent-level variables of a round (the ``.sav`` and the respondents/codebook tables), read
from the database in batches of ``BATCH_ROWS`` responses.

One pass over the round's responses fills every column: design variables, then every answer
coded as numbers with Vietnamese value labels (single choice: 1..k in list order; multiple choice:
one 0/1 variable per option) or as text. No answer set is kept once its row is written into the
columns, so a big round's export holds numbers and strings, not 100,000 decoded answer sets (whose
garbage collection would stall the other threads of the process). Each batch is a query of its
own (the responses after the last id read, up to the round's last id when the export started):
no statement stays open for the whole export, so SQLite's WAL can be checkpointed meanwhile.
Between batches the export calls :func:`survey_app.jobs.pause`: run as a background job in a web
worker's thread, it lets that worker's requests take the interpreter.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np

from questionnaires.repeats import inside_repeats
from survey_app import jobs
from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion, Response, SurveyRound, Unit
from survey_app.operations.analysis_run import _adjusted_weights
from survey_app.operations.documents import load_questionnaire

BATCH_ROWS = 1000

_UNSAFE = re.compile(r"[^A-Za-z0-9_.@#$]")
_NAN = float("nan")


def _spss_name(name: str) -> str:
    safe = _UNSAFE.sub("_", name)
    return safe if re.match(r"[A-Za-z@]", safe) else f"v_{safe}"


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


class Column:
    """One answer-derived variable filled row by row: ``code(answer)`` on the rows of its form,
    ``missing`` on the others."""

    def __init__(self, name: str, label: str, question: str, code: Callable, missing,
                 value_labels: dict | None = None) -> None:
        self.name, self.label, self.question = name, label, question
        self.code, self.missing = code, missing
        self.value_labels = value_labels or {}
        self.values: list = []

    def variable(self):
        from analysis.contract import Variable

        values = self.values if isinstance(self.missing, str) else np.array(self.values)
        return Variable(self.name, self.label, values, self.value_labels)


def repeat_count_column(question, form_key: str, taken: set) -> Column:
    return Column(_unique(question.name, form_key, taken), f"{question.label.get('vi')} (số dòng)",
                  question.name, lambda v: float(len(v)) if isinstance(v, list) else _NAN, _NAN)


def answer_columns(question, form_key: str, taken: set) -> list[Column]:
    """The columns of one question (a 0/1 column per option of a multiple choice)."""
    label = question.label.get("vi")
    if question.type == "single":
        codes = {c.name: float(k + 1) for k, c in enumerate(question.choices)}
        return [Column(_unique(question.name, form_key, taken), label, question.name,
                       lambda v: codes.get(v, _NAN) if v is not None else _NAN, _NAN,
                       {codes[c.name]: c.label.get("vi") for c in question.choices})]
    if question.type == "multiple":
        return [Column(_unique(f"{question.name}_{choice.name}", form_key, taken),
                       f"{label}: {choice.label.get('vi')}", question.name,
                       lambda v, option=choice.name: float(option in (v or [])), _NAN,
                       {0.0: "Không chọn", 1.0: "Chọn"})
                for choice in question.choices]
    if question.type in ("integer", "decimal", "range"):
        return [Column(_unique(question.name, form_key, taken), label, question.name,
                       lambda v: _NAN if v in (None, "") else float(v), _NAN)]
    return [Column(_unique(question.name, form_key, taken), label, question.name,
                   lambda v: "" if v is None else str(v), "")]


def fill(columns: list[Column], answers: dict | None, mine: bool) -> None:
    """Append one respondent's values (``mine``: the row answered these columns' form)."""
    if mine:
        for column in columns:
            column.values.append(column.code(answers.get(column.question)))
    else:
        for column in columns:
            column.values.append(column.missing)


def _form_columns(forms: dict, taken: set) -> dict[int, list[Column]]:
    """Every form's columns, forms and questions in order; names unique across the forms."""
    columns: dict[int, list[Column]] = {}
    for form_id, row in forms.items():
        questionnaire = load_questionnaire(row)
        inside = inside_repeats(questionnaire.questions)  # rows of a repeat: not one per respondent
        mine = columns[form_id] = []
        for question in questionnaire.questions:
            if question.type == "repeat":  # its number of rows; the rows: the repeats table
                mine.append(repeat_count_column(question, row.form_key, taken))
            if question.type in ("note", "group", "repeat") or question.name in inside:
                continue
            mine.extend(answer_columns(question, row.form_key, taken))
    return columns


def respondent_variables(survey_round: SurveyRound) -> list:
    """Respondent-level variables (:class:`analysis.contract.Variable`) of ``survey_round``, one
    value per response in the order of their ids. No identifying column."""
    from analysis.contract import Variable

    in_round = Response.round_id == survey_round.id
    last_id = db.session.scalar(db.select(db.func.max(Response.id)).where(in_round)) or 0
    in_round = in_round & (Response.id <= last_id)  # the responses there when the export started
    form_ids = set(db.session.scalars(db.select(Response.questionnaire_id).where(in_round)
                                      .distinct()))
    forms = {row.id: row for row in db.session.scalars(
        db.select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(form_ids)))}
    form_codes = sorted({f"{f.form_key}@{f.version}" for f in forms.values()})
    form_number = {q: float(form_codes.index(f"{f.form_key}@{f.version}") + 1)
                   for q, f in forms.items()}
    taken = {"respondent", "form", "group", "unit", "stratum", "base_weight", "weight",
             "quarantined", "quality_flags"}
    columns = _form_columns(forms, taken)
    others = {form_id: [c for other, cs in columns.items() if other != form_id for c in cs]
              for form_id in columns}
    numbers, groups, units, strata, psus, base, quarantined, flags = ([] for _ in range(8))
    query = (db.select(Response.id, Response.questionnaire_id, Response.respondent_group,
                       Unit.code, Response.stratum, Response.base_weight, Response.quarantined,
                       Response.psu, Response.answers, Response.quality_flags)
             .join(Unit, Unit.id == Response.rated_unit_id).where(in_round)
             .order_by(Response.id).limit(BATCH_ROWS))
    after = 0
    while batch := db.session.execute(query.where(Response.id > after)).all():
        after = batch[-1][0]
        for _, form_id, group, unit, stratum, weight, held, psu, answers, flagged in batch:
            numbers.append(form_number[form_id])
            groups.append(group)
            units.append(unit)
            strata.append("" if stratum is None else str(stratum))
            psus.append("" if psu is None else str(psu))
            base.append(1.0 if weight is None else float(weight))
            quarantined.append(bool(held))
            flags.append(";".join(flagged or []))
            fill(columns[form_id], answers, True)
            fill(others[form_id], answers, False)
        del batch
        jobs.pause()
    groups, units = np.array(groups, dtype=object), np.array(units, dtype=object)
    strata, psus = np.array(strata, dtype=object), np.array(psus, dtype=object)
    base = np.array(base, dtype=float)
    numbered: dict[tuple, int] = {}  # the weighting cells, as gather_round's kept rows number them
    cells = np.array([numbered.setdefault(key, len(numbered))
                      for key in zip(groups, units, strata, psus)], dtype=np.int64)
    weights = _adjusted_weights(
        survey_round, SimpleNamespace(base_weights=base, cells=cells, cell_keys=tuple(numbered)),
        {code: code for code in set(units)})  # the units are codes here already
    n = base.size
    variables = [
        Variable("respondent", "Số thứ tự người trả lời", np.arange(1, n + 1, dtype=float)),
        Variable("form", "Phiếu (mã@phiên bản)", np.array(numbers, dtype=float),
                 {float(i + 1): code for i, code in enumerate(form_codes)}),
        Variable("group", "Nhóm đối tượng", [str(g) for g in groups]),
        Variable("unit", "Đơn vị được đánh giá", [str(u) for u in units]),
        Variable("stratum", "Tầng chọn mẫu", [str(s) for s in strata]),
        Variable("base_weight", "Trọng số cơ sở", base),
        Variable("weight", "Trọng số sau hiệu chỉnh không trả lời", weights),
        Variable("quarantined", "Bị cách ly do cờ chất lượng",
                 np.array(quarantined, dtype=bool).astype(float), {0.0: "Không", 1.0: "Có"}),
        Variable("quality_flags", "Cờ chất lượng", flags),
    ]
    return variables + [c.variable() for cs in columns.values() for c in cs]
