"""XLSForm import and export (sheets ``survey``, ``choices``, ``settings``), for KoboToolbox/ODK.

Mapping (see the README for the table):

- pages are top-level ``begin_group`` rows with ``appearance`` ``field-list``, whose
  ``relevant`` is the page's condition; other top-level rows are gathered into pages
  ``page_1``, ``page_2``, … on import;
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
types that the model lacks (``calculate``, repeats, ``choice_filter``…) are reported as
problems, so nothing is half-imported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from questionnaires.building import Path as KeyPath
from questionnaires.building import build_questionnaire
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


def _max_suffix(count: int) -> str:
    return f"count-selected(.) <= {count}"


# ------------------------------------------------------------------------------ export


def write_xlsform(q: Questionnaire, path: str | Path) -> None:
    """Write ``q`` as an XLSForm workbook at ``path`` (``read_xlsform`` gives back ``q``)."""
    languages = list(q.languages)
    label_cols = [f"label::{LANGUAGE_NAMES[lang]}" for lang in languages]
    hint_cols = [f"hint::{LANGUAGE_NAMES[lang]}" for lang in languages]
    message_cols = [f"constraint_message::{LANGUAGE_NAMES[lang]}" for lang in languages]
    header = (["type", "name"] + label_cols + hint_cols + ["relevant", "constraint"] + message_cols
              + ["required", "appearance", "choice_filter", "calculation", "parameters",
                 CRITERION_COLUMN, MAX_CHOICES_COLUMN, MAX_LENGTH_COLUMN])
    rows: list[dict[str, Any]] = []

    def texts(prefix: str, label: Label | None) -> dict[str, Any]:
        if label is None:
            return {}
        return {f"{prefix}::{LANGUAGE_NAMES[lang]}": getattr(label, lang) for lang in languages}

    def add_question(question: Question) -> None:
        row: dict[str, Any] = {"name": question.name, **texts("label", question.label),
                               **texts("hint", question.hint),
                               **texts("constraint_message", question.constraint_message),
                               "relevant": question.relevant, "appearance": question.appearance,
                               CRITERION_COLUMN: question.criterion,
                               MAX_LENGTH_COLUMN: question.max_length}
        if question.type == "group":
            rows.append({**row, "type": "begin_group"})
            for child in question.children:
                add_question(child)
            rows.append({"type": "end_group", "name": question.name})
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
    choice_header = ["list_name", "name"] + label_cols + ["coefficient", "excluded"]
    choices.append(choice_header)
    for list_name, items in q.choice_lists.items():
        for choice in items:
            labels = [getattr(choice.label, lang) for lang in languages]
            choices.append([list_name, choice.name, *labels, choice.coefficient,
                            "yes" if choice.excluded else None])

    settings = workbook.create_sheet("settings")
    values = {"form_id": q.id, "version": q.version,
              "default_language": LANGUAGE_NAMES[languages[0]],
              "form_title": q.title.get(languages[0]), "namespaces": PAR_NAMESPACE,
              "par_respondent_group": q.respondent_group,
              "par_languages": " ".join(languages),
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


class _Sheet:
    """Rows of a sheet as dicts keyed by header, with the header → column-letter map."""

    def __init__(self, sheet: Worksheet) -> None:
        self.title = sheet.title
        rows = list(sheet.iter_rows(values_only=True))
        self.header = [(_cell_text(cell) or "") for cell in (rows[0] if rows else ())]
        self.rows: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(rows[1:], start=2):
            record = {name: value for name, value in zip(self.header, values) if name}
            if any(_cell_text(value) is not None for value in record.values()):
                self.rows.append((number, record))


def read_xlsform(path: str | Path) -> Questionnaire:
    """Read an XLSForm workbook into a questionnaire.

    Raises
    ------
    QuestionnaireError
        Listing every problem with file, sheet, row and column.
    """
    file = Path(path).name
    problems: list[Problem] = []
    _check_unpacked(path, file)
    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except (OSError, ValueError, KeyError) as error:
        raise QuestionnaireError([Problem(file, None, None, None,
                                          f"Không mở được tệp Excel: {error}.",
                                          f"The Excel file cannot be opened: {error}.")]) from None
    sheets = {sheet.title.strip().lower(): _Sheet(sheet) for sheet in workbook.worksheets}
    workbook.close()
    for required in ("survey", "settings"):
        if required not in sheets:
            problems.append(Problem(file, required, None, None, f"Thiếu trang tính '{required}'.",
                                    f"The sheet '{required}' is missing."))
    if problems:
        raise QuestionnaireError(problems)
    cells: dict[KeyPath, tuple[str, int, str]] = {}

    def problem(sheet: str, row: int | None, column: str | None, vi: str, en: str) -> None:
        problems.append(Problem(file, sheet, row, column, vi, en))

    # settings
    settings_sheet = sheets["settings"]
    settings_row, settings = settings_sheet.rows[0] if settings_sheet.rows else (2, {})
    setting = {key: _cell_text(value) for key, value in settings.items()}
    languages = (setting.get("par_languages") or "").split()
    default_language = _lang_code(setting.get("default_language"), "vi") or "vi"
    for key, field in (("form_id", "id"), ("version", "version"),
                       ("par_respondent_group", "respondent_group"), ("form_title", "title")):
        cells[(field,)] = ("settings", settings_row, key)
    for lang in ("vi", "en"):
        if f"par_title_{lang}" in setting:
            cells[("title", lang)] = ("settings", settings_row, f"par_title_{lang}")
    title = {"vi": setting.get("par_title_vi"), "en": setting.get("par_title_en")}
    if title["vi"] is None and title["en"] is None:
        title[default_language] = setting.get("form_title") or setting.get("form_id")  # as ODK
    description = {"vi": setting.get("par_description_vi"), "en": setting.get("par_description_en")}

    # choices
    lists: dict[str, list[dict[str, Any]]] = {}
    if "choices" in sheets:
        choice_sheet = sheets["choices"]
        list_column = "list_name" if "list_name" in choice_sheet.header else "list name"
        for row, record in choice_sheet.rows:
            list_name = _cell_text(record.get(list_column))
            if list_name is None:
                problem("choices", row, "list_name", "Thiếu tên danh sách.", "The list name is missing.")
                continue
            item: dict[str, Any] = {"name": _cell_text(record.get("name")),
                                    "label": _labels(record, "label", default_language)}
            coefficient = record.get("coefficient")
            if _cell_text(coefficient) is not None:
                try:
                    item["coefficient"] = float(str(coefficient).replace(",", "."))
                except ValueError:
                    problem("choices", row, "coefficient", "Hệ số phải là một số.",
                            "The coefficient must be a number.")
            excluded = _flag(record.get("excluded"))
            if excluded is None:
                problem("choices", row, "excluded", "'excluded' phải là yes hoặc no.",
                        "'excluded' must be yes or no.")
            elif excluded:
                item["excluded"] = True
            items = lists.setdefault(list_name, [])
            for field in ("name", "label", "coefficient", "excluded"):
                column = "label::" + LANGUAGE_NAMES.get(default_language, "") if field == "label" \
                    else field
                cells[("choice_lists", list_name, len(items), field)] = ("choices", row, column)
            for lang, header in _language_headers(choice_sheet.header, "label", default_language):
                cells[("choice_lists", list_name, len(items), "label", lang)] = ("choices", row, header)
            items.append(item)

    # survey
    survey_sheet = sheets["survey"]
    seen_languages: list[str] = []
    for prefix in ("label", "hint", "constraint_message"):
        for lang, _ in _language_headers(survey_sheet.header, prefix, default_language):
            if lang not in seen_languages:
                seen_languages.append(lang)
    for header in survey_sheet.header + (sheets["choices"].header if "choices" in sheets else []):
        match = _LANG_RE.match(header)
        if match and match.group(2) and _lang_code(match.group(2), default_language) is None:
            problem(survey_sheet.title, 1, header,
                    f"Ngôn ngữ trong cột '{header}' không được hỗ trợ (chỉ vi, en).",
                    f"The language of column '{header}' is not supported (only vi, en).")
    if not languages:
        languages = sorted(seen_languages or [default_language], key=lambda lang: lang != "vi")
    used_lists: set[str] = set()
    stack: list[tuple[dict[str, Any], int]] = []
    loose: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []

    def container() -> list[dict[str, Any]]:
        return stack[-1][0]["questions"] if stack else loose

    for row, record in survey_sheet.rows:
        kind = re.sub(r"^(begin|end)\s+(group|repeat)", r"\1_\2", _cell_text(record.get("type")) or "")
        parts = kind.split()
        base = parts[0] if parts else ""
        name = _cell_text(record.get("name"))
        if base in METADATA_TYPES:
            continue
        if base == "end_group":
            if not stack:
                problem("survey", row, "type", "'end_group' không có 'begin_group' tương ứng.",
                        "'end_group' has no matching 'begin_group'.")
            else:
                stack.pop()
            continue
        for unsupported in ("choice_filter", "calculation"):
            if _cell_text(record.get(unsupported)) is not None:
                problem("survey", row, unsupported,
                        f"Cột '{unsupported}' chưa được hỗ trợ.",
                        f"The column '{unsupported}' is not supported.")
        entry: dict[str, Any] = {"name": name,
                                 "label": _labels(record, "label", default_language)}
        hint = _labels(record, "hint", default_language)
        if hint:
            entry["hint"] = hint
        for key in ("relevant", "constraint", "appearance"):
            if _cell_text(record.get(key)) is not None:
                entry[key] = _cell_text(record.get(key))
        message = _labels(record, "constraint_message", default_language)
        if message:
            entry["constraint_message"] = message
        required = _flag(record.get("required"))
        if required is None:
            problem("survey", row, "required", "'required' phải là yes hoặc no.",
                    "'required' must be yes or no.")
        elif required:
            entry["required"] = True
        criterion = _cell_text(record.get(CRITERION_COLUMN))
        if criterion is not None:
            entry["criterion"] = criterion
        max_length = _cell_text(record.get(MAX_LENGTH_COLUMN))
        if max_length is not None:
            if re.match(r"^\d{1,9}$", max_length):
                entry["max_length"] = int(max_length)
            else:
                problem("survey", row, MAX_LENGTH_COLUMN, "Độ dài tối đa phải là số nguyên.",
                        "The maximum length must be a whole number.")
        _read_parameters(entry, _cell_text(record.get("parameters")), problem, row)
        if base == "begin_group":
            entry["type"] = "group"
            entry["questions"] = []
        elif base in ("select_one", "select_multiple") and len(parts) >= 2:
            entry["type"] = "single" if base == "select_one" else "multiple"
            list_name = parts[1]
            if len(parts) == 3 and parts[2] == "or_other":
                entry["other_specify"] = True
                lists.setdefault(list_name, [])
                if not any(item.get("name") == "other" for item in lists[list_name]):
                    lists[list_name].append({"name": "other",
                                             "label": _other_choice_label(languages)})
            elif len(parts) != 2:
                problem("survey", row, "type", f"Loại '{kind}' không hợp lệ.",
                        f"The type '{kind}' is not valid.")
            if list_name not in lists:
                problem("survey", row, "type", f"Không có danh sách '{list_name}' trong trang choices.",
                        f"There is no list '{list_name}' in the choices sheet.")
            else:
                entry["choices"] = list_name
                used_lists.add(list_name)
            _read_max_choices(entry, record.get(MAX_CHOICES_COLUMN), problem, row)
        elif base in SIMPLE_TYPES and len(parts) == 1:
            entry["type"] = base
        else:
            problem("survey", row, "type", f"Loại câu hỏi '{kind}' chưa được hỗ trợ.",
                    f"The question type '{kind}' is not supported.")
            continue
        entry["_row"] = row
        entry["_headers"] = survey_sheet.header
        if _fold_other(container(), entry):
            continue
        is_page = (not stack and base == "begin_group"
                   and "field-list" in (entry.get("appearance") or ""))
        if is_page:
            if loose:
                pages.append(_implicit_page(len(pages) + 1, loose, languages))
                loose = []
            entry.pop("appearance")
            page = {"name": name, "title": entry["label"], "questions": entry["questions"],
                    "_row": row}
            if "relevant" in entry:
                page["relevant"] = entry["relevant"]
            pages.append(page)
            stack.append((entry, row))
            continue
        if stack:
            container().append(entry)
        else:
            loose.append(entry)
        if base == "begin_group":
            stack.append((entry, row))
    for _, row in stack:
        problem("survey", row, "type", "'begin_group' không có 'end_group' tương ứng.",
                "'begin_group' has no matching 'end_group'.")
    if loose:
        pages.append(_implicit_page(len(pages) + 1, loose, languages))

    # locate every question path, then strip the helper keys
    def locate_questions(items: list[dict[str, Any]], path: KeyPath) -> None:
        for index, item in enumerate(items):
            item_path = path + (index,)
            row = item.pop("_row")
            headers = item.pop("_headers")
            for header in headers:
                match = _LANG_RE.match(header)
                if match:
                    lang = _lang_code(match.group(2), default_language)
                    field = match.group(1).replace("-", "_")
                    cells[item_path + (field, lang)] = ("survey", row, header)
                    cells.setdefault(item_path + (field,), ("survey", row, header))
                else:
                    cells[item_path + (header,)] = ("survey", row, header)
            for field in ("criterion",):
                cells[item_path + (field,)] = ("survey", row, CRITERION_COLUMN)
            for field in ("max_choices",):
                cells[item_path + (field,)] = ("survey", row, MAX_CHOICES_COLUMN)
            cells[item_path + ("max_length",)] = ("survey", row, MAX_LENGTH_COLUMN)
            for field in ("choices", "list_name", "other_specify", "questions"):
                cells[item_path + (field,)] = ("survey", row, "type")
            for field in ("randomize", "seed"):
                cells[item_path + (field,)] = ("survey", row, "parameters")
            cells[item_path] = ("survey", row, "name")
            if "questions" in item:
                locate_questions(item["questions"], item_path + ("questions",))

    for page_index, page in enumerate(pages):
        row = page.pop("_row")
        cells[("pages", page_index)] = ("survey", row, "name")
        cells[("pages", page_index, "name")] = ("survey", row, "name")
        cells[("pages", page_index, "title")] = ("survey", row, "label")
        cells[("pages", page_index, "relevant")] = ("survey", row, "relevant")
        locate_questions(page["questions"], ("pages", page_index, "questions"))

    data: dict[str, Any] = {
        "id": setting.get("form_id"), "version": setting.get("version"),
        "title": {k: v for k, v in title.items() if v is not None},
        "languages": languages, "respondent_group": setting.get("par_respondent_group"),
        "choice_lists": {name: items for name, items in lists.items() if name in used_lists},
        "pages": pages,
    }
    if description["vi"] is not None or description["en"] is not None:
        data["description"] = {k: v for k, v in description.items() if v is not None}
        cells[("description",)] = ("settings", settings_row, "par_description_vi")
    sipas = {part: setting[f"par_sipas_{part}"].split() for part in ("service", "policy")
             if setting.get(f"par_sipas_{part}")}
    if sipas:
        data["sipas"] = sipas
        cells[("sipas",)] = ("settings", settings_row, "par_sipas_service")
    if data["respondent_group"] is None:
        problem("settings", settings_row, "par_respondent_group",
                "Thiếu nhóm đối tượng khảo sát (par_respondent_group).",
                "The respondent group (par_respondent_group) is missing.")
        data["respondent_group"] = "unknown"

    def locate(path: KeyPath) -> tuple[str | None, int | None, str | None]:
        for end in range(len(path), 0, -1):
            if path[:end] in cells:
                return cells[path[:end]]
        return None, None, None

    try:
        questionnaire = build_questionnaire(data, file, locate)
    except QuestionnaireError as error:
        problems.extend(error.problems)
        questionnaire = None
    if problems:
        raise QuestionnaireError(list(dict.fromkeys(problems)))
    assert questionnaire is not None
    return questionnaire


def _language_headers(header: list[str], prefix: str, default: str) -> list[tuple[str, str]]:
    found = []
    for column in header:
        match = _LANG_RE.match(column)
        if match and match.group(1).replace("-", "_") == prefix:
            lang = _lang_code(match.group(2), default)
            if lang is not None:
                found.append((lang, column))
    return found


def _labels(record: dict[str, Any], prefix: str, default: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for column, value in record.items():
        match = _LANG_RE.match(column)
        if not match or match.group(1).replace("-", "_") != prefix:
            continue
        lang = _lang_code(match.group(2), default)
        text = _cell_text(value)
        if lang is not None and text is not None:
            texts[lang] = str(value).strip()
    return texts


def _flag(value: Any) -> bool | None:
    text = (_cell_text(value) or "").lower()
    if text in ("", "no", "false", "false()", "0"):
        return False
    if text in ("yes", "true", "true()", "1"):
        return True
    return None


def _read_parameters(entry: dict[str, Any], text: str | None, problem: Any, row: int) -> None:
    if text is None:
        return
    for part in text.replace(",", " ").split():
        key, _, value = part.partition("=")
        key = key.strip().lower()
        if key == "randomize" and value.strip().lower() in ("true", "yes"):
            entry["randomize"] = True
        elif key == "randomize" and value.strip().lower() in ("false", "no"):
            continue
        elif key == "seed" and re.match(r"^-?\d+$", value.strip()):
            entry["seed"] = int(value)
        else:
            problem("survey", row, "parameters", f"Tham số '{part}' không được hỗ trợ.",
                    f"The parameter '{part}' is not supported.")


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


def _read_max_choices(entry: dict[str, Any], value: Any, problem: Any, row: int) -> None:
    text = _cell_text(value)
    if text is None:
        return
    if not re.match(r"^\d+$", text):
        problem("survey", row, MAX_CHOICES_COLUMN, "Số lựa chọn tối đa phải là số nguyên.",
                "The maximum number of choices must be a whole number.")
        return
    count = int(text)
    entry["max_choices"] = count
    constraint = entry.get("constraint")
    suffix = _max_suffix(count)
    if constraint == suffix:
        entry.pop("constraint")
    elif constraint and constraint.startswith("(") and constraint.endswith(f") and {suffix}"):
        entry["constraint"] = constraint[1:-len(f") and {suffix}")]


def _fold_other(siblings: list[dict[str, Any]], entry: dict[str, Any]) -> bool:
    """Fold a ``<name>_other`` text row that follows its choice question into ``other_specify``."""
    if entry.get("type") != "text" or not siblings:
        return False
    previous = siblings[-1]
    name = previous.get("name")
    if (previous.get("type") in ("single", "multiple") and entry.get("name") == f"{name}_other"
            and (entry.get("relevant") or "").replace(" ", "")
            == f"selected(${{{name}}},'other')"):
        previous["other_specify"] = True
        return True
    return False


def _implicit_page(number: int, questions: list[dict[str, Any]],
                   languages: list[str]) -> dict[str, Any]:
    title = {"vi": f"Trang {number}", "en": f"Page {number}"}
    return {"name": f"page_{number}", "title": {k: title[k] for k in languages if k in title},
            "questions": questions, "_row": questions[0]["_row"]}


def _other_choice_label(languages: list[str]) -> dict[str, str]:
    texts = {"vi": "Khác", "en": "Other"}
    return {lang: texts[lang] for lang in languages if lang in texts}

