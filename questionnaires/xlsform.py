"""XLSForm import and export (sheets ``survey``, ``choices``, ``settings``), for KoboToolbox/ODK.

Mapping (see the README for the table):

- pages are top-level ``begin_group`` rows with ``appearance`` ``field-list``, whose
  ``relevant`` is the page's condition; other top-level rows are gathered into pages
  ``page_1``, ``page_2``, … without a group (``group: false``), written back as they were, so
  every question keeps its data path;
- ``other_specify`` is written as a choice ``other`` plus a required text row ``<name>_other``
  relevant when ``selected(${name}, 'other')``; on import that pattern is folded back;
- ``max_choices`` N is written both as ``bind::par:max_choices`` and as
  ``count-selected(.) <= N`` added to the constraint (so ODK enforces it);
- the scoring criterion is ``bind::par:criterion`` (a text answer's ``max_length`` is
  ``bind::par:max_length``); choice ``coefficient`` and ``excluded``
  are extra columns of ``choices``, which pyxform ignores;
- settings ``form_id``, ``version``, ``default_language``, ``form_title`` (Vietnamese) and
  ``par_title_en``, ``par_respondent_group``, ``par_description_vi``, ``par_description_en``,
  and the SIPAS element groups ``par_sipas_service`` and ``par_sipas_policy`` (group names
  separated by spaces).

Metadata rows (``start``, ``end``, ``today``, ``deviceid``, …) are skipped on import; other
types that the model lacks (media, locations…) are reported as problems, so nothing is
half-imported. Repeats are ``begin_repeat``/``end_repeat`` rows with ``repeat_count``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl

from questionnaires.media import MEDIA_KINDS
from questionnaires.model import Label, Question, Questionnaire
from questionnaires.problems import Problem, QuestionnaireError

__all__ = ["read_xlsform", "write_xlsform"]

LANGUAGE_NAMES = {"vi": "Vietnamese (vi)", "en": "English (en)"}
PAR_NAMESPACE = 'par="https://par-survey.github.io/xmlns/2025"'
CRITERION_COLUMN = "bind::par:criterion"
MAX_CHOICES_COLUMN = "bind::par:max_choices"
MAX_LENGTH_COLUMN = "bind::par:max_length"
METADATA_TYPES = {"start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
                  "phonenumber", "audit", "email", "start-geopoint", "background-audio"}
SIMPLE_TYPES = {"integer", "decimal", "text", "date", "note"}
OTHER_LABEL = Label(vi="Ghi rõ phương án khác:", en="Please specify:")
_LANG_RE = re.compile(r"^(label|hint|constraint_message|constraint-message)(?:::(.+))?$")


def _lang_code(suffix: str | None, default: str) -> str | None:
    if suffix is None:
        return default
    suffix = suffix.strip()
    match = re.search(r"\(([A-Za-z-]+)\)\s*$", suffix)
    code = match.group(1) if match else suffix
    code = code.lower()
    return code if code in LANGUAGE_NAMES else None


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _column(prefix: str, language: str) -> str:
    """The column of ``prefix`` texts in ``language``: ``label::Vietnamese (vi)``, ``label::``
    and a language as written (``Français (fr)``), or ``label`` for untagged texts."""
    if language == "default":
        return prefix
    return f"{prefix}::{LANGUAGE_NAMES.get(language, language)}"


def _max_suffix(count: int) -> str:
    return f"count-selected(.) <= {count}"


# ------------------------------------------------------------------------------ export


def write_xlsform(q: Questionnaire, path: str | Path) -> None:
    """Write ``q`` as an XLSForm workbook at ``path`` (``read_xlsform`` gives back ``q``)."""
    languages = list(q.languages)
    label_cols = [_column("label", lang) for lang in languages]
    hint_cols = [_column("hint", lang) for lang in languages]
    message_cols = [_column("constraint_message", lang) for lang in languages]
    extra_cols = [_column(prefix, lang) for prefix in
                  ("required_message", "guidance_hint") for lang in languages]
    media_cols = [_column(kind, lang) for kind in MEDIA_KINDS for lang in languages]
    used = any(x.media or any(c.media for c in x.choices) for x in q.questions)
    header = (["type", "name"] + label_cols + hint_cols + ["relevant", "constraint"] + message_cols
              + ["required", "appearance", "choice_filter", "calculation", "parameters",
                 "default", "read_only", "repeat_count", "trigger"] + extra_cols
              + (media_cols if used else [])
              + [CRITERION_COLUMN, MAX_CHOICES_COLUMN, MAX_LENGTH_COLUMN])
    rows: list[dict[str, Any]] = []

    def texts(prefix: str, label: Label | None) -> dict[str, Any]:
        if label is None:
            return {}
        return {_column(prefix, lang): label.text(lang) for lang in languages}

    def media(pairs: tuple) -> dict[str, Any]:
        return {column: text for kind, files in pairs
                for column, text in texts(kind, files).items()}

    def add_question(question: Question) -> None:
        row: dict[str, Any] = {"name": question.name, **texts("label", question.label),
                               **texts("hint", question.hint),
                               **texts("constraint_message", question.constraint_message),
                               "relevant": question.relevant, "appearance": question.appearance,
                               CRITERION_COLUMN: question.criterion,
                               MAX_LENGTH_COLUMN: question.max_length,
                               **texts("required_message", question.required_message),
                               **texts("guidance_hint", question.guidance_hint),
                               "calculation": question.calculation, "default": question.default,
                               "choice_filter": question.choice_filter,
                               "trigger": question.trigger, **media(question.media),
                               "read_only": "yes" if question.read_only else None}
        if question.type in ("group", "repeat"):
            kind = question.type
            rows.append({**row, "type": f"begin_{kind}", "repeat_count": question.repeat_count})
            for child in question.children:
                add_question(child)
            rows.append({"type": f"end_{kind}", "name": question.name})
            return
        kind = question.type
        if kind in ("single", "multiple"):
            kind = f"{'select_one' if kind == 'single' else 'select_multiple'} {question.list_name}"
        constraint = question.constraint
        if question.max_choices is not None:
            suffix = _max_suffix(question.max_choices)
            constraint = f"({constraint}) and {suffix}" if constraint else suffix
            row[MAX_CHOICES_COLUMN] = question.max_choices
        parameters = []
        if question.range is not None:
            parameters += [f"{key}={value}" for key, value in
                           zip(("start", "end", "step"), question.range)]
        if question.randomize:
            parameters.append("randomize=true")
            if question.seed is not None:
                parameters.append(f"seed={question.seed}")
        rows.append({**row, "type": kind, "constraint": constraint,
                     "required": "yes" if question.required else None,
                     "parameters": " ".join(parameters) or None})
        if question.other_specify:
            rows.append({"type": "text", "name": question.other_name, **texts("label", OTHER_LABEL),
                         "relevant": f"selected(${{{question.name}}}, 'other')",
                         "required": "yes"})

    for page in q.pages:
        if not page.group:  # rows outside any group keep their data paths
            for question in page.questions:
                add_question(question)
            continue
        rows.append({"type": "begin_group", "name": page.name, **texts("label", page.title),
                     "relevant": page.relevant, "appearance": "field-list"})
        for question in page.questions:
            add_question(question)
        rows.append({"type": "end_group", "name": page.name})

    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(header)
    for row in rows:
        survey.append([row.get(column) for column in header])

    choices = workbook.create_sheet("choices")
    columns = list(dict.fromkeys(key for items in q.choice_lists.values() for choice in items
                                 for key, _ in choice.properties))  # for choice_filter
    choice_header = (["list_name", "name"] + label_cols + ["coefficient", "excluded"] + columns
                     + (media_cols if used else []))
    choices.append(choice_header)
    for list_name, items in q.choice_lists.items():
        for choice in items:
            labels = [choice.label.text(lang) for lang in languages]
            choices.append([list_name, choice.name, *labels, choice.coefficient,
                            "yes" if choice.excluded else None,
                            *(dict(choice.properties).get(key) for key in columns),
                            *(media(choice.media).get(key) for key in
                              (media_cols if used else []))])

    settings = workbook.create_sheet("settings")
    values = {"form_id": q.id, "version": q.version,
              "default_language": LANGUAGE_NAMES.get(languages[0], languages[0]),
              "form_title": q.title.get(languages[0]), "namespaces": PAR_NAMESPACE,
              "clean_text_values": "no",  # texts exactly as written (pyxform collapses spaces)
              "par_respondent_group": q.respondent_group,
              "par_languages": (" | " if any(" " in lang for lang in languages) else " ").join(
                  languages),
              "par_title_vi": q.title.vi, "par_title_en": q.title.en}
    if q.description is not None:
        values["par_description_vi"] = q.description.vi
        values["par_description_en"] = q.description.en
    for part in ("service", "policy"):
        if q.sipas_elements(part):
            values[f"par_sipas_{part}"] = " ".join(q.sipas_elements(part))
    settings.append(list(values))
    settings.append(list(values.values()))
    workbook.save(path)


# ------------------------------------------------------------------------------ import


def read_xlsform(path: str | Path, respondent_group: str | None = None,
                 language: str | None = None) -> Questionnaire:
    """Read an XLSForm (``.xlsx``, ``.xls``, ``.md``) as pyxform reads it; see
    :func:`questionnaires.xlsform_read.import_xlsform` (which also gives the import's notes).

    Raises
    ------
    QuestionnaireError
        Listing every problem with file, sheet, row and column.
    """
    from questionnaires.xlsform_read import import_xlsform

    return import_xlsform(path, respondent_group, language).questionnaire


XLSFORM_MAX_UNPACKED = 20 * 1024 * 1024  # an XLSForm of thousands of rows unpacks to a few MB


def _check_unpacked(path: str | Path, file: str) -> None:
    """Refuse a workbook unpacking to more than ``XLSFORM_MAX_UNPACKED`` bytes before opening it
    (sizes from the zip directory, which also bound what decompression may produce)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile):
        return  # openpyxl reports an unreadable file in its own words
    if unpacked > XLSFORM_MAX_UNPACKED:
        mb = unpacked / 1024**2
        raise QuestionnaireError([Problem(
            file, None, None, None,
            f"Tệp giải nén ra {mb:,.0f} MB, quá lớn đối với một XLSForm (tối đa 20 MB).",
            f"The file unpacks to {mb:,.0f} MB, too large for an XLSForm (at most 20 MB).")])
