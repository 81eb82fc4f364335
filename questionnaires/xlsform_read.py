"""XLSForm import read the way ODK reads it: pyxform's own reader, then our model.

pyxform reads the file (``.xlsx``, ``.xls``, ``.md``), resolves header aliases (``relevance``,
``bind:relevant``, ``calculate`` …), case, old type spellings and ``or_other``
(:func:`pyxform.xls2json.workbook_to_json`); this module maps that dict to the dict model of
:mod:`questionnaires.building`. Nothing is dropped in silence: every column, setting and type
is carried, or refused by name with sheet, row and column (:data:`CARRIED_BIND`,
:data:`CARRIED_SETTINGS` …); what the import had to decide (a version from the file's hash,
untagged labels given a language, a missing translation filled) comes back as ``notes``.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from questionnaires.building import build_questionnaire
from questionnaires.checks import NAME_RE
from questionnaires.media import MEDIA_KINDS
from questionnaires.model import Questionnaire
from questionnaires.problems import Problem, QuestionnaireError
from questionnaires.types import RESPONDENT_GROUPS, is_language
from questionnaires.xlsform_sheets import Sheets, describe_file, language_code

__all__ = ["CARRIED_BIND", "CARRIED_CHOICE", "CARRIED_CONTROL", "CARRIED_QUESTION",
           "CARRIED_SETTINGS", "Imported", "import_xlsform"]

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".md")
CARRIED_QUESTION = {"type", "name", "label", "hint", "bind", "control", "parameters", "itemset",
                    "list_name", "choices", "children", "default", "guidance_hint",
                    "choice_filter", "trigger", "media"}
PAGE_CARRIED = {"type", "name", "label", "bind", "control", "children"}  # field-list groups
CARRIED_BIND = {"relevant", "required", "constraint", "jr:constraintMsg", "par:criterion",
                "par:max_choices", "par:max_length", "calculate", "readonly", "jr:requiredMsg"}
CARRIED_CONTROL = {"appearance", "start", "end", "step", "jr:count"}  # a range's parameters, copied
CARRIED_CHOICE = {"name", "label", "coefficient", "excluded", "media"}
PYXFORM_CHOICE = {"sms_option", "parent", "extra_data"}  # refused; others: properties
CARRIED_SETTINGS = {"id_string", "title", "version", "default_language", "namespaces",
                    "clean_text_values",  # applied by pyxform's reader itself
                    "par_respondent_group", "par_languages", "par_title_vi", "par_title_en",
                    "par_description_vi", "par_description_en", "par_sipas_service",
                    "par_sipas_policy"}
PYXFORM_ROOT = {"type", "name", "sms_keyword", "children", "choices"}  # pyxform's own keys
SIMPLE_TYPES = {"text", "integer", "decimal", "date", "note", "calculate", "hidden",
                "acknowledge", "time", "datetime", "range"}
SELECT_TYPES = {"select one": "single", "select all that apply": "multiple"}
METADATA_TYPES = {"start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
                  "phonenumber", "email", "audit"}
PAR_NAMESPACE = 'par="https://par-survey.github.io/xmlns/2025"'
OTHER_LABEL = {"vi": "Ghi rõ phương án khác:", "en": "Please specify:"}
YES = {"yes", "true", "true()"}
NO = {"no", "false", "false()"}


@dataclass(frozen=True)
class Imported:
    """A questionnaire read from an XLSForm and the notes on what the import decided."""

    questionnaire: Questionnaire
    notes: tuple[Problem, ...]

    def summary(self) -> dict[str, Any]:
        """Counts to print after an import: questions, pages, languages, rules."""
        q = self.questionnaire
        rules = sum((x.relevant is not None) + (x.constraint is not None) for x in q.questions)
        rules += sum(page.relevant is not None for page in q.pages)
        return {"questions": len(q.questions), "pages": len(q.pages),
                "languages": list(q.languages), "rules": rules}


def import_xlsform(path: str | Path, respondent_group: str | None = None,
                   language: str | None = None) -> Imported:
    """Read the XLSForm at ``path``; ``respondent_group`` fills a missing
    ``par_respondent_group``, ``language`` (``vi``/``en``) the language of untagged labels when
    the form has no ``default_language``. Raises ``QuestionnaireError`` listing every problem."""
    return _Import(Path(path), respondent_group, language).run()


class _Import:
    def __init__(self, path: Path, group: str | None, language: str | None) -> None:
        self.path, self.file = path, path.name
        self.group, self.language = group, language
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        self.cells: dict[tuple, tuple[str, int | None, str | None]] = {}
        self.filled: dict[str, list[str]] = {}
        self.rows: dict[Any, int | None] = {}

    # ------------------------------------------------------------------ reporting

    def problem(self, sheet: str | None, row: int | None, column: str | None, vi: str,
                en: str) -> None:
        self.problems.append(Problem(self.file, sheet, row, column, vi, en))

    def note(self, sheet: str | None, row: int | None, column: str | None, vi: str,
             en: str) -> None:
        self.notes.append(Problem(self.file, sheet, row, column, vi, en))

    def refuse_key(self, sheet: str, row: int | None, column: str, what_vi: str,
                   what_en: str) -> None:
        self.problem(sheet, row, column, f"{what_vi} '{column}' chưa được hỗ trợ; bỏ cột này "
                     "hoặc nhập biểu mẫu khác.",
                     f"The {what_en} '{column}' is not supported; remove it or import another "
                     "form.")

    # ------------------------------------------------------------------ run

    def run(self) -> Imported:
        from pyxform.errors import PyXFormError
        from pyxform.xls2json import workbook_to_json
        from pyxform.xls2json_backends import get_xlsform

        if self.path.suffix.lower() not in SUFFIXES:
            kind_vi, kind_en = describe_file(self.path)
            raise QuestionnaireError([Problem(
                self.file, None, None, None,
                f"Tệp {self.file} không phải biểu mẫu XLSForm (.xlsx, .xls, .md): "
                f"đây là {kind_vi}.",
                f"The file {self.file} is not an XLSForm workbook (.xlsx, .xls, .md): "
                f"it is {kind_en}.")])
        from questionnaires.xlsform import _check_unpacked

        _check_unpacked(self.path, self.file)
        try:
            definition = get_xlsform(str(self.path))
        except Exception:  # noqa: BLE001 - any reader failure means "not this kind of file"
            kind_vi, kind_en = describe_file(self.path)
            raise QuestionnaireError([Problem(
                self.file, None, None, None,
                f"Không đọc được tệp {self.file} như một bảng tính XLSForm: đây là {kind_vi}.",
                f"The file {self.file} cannot be read as an XLSForm workbook: it is {kind_en}.")]
            ) from None
        sheets = Sheets(definition)
        warnings: list[str] = []
        try:
            form = workbook_to_json(copy.deepcopy(definition), fallback_form_name=self.path.stem,
                                    warnings=warnings)
        except Exception as error:  # noqa: BLE001 - pyxform is the judge here
            text = str(error).strip()
            if not isinstance(error, PyXFormError):  # pyxform tripped over the form
                text = f"{type(error).__name__}: {text}"
            found = re.search(r"\[row\s*:\s*(\d+)\]", text)
            row = int(found.group(1)) if found else None
            sheet = re.search(r"On the '(\w+)' sheet", text)
            sheet_name = sheet.group(1) if sheet else ("survey" if row else None)
            named = re.search(r"the '([^']+)' (?:value|column)", text)
            reference = re.search(r"\$\{[^}]*\}|find the name '([^']+)'", text)
            column = named.group(1) if named else None
            if sheet_name == "survey" and row and reference:
                needle = "${%s}" % reference.group(1) if reference.group(1) else reference.group(0)
                column = sheets.column_holding(row, needle) or column
            raise QuestionnaireError([Problem(
                self.file, sheet_name, row, column,
                f"pyxform không chấp nhận biểu mẫu: {text}",
                f"pyxform refuses the form: {text}")]) from None
        self.sheets = sheets
        data = self.map_form(form)
        try:
            questionnaire = build_questionnaire(data, self.file, self.locate)
        except QuestionnaireError as error:
            self.problems.extend(error.problems)
            questionnaire = None
        if self.problems:
            raise QuestionnaireError(list(dict.fromkeys(self.problems)))
        assert questionnaire is not None
        for language, names in self.filled.items():
            shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
            self.note(None, None, None,
                      f"{len(names)} nhãn thiếu bản '{language}' dùng bản của ngôn ngữ mặc định: "
                      f"{shown}.",
                      f"{len(names)} texts without a '{language}' translation use the default "
                      f"language's text: {shown}.")
        return Imported(questionnaire, tuple(self.notes))

    def locate(self, path: tuple) -> tuple[str | None, int | None, str | None]:
        for end in range(len(path), 0, -1):
            if path[:end] in self.cells:
                return self.cells[path[:end]]
        return None, None, None

    # ------------------------------------------------------------------ settings

    def map_form(self, form: dict[str, Any]) -> dict[str, Any]:
        sheets = self.sheets
        row = 2 if sheets.has_settings else None
        written = set(sheets.settings)
        for key in sorted(written | (set(form) - PYXFORM_ROOT)):
            if key not in CARRIED_SETTINGS:
                self.refuse_key("settings", row, sheets.settings_header(key), "Thiết lập",
                                "setting")
        if form.get("namespaces") not in (None, PAR_NAMESPACE):
            self.refuse_key("settings", row, "namespaces", "Thiết lập", "setting")
        default = str(form.get("default_language") or "default").strip()
        tagged = (language_code(default) or default) if default != "default" else None
        if tagged is not None and not is_language(tagged):
            self.problem("settings", row, "default_language",
                         f"'{default}' không phải tên ngôn ngữ.", f"'{default}' is not a language.")
            tagged = None
        names = sheets.language_names()
        if tagged and "default" in names and tagged in {language_code(n) or n for n in names}:
            self.problem("settings", row, "default_language",
                         f"Có cả cột không ghi ngôn ngữ lẫn cột '{tagged}': cột không ghi ngôn "
                         "ngữ thuộc default_language, nên hai cột cho cùng một ngôn ngữ.",
                         f"There are untagged columns and '{tagged}' columns: untagged columns "
                         "belong to default_language, so two columns give the same language.")
        codes = list(dict.fromkeys(language_code(name) or name
                                   for name in sorted(names - {"default"})))
        # untagged texts belong to default_language (or --language), else stay untagged
        self.default = tagged or self.language or (
            "default" if "default" in names or not codes else "vi" if "vi" in codes
            else codes[0])
        self.untagged_seen = False
        listed = str(form.get("par_languages") or "")  # "|" between names with spaces
        self.languages = [name.strip() for name in listed.split("|")] if "|" in listed else (
            listed.split())
        for code in codes + ([self.default] if "default" in names or not codes else []):
            if code not in self.languages:
                self.languages.append(code)
        self.languages.sort(key=lambda code: code != self.default)
        self.choices_data = form.get("choices") or {}
        pages = self.map_pages(form.get("children") or [])
        if self.untagged_seen and tagged is None and self.language:
            self.note("settings", row, "default_language",
                      f"Nhãn không ghi ngôn ngữ được coi là '{self.default}' (theo --language).",
                      f"Labels without a language are read as '{self.default}' (--language).")
        elif self.untagged_seen and tagged is None:
            self.note("settings", row, "default_language",
                      "Nhãn không ghi ngôn ngữ được giữ nguyên không gắn ngôn ngữ ('default'); "
                      "trang trả lời hiển thị chúng khi phiếu không có tiếng Việt/tiếng Anh.",
                      "Labels without a language stay untagged ('default'); the respondent "
                      "pages show them when the form has no Vietnamese or English text; set "
                      "default_language (or --language) to tag them.")
        form_id = form.get("id_string") or self.path.stem
        if not NAME_RE.match(form_id):
            clean = re.sub(r"[^A-Za-z0-9_]", "_", form_id)
            clean = clean if re.match(r"^[A-Za-z_]", clean) else f"form_{clean}"
            self.note("settings", row, "form_id", f"Mã phiếu '{form_id}' đổi thành '{clean}'.",
                      f"The form id '{form_id}' becomes '{clean}'.")
            form_id = clean
        if "id_string" not in (sheets.settings or {}):
            self.note(None, None, None, f"Mã phiếu lấy từ tên tệp: {form_id}.",
                      f"The form id comes from the file name: {form_id}.")
        version = form.get("version")
        if version is None:
            version = hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]
            self.note("settings", row, "version",
                      f"Không có phiên bản: dùng mã băm nội dung tệp {version}.",
                      f"No version: the file's content hash {version} is used.")
        if "title" not in sheets.settings:
            self.note("settings", row, "form_title", "Không có form_title: tiêu đề là mã phiếu.",
                      "No form_title: the title is the form id.")
        title = self.text(form.get("title"), ("title",), "settings", row,
                          sheets.settings_header("title"))
        for code in self.languages:
            if form.get(f"par_title_{code}"):
                title[code] = form[f"par_title_{code}"]
        data: dict[str, Any] = {
            "id": form_id, "version": str(version),
            "title": self.fill(title, form_id), "languages": self.languages,
            "respondent_group": self.respondent_group(form.get("par_respondent_group"), row),
            "choice_lists": self.lists, "pages": pages,
        }
        description = {code: form[f"par_description_{code}"] for code in ("vi", "en")
                       if form.get(f"par_description_{code}")}
        if description:
            data["description"] = self.fill(description, "description")
        sipas = {part: form[f"par_sipas_{part}"].split() for part in ("service", "policy")
                 if form.get(f"par_sipas_{part}")}
        if sipas:
            data["sipas"] = sipas
        for key, header in (("id", sheets.settings_header("id_string")), ("version", "version"),
                            ("respondent_group", "par_respondent_group"),
                            ("title", sheets.settings_header("title")),
                            ("description", "par_description_vi"),
                            ("sipas", "par_sipas_service"), ("languages", "par_languages")):
            self.cells[(key,)] = ("settings", row, header)
        return data

    def respondent_group(self, written: str | None, row: int | None) -> str:
        group = written or self.group
        if written and self.group and written != self.group:
            self.problem("settings", row, "par_respondent_group",
                         f"Biểu mẫu ghi nhóm '{written}', lệnh ghi '{self.group}'.",
                         f"The form says group '{written}', the command says '{self.group}'.")
        if group is None:
            self.problem("settings", row, "par_respondent_group",
                         "Thiếu nhóm đối tượng khảo sát: ghi par_respondent_group trong trang "
                         "settings hoặc dùng --respondent-group.",
                         "The respondent group is missing: write par_respondent_group on the "
                         "settings sheet or give --respondent-group.")
            return "unknown"
        if group not in RESPONDENT_GROUPS:
            self.problem("settings", row, "par_respondent_group",
                         f"Nhóm đối tượng '{group}' không có "
                         f"(dùng {', '.join(RESPONDENT_GROUPS)}).",
                         f"There is no respondent group '{group}' "
                         f"(use {', '.join(RESPONDENT_GROUPS)}).")
        return group

    # ------------------------------------------------------------------ texts

    def text(self, value: Any, path: tuple, sheet: str, row: int | None,
             column: str | None) -> dict[str, str]:
        """A pyxform text (plain, or language name → text) as ``{code: text}``."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            value = {"default": value}
        texts: dict[str, str] = {}
        for name, text in value.items():
            if name == "default":
                self.untagged_seen = self.untagged_seen or sheet != "settings"
                code = self.default
            else:
                code = language_code(name) or str(name).strip()
            if not is_language(code):
                self.problem(sheet, row, f"{column}::{name}",
                             f"'{name}' không phải tên ngôn ngữ.", f"'{name}' is not a language.")
                continue
            if not isinstance(text, str):
                continue  # media dicts are refused where they are read
            if code not in self.languages:
                self.problem(sheet, row, column, f"Ngôn ngữ '{code}' không có trong par_languages.",
                             f"The language '{code}' is not in par_languages.")
                continue
            if code in texts and texts[code] != text:
                self.problem(sheet, row, column, f"Hai cột cho cùng ngôn ngữ '{code}' (cột không "
                             "ghi ngôn ngữ thuộc default_language).",
                             f"Two columns give the language '{code}' (an untagged column "
                             "belongs to default_language).")
            texts.setdefault(code, text)
            self.cells[path + (code,)] = (sheet, row, column if name == "default"
                                          else f"{column}::{name}")
            self.cells.setdefault(path, self.cells[path + (code,)])
        return texts

    def media(self, media: Any, path: tuple, sheet: str, row: int | None) -> dict[str, Any]:
        """pyxform's ``media`` (kind → file, or language → file) as the model's ``media``."""
        if not isinstance(media, dict):
            return {}
        column = self.sheets.column if sheet == "survey" else self.sheets.choice_column
        out = {}
        for kind, files in media.items():
            if kind not in MEDIA_KINDS:
                self.refuse_key(sheet, row, column("media", kind), "Cột", "column")
                continue
            self.cells[path + ("media", kind)] = (sheet, row, column("media", kind))
            out[kind] = self.text(files, path + ("media", kind), sheet, row, column("media", kind))
        return {"media": out} if out else {}

    def fill(self, texts: dict[str, str], name: str) -> dict[str, str]:
        """Missing translations fall back to the default language (noted, not refused)."""
        if not texts:
            return texts
        source = texts.get(self.default) or next(iter(texts.values()))
        for code in self.languages:
            if not texts.get(code):
                texts[code] = source
                self.filled.setdefault(code, []).append(name)
        order = {code: index for index, code in enumerate(self.languages)}
        return dict(sorted(texts.items(), key=lambda item: order.get(item[0], len(order))))

    # ------------------------------------------------------------------ survey

    def map_pages(self, children: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.lists: dict[str, list[dict[str, Any]]] = {}
        pages: list[dict[str, Any]] = []
        loose: list[dict[str, Any]] = []
        for child in children:
            if self.is_meta(child):
                continue
            row = self.sheets.row_of(child)
            if (child.get("type") == "group"
                    and "field-list" in (child.get("control") or {}).get("appearance", "")):
                if loose:
                    pages.append(self.implicit_page(len(pages) + 1, loose))
                    loose = []
                pages.append(self.page(child, row, len(pages)))
                continue
            loose.append(child)
        if loose:
            pages.append(self.implicit_page(len(pages) + 1, loose))
        for index, page in enumerate(pages):
            page["questions"] = self.questions(page.pop("_children"),
                                               ("pages", index, "questions"))
        return pages

    def is_meta(self, child: dict[str, Any]) -> bool:
        if child.get("name") == "meta" and (child.get("control") or {}).get("bodyless"):
            return True
        if child.get("type") in METADATA_TYPES:
            row = self.sheets.row_of(child)
            self.note("survey", row, "type",
                      f"Dòng siêu dữ liệu '{child['type']}' được bỏ qua "
                      "(máy chủ tự ghi thời gian).",
                      f"The metadata row '{child['type']}' is left out (the server records "
                      "times itself).")
            return True
        return False

    def page(self, child: dict[str, Any], row: int | None, index: int) -> dict[str, Any]:
        path = ("pages", index)
        self.check_keys(child, row, PAGE_CARRIED)
        bind = child.get("bind") or {}
        for key in bind:
            if key != "relevant":
                self.refuse_key("survey", row, self.sheets.column("bind", key), "Cột của trang",
                                "page column")
        name = str(child.get("name"))
        page: dict[str, Any] = {"name": name, "_children": child.get("children", [])}
        title = self.text(child.get("label"), path + ("title",), "survey", row,
                          self.sheets.column("label"))
        if not title:
            self.note("survey", row, self.sheets.column("label"),
                      f"Trang '{name}' không có nhãn: tên trang là tiêu đề.",
                      f"The page '{name}' has no label: its name is its title.")
            title = {code: name for code in self.languages}
        page["title"] = self.fill(title, name)
        if bind.get("relevant"):
            page["relevant"] = bind["relevant"]
        self.cells[path] = self.cells[path + ("name",)] = ("survey", row, "name")
        self.cells[path + ("relevant",)] = ("survey", row, self.sheets.column("bind", "relevant"))
        appearance = child["control"]["appearance"].replace("field-list", "").strip()
        if appearance:
            self.refuse_key("survey", row, self.sheets.column("control", "appearance"),
                            "Giao diện trang", "page appearance")
        return page

    def implicit_page(self, number: int, loose: list[dict]) -> dict[str, Any]:
        names = ", ".join(str(child.get("name")) for child in loose[:3])
        row = self.sheets.row_of(loose[0])
        self.note("survey", row, "name",
                  f"Các câu ngoài nhóm field-list ({names}…) được hiển thị cùng trang "
                  f"page_{number}; đường dẫn dữ liệu giữ nguyên.",
                  f"The questions outside a field-list group ({names}…) are shown together "
                  f"on page page_{number}; their data paths stay as written.")
        texts = {"vi": f"Trang {number}", "en": f"Page {number}"}
        title = {**texts, **{code: texts["en"] for code in self.languages if code not in texts}}
        return {"name": f"page_{number}", "title": title, "group": False,
                "_children": list(loose)}

    def questions(self, children: list[dict[str, Any]], path: tuple) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for child in children:
            if self.is_meta(child):
                continue
            if out and self.fold_other(out[-1], child):
                continue
            entry = self.question(child, path + (len(out),))
            if entry is not None:
                out.append(entry)
            if entry and entry.get("repeat_count") == "${%s_count}" % entry["name"] and (
                    len(out) > 1 and out[-2].get("name") == f"{entry['name']}_count"
                    and out[-2].get("type") == "calculate"):  # pyxform's own count row
                entry["repeat_count"] = out.pop(-2)["calculation"]
        return out

    def question(self, child: dict[str, Any], path: tuple) -> dict[str, Any] | None:
        name = child.get("name")
        row = self.rows[name] = self.sheets.row_of(child)
        column = self.sheets.column
        self.cells[path] = ("survey", row, column("name"))
        for key in ("type", "choices", "list_name", "other_specify", "questions"):
            self.cells[path + (key,)] = ("survey", row, column("type"))
        self.check_keys(child, row, CARRIED_QUESTION)
        kind = child.get("type")
        entry: dict[str, Any] = {"name": name}
        if kind in SIMPLE_TYPES:
            entry["type"] = kind
        elif kind in SELECT_TYPES:
            entry["type"] = SELECT_TYPES[kind]
            self.select(child, entry, row)
        elif kind in ("group", "repeat"):
            entry["type"] = kind
            entry["questions"] = self.questions(child.get("children", []), path + ("questions",))
            count = (child.get("control") or {}).get("jr:count")
            if count not in (None, ""):
                entry["repeat_count"] = str(count)
                self.cells[path + ("repeat_count",)] = ("survey", row,
                                                        column("control", "jr:count"))
        else:
            self.problem("survey", row, column("type"),
                         f"Loại câu hỏi '{kind}' chưa được hỗ trợ.",
                         f"The question type '{kind}' is not supported.")
            return None
        entry["label"] = self.fill(self.text(child.get("label"), path + ("label",), "survey", row,
                                             column("label")), str(name))
        hint = self.text(child.get("hint"), path + ("hint",), "survey", row, column("hint"))
        if hint:
            entry["hint"] = self.fill(hint, f"{name} (hint)")
        guidance = self.text(child.get("guidance_hint"), path + ("guidance_hint",), "survey", row,
                             column("guidance_hint"))
        if guidance:
            entry["guidance_hint"] = self.fill(guidance, f"{name} (guidance)")
        if child.get("default") not in (None, ""):
            entry["default"] = str(child["default"])
            self.cells[path + ("default",)] = ("survey", row, column("default"))
        if child.get("choice_filter"):
            entry["choice_filter"] = str(child["choice_filter"])
            self.cells[path + ("choice_filter",)] = ("survey", row, column("choice_filter"))
        if child.get("trigger"):
            entry["trigger"] = ", ".join("${%s}" % name for name in child["trigger"])
            self.cells[path + ("trigger",)] = ("survey", row, column("trigger"))
        entry.update(self.media(child.get("media"), path, "survey", row))
        if kind == "range":
            entry["range"] = {}
        self.bind(child.get("bind") or {}, entry, path, row)
        appearance = (child.get("control") or {}).get("appearance")
        if appearance:
            entry["appearance"] = appearance
            self.cells[path + ("appearance",)] = ("survey", row, column("control", "appearance"))
        self.parameters(child.get("parameters") or {}, entry, path, row)
        return entry

    def check_keys(self, child: dict[str, Any], row: int | None, carried: set[str]) -> None:
        column = self.sheets.column
        for key in child:
            if key not in carried:
                self.refuse_key("survey", row, column(key), "Cột", "column")
        for key in child.get("bind") or {}:
            if key not in CARRIED_BIND:
                self.refuse_key("survey", row, column("bind", key), "Cột", "column")
        for key in child.get("control") or {}:
            if key not in CARRIED_CONTROL:
                self.refuse_key("survey", row, column("control", key), "Cột", "column")

    def bind(self, bind: dict[str, Any], entry: dict[str, Any], path: tuple, row: int | None):
        column = self.sheets.column
        for key, field in (("relevant", "relevant"), ("constraint", "constraint"),
                           ("par:criterion", "criterion"), ("calculate", "calculation")):
            if bind.get(key):
                entry[field] = bind[key]
                self.cells[path + (field,)] = ("survey", row, column("bind", key))
        required = str(bind.get("required", "no")).strip()
        self.cells[path + ("required",)] = ("survey", row, column("bind", "required"))
        if required.lower() in YES:
            entry["required"] = True
        elif required.lower() not in NO:
            self.problem("survey", row, column("bind", "required"),
                         f"'required' là biểu thức '{required}': chưa được hỗ trợ (dùng yes/no).",
                         f"'required' is the expression '{required}': not supported (use yes/no).")
        self.cells[path + ("read_only",)] = ("survey", row, column("bind", "readonly"))
        readonly = str(bind.get("readonly", "no")).strip().lower()
        if readonly in YES:
            entry["read_only"] = True
        elif readonly not in NO:
            self.problem("survey", row, column("bind", "readonly"),
                         f"'read_only' là biểu thức '{readonly}': chưa được hỗ trợ (dùng yes/no).",
                         f"'read_only' is the expression '{readonly}': not supported (use yes/no).")
        said = self.text(bind.get("jr:requiredMsg"), path + ("required_message",), "survey", row,
                         column("bind", "jr:requiredMsg"))
        if said:
            entry["required_message"] = self.fill(said, f"{entry['name']} (required message)")
        message = self.text(bind.get("jr:constraintMsg"), path + ("constraint_message",),
                            "survey", row, column("bind", "jr:constraintMsg"))
        if message:
            entry["constraint_message"] = self.fill(message, f"{entry['name']} (message)")
        for key, field in (("par:max_length", "max_length"), ("par:max_choices", "max_choices")):
            if bind.get(key) is None:
                continue
            self.cells[path + (field,)] = ("survey", row, column("bind", key))
            if re.match(r"^\d{1,9}$", str(bind[key]).strip()):
                entry[field] = int(str(bind[key]).strip())
            else:
                self.problem("survey", row, column("bind", key), f"'{key}' phải là số nguyên.",
                             f"'{key}' must be a whole number.")
        if "max_choices" in entry and entry.get("constraint"):
            suffix = f"count-selected(.) <= {entry['max_choices']}"
            if entry["constraint"] == suffix:
                entry.pop("constraint")
            elif entry["constraint"].endswith(f") and {suffix}"):
                entry["constraint"] = entry["constraint"][1:-len(f") and {suffix}")]

    def parameters(self, parameters: dict[str, Any], entry: dict, path: tuple, row: int | None):
        self.cells[path + ("randomize",)] = self.cells[path + ("seed",)] = (
            "survey", row, self.sheets.column("parameters"))
        self.cells[path + ("range",)] = self.cells[path + ("seed",)]
        for key, value in parameters.items():
            text = str(value).strip().lower()
            if key in ("start", "end", "step") and "range" in entry:
                entry["range"][key] = text
            elif key == "randomize" and text in YES | NO:
                if text in YES:
                    entry["randomize"] = True
            elif key == "seed" and re.match(r"^-?\d+$", text):
                entry["seed"] = int(text)
            else:
                self.problem("survey", row, self.sheets.column("parameters"),
                             f"Tham số '{key}={value}' chưa được hỗ trợ.",
                             f"The parameter '{key}={value}' is not supported.")

    # ------------------------------------------------------------------ choices

    def select(self, child: dict[str, Any], entry: dict[str, Any], row: int | None) -> None:
        list_name = child.get("itemset") or child.get("list_name")
        if not isinstance(list_name, str) or list_name not in self.choices_data:
            self.problem("survey", row, self.sheets.column("type"),
                         f"Danh sách '{list_name}' không có trong trang choices.",
                         f"The list '{list_name}' is not on the choices sheet.")
            return
        entry["choices"] = list_name
        if list_name in self.lists:
            return
        items: list[dict[str, Any]] = []
        for index, option in enumerate(self.choices_data[list_name]):
            name = str(option.get("name"))
            crow = self.sheets.choice_row(list_name, name)
            path = ("choice_lists", list_name, index)
            properties = {}
            for key in option:
                if key in CARRIED_CHOICE:
                    continue
                if (key not in PYXFORM_CHOICE and isinstance(option[key], (str, int, float))
                        and NAME_RE.match(str(key))):
                    properties[str(key)] = str(option[key])  # a column for choice_filter
                    continue
                self.refuse_key("choices", crow, self.sheets.choice_column(key),
                                "Cột phương án", "choices column")
            item: dict[str, Any] = {"name": name}
            self.cells.setdefault(path, ("choices", crow, self.sheets.choice_column("label")))
            if properties:
                item["properties"] = properties
                self.cells[path + ("properties",)] = ("choices", crow, "list_name")
            item["label"] = self.fill(self.text(option.get("label"), path + ("label",), "choices",
                                                crow, self.sheets.choice_column("label")),
                                      f"{list_name}/{name}")
            if name == "other" and crow is None:
                self.name_other(item, list_name)
            item.update(self.media(option.get("media"), path, "choices", crow))
            for key in ("name", "coefficient", "excluded"):
                self.cells[path + (key,)] = ("choices", crow, self.sheets.choice_column(key))
            if option.get("coefficient") not in (None, ""):
                try:
                    item["coefficient"] = float(str(option["coefficient"]).replace(",", "."))
                except ValueError:
                    self.problem("choices", crow, "coefficient", "Hệ số phải là một số.",
                                 "The coefficient must be a number.")
            excluded = str(option.get("excluded", "no")).strip().lower()
            if excluded in YES:
                item["excluded"] = True
            elif excluded not in NO:
                self.problem("choices", crow, "excluded", "'excluded' phải là yes hoặc no.",
                             "'excluded' must be yes or no.")
            items.append(item)
        self.lists[list_name] = items

    def name_other(self, item: dict[str, Any], list_name: str) -> None:
        """The option pyxform adds for ``or_other`` is labelled "Other" in every language; the
        Vietnamese label becomes "Khác" (noted), so a Vietnamese page never shows English."""
        label = item.get("label") or {}
        if "vi" in label and label["vi"] == "Other":
            item["label"] = {**label, "vi": "Khác"}
            self.note("choices", None, "label",
                      f"Danh sách '{list_name}': phương án 'other' do or_other thêm vào được "
                      "ghi nhãn tiếng Việt 'Khác'.",
                      f"List '{list_name}': the option 'other' that or_other adds is labelled "
                      "'Khác' in Vietnamese.")

    def fold_other(self, previous: dict[str, Any], child: dict[str, Any]) -> bool:
        """A ``<name>_other`` text row from ``or_other`` (or from our own export) becomes
        ``other_specify``; a hand-written one with other wording stays a question."""
        name = previous.get("name")
        if (previous.get("type") not in ("single", "multiple") or child.get("type") != "text"
                or child.get("name") != f"{name}_other"):
            return False
        bind = child.get("bind") or {}
        relevant = str(bind.get("relevant", "")).replace(" ", "")
        ours = (relevant == f"selected(${{{name}}},'other')"
                and str(bind.get("required", "")).lower() in YES
                and set(self.text(child.get("label"), (), "survey", None, None).values())
                <= set(OTHER_LABEL.values()))
        generated = (relevant == f"selected(../{name},'other')"
                     and child.get("label") in ("Specify other.", None)
                     and set(child) <= {"type", "name", "label", "bind"}
                     and set(bind) == {"relevant"})
        if not (ours or generated):
            return False
        previous["other_specify"] = True
        if generated:
            self.note("survey", self.rows.get(name), "type",
                      f"'{name} or_other': ô ghi rõ '{name}_other' bắt buộc khi chọn 'other'.",
                      f"'{name} or_other': the text '{name}_other' is required when 'other' is "
                      "chosen.")
        return True
