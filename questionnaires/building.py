"""The dict model (shared by YAML and the JSON API) ↔ :class:`Questionnaire`.

:func:`build_questionnaire` reads the dict, collects *every* problem with its location and
raises :class:`QuestionnaireError` listing them; nothing is half-built. A ``locate`` callback
turns a path into the dict (``("pages", 0, "questions", 2, "relevant")``) into a
``(sheet, row, column)`` of the source file; YAML and XLSForm readers pass their own.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable, Mapping

from questionnaires.checks import check_once
from questionnaires.field_types import extras_to_dict, parse_range
from questionnaires.model import Choice, Label, Page, Question, Questionnaire
from questionnaires.media import media_from_dict, media_to_dict
from questionnaires.types import is_language
from questionnaires.problems import Problem, QuestionnaireError
from questionnaires.types import SIPAS_PARTS

Path = tuple[Any, ...]
Locate = Callable[[Path], tuple[str | None, int | None, str | None]]

FORM_KEYS = ("id", "version", "title", "description", "languages", "respondent_group",
             "sipas", "choice_lists", "pages")
PAGE_KEYS = ("name", "title", "relevant", "group", "questions")
QUESTION_KEYS = ("name", "type", "label", "hint", "required", "relevant", "constraint",
                 "constraint_message", "choices", "list_name", "max_choices", "randomize", "seed",
                 "other_specify", "criterion", "appearance", "max_length", "questions", "range",
                 "calculation", "default", "read_only", "required_message", "guidance_hint",
                 "choice_filter", "repeat_count", "trigger", "media")
CHOICE_KEYS = ("name", "label", "coefficient", "excluded", "properties", "media")


def dotted(path: Path) -> str:
    """``("pages", 0, "name")`` → ``"pages[0].name"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _default_locate(path: Path) -> tuple[str | None, int | None, str | None]:
    return None, None, dotted(path) or None


class _Reader:
    def __init__(self, file: str | None, locate: Locate) -> None:
        self.file = file
        self.locate = locate
        self.problems: list[Problem] = []

    def problem(self, path: Path, vi: str, en: str) -> None:
        sheet, row, column = self.locate(path)
        self.problems.append(Problem(self.file, sheet, row, column, vi, en))

    def mapping(self, value: Any, path: Path, keys: tuple[str, ...], what_vi: str,
                what_en: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.problem(path, f"{what_vi} phải là một bảng khóa: giá trị.",
                         f"The {what_en} must be a mapping of keys to values.")
            return None
        for key in value:
            if key not in keys:
                self.problem(path + (key,), f"Khóa '{key}' không được hỗ trợ trong {what_vi}.",
                             f"The key '{key}' is not allowed in the {what_en}.")
        return value

    def text(self, data: Mapping[str, Any], key: str, path: Path) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(path + (key,), f"'{key}' phải là chuỗi ký tự.", f"'{key}' must be text.")
            return None
        return str(value)

    def flag(self, data: Mapping[str, Any], key: str, path: Path) -> bool:
        value = data.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.problem(path + (key,), f"'{key}' phải là true hoặc false.",
                         f"'{key}' must be true or false.")
            return False
        return value

    def integer(self, data: Mapping[str, Any], key: str, path: Path) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path + (key,), f"'{key}' phải là số nguyên.", f"'{key}' must be an integer.")
            return None
        return value

    def range(self, data: Mapping[str, Any], path: Path) -> tuple | None:
        parsed, problem = parse_range(data.get("range"))
        if problem:
            self.problem(path + ("range",), f"'range' không hợp lệ: {problem[0]}.",
                         f"'range' is not valid: {problem[1]}.")
        return parsed

    def media(self, data: Mapping[str, Any], path: Path) -> tuple:
        return media_from_dict(
            data.get("media"), lambda value: self.label(value, path + ("media",)),
            lambda key, vi, en: self.problem(path + tuple(key.split(".", 1)), vi, en))

    def label(self, value: Any, path: Path) -> Label | None:
        if value is None:
            return None
        if isinstance(value, str):
            return Label(vi=value)
        if not isinstance(value, Mapping):
            self.problem(path, "Nhãn phải có dạng {vi: ..., en: ...}.",
                         "A label must look like {vi: ..., en: ...}.")
            return None
        texts: dict[str, str | None] = {"vi": None, "en": None}
        other: list[tuple[str, str]] = []
        for key, text in value.items():
            if not is_language(key):
                self.problem(path + (str(key),), f"'{key}' không phải tên ngôn ngữ.",
                             f"'{key}' is not a language name.")
            elif text is not None and not isinstance(text, str):
                self.problem(path + (key,),
                             "Nhãn phải là chuỗi ký tự (đặt trong dấu nháy nếu là yes/no/số).",
                             "A label must be text (quote it when it reads as yes/no or a number).")
            elif key in texts:
                texts[key] = text
            elif text is not None:
                other.append((key, text))
        return Label(**texts, other=tuple(other))

    def choice_list(self, value: Any, path: Path) -> tuple[tuple[Choice, ...], list[Path]]:
        if not isinstance(value, list):
            self.problem(path, "Danh sách phương án phải là một danh sách.",
                         "A choice list must be a list.")
            return (), []
        choices: list[Choice] = []
        paths: list[Path] = []
        for index, item in enumerate(value):
            item_path = path + (index,)
            data = self.mapping(item, item_path, CHOICE_KEYS, "phương án", "option")
            if data is None:
                continue
            name = data.get("name")
            if isinstance(name, int) and not isinstance(name, bool):
                name = str(name)
            if not isinstance(name, str):
                self.problem(item_path + ("name",), "Thiếu mã phương án.", "The option code is missing.")
                name = ""
            coefficient = data.get("coefficient")
            if coefficient is not None:
                if isinstance(coefficient, bool) or not isinstance(coefficient, (int, float)):
                    self.problem(item_path + ("coefficient",), "Hệ số phải là một số.",
                                 "The coefficient must be a number.")
                    coefficient = None
                else:
                    coefficient = float(coefficient)
            properties = data.get("properties") or {}
            if not isinstance(properties, Mapping) or not all(
                    isinstance(key, str) and isinstance(text, str)
                    for key, text in properties.items()):
                self.problem(item_path + ("properties",),
                             "'properties' phải là các cặp tên cột: giá trị chữ.",
                             "'properties' must map column names to text values.")
                properties = {}
            choices.append(Choice(name, self.label(data.get("label"), item_path + ("label",))
                                  or Label(), coefficient, self.flag(data, "excluded", item_path),
                                  tuple(properties.items()), self.media(data, item_path)))
            paths.append(item_path)
        return tuple(choices), paths


def build_questionnaire(data: Any, file: str | None = None,
                        locate: Locate | None = None) -> Questionnaire:
    """Build a questionnaire from the dict model, or raise ``QuestionnaireError`` with all problems."""
    reader = _Reader(file, locate or _default_locate)
    form = reader.mapping(data, (), FORM_KEYS, "phiếu", "form")
    if form is None:
        raise QuestionnaireError(reader.problems)

    shared: dict[str, tuple[tuple[Choice, ...], list[Path]]] = {}
    lists = form.get("choice_lists") or {}
    if not isinstance(lists, Mapping):
        reader.problem(("choice_lists",), "'choice_lists' phải là bảng tên → danh sách.",
                       "'choice_lists' must map names to lists.")
        lists = {}
    for list_name, items in lists.items():
        shared[str(list_name)] = reader.choice_list(items, ("choice_lists", list_name))

    question_paths: list[Path] = []
    choice_paths: list[list[Path]] = []

    def question(value: Any, path: Path) -> Question | None:
        q = reader.mapping(value, path, QUESTION_KEYS, "câu hỏi", "question")
        if q is None:
            return None
        name = reader.text(q, "name", path) or ""
        kind = reader.text(q, "type", path) or ""
        question_paths.append(path)
        slot = len(choice_paths)
        choice_paths.append([])
        choices: tuple[Choice, ...] = ()
        list_name = reader.text(q, "list_name", path)
        raw_choices = q.get("choices")
        if isinstance(raw_choices, str):
            if raw_choices not in shared:
                reader.problem(path + ("choices",),
                               f"Không có danh sách phương án '{raw_choices}' trong choice_lists.",
                               f"There is no choice list '{raw_choices}' in choice_lists.")
            else:
                choices, choice_paths[slot] = shared[raw_choices]
                if list_name is not None and list_name != raw_choices:
                    reader.problem(path + ("list_name",),
                                   "'list_name' khác với tên danh sách được tham chiếu.",
                                   "'list_name' differs from the referenced list.")
                list_name = raw_choices
        elif raw_choices is not None:
            choices, choice_paths[slot] = reader.choice_list(raw_choices, path + ("choices",))
            list_name = list_name or name
        children: list[Question] = []
        raw_children = q.get("questions")
        if raw_children is not None:
            if not isinstance(raw_children, list):
                reader.problem(path + ("questions",), "'questions' phải là một danh sách.",
                               "'questions' must be a list.")
            else:
                for index, child in enumerate(raw_children):
                    built = question(child, path + ("questions", index))
                    if built is not None:
                        children.append(built)
        return Question(
            name=name, type=kind,
            label=reader.label(q.get("label"), path + ("label",)) or Label(),
            hint=reader.label(q.get("hint"), path + ("hint",)),
            required=reader.flag(q, "required", path),
            relevant=reader.text(q, "relevant", path),
            constraint=reader.text(q, "constraint", path),
            constraint_message=reader.label(q.get("constraint_message"),
                                            path + ("constraint_message",)),
            choices=choices, list_name=list_name,
            max_choices=reader.integer(q, "max_choices", path),
            randomize=reader.flag(q, "randomize", path),
            seed=reader.integer(q, "seed", path),
            other_specify=reader.flag(q, "other_specify", path),
            criterion=reader.text(q, "criterion", path),
            children=tuple(children),
            appearance=reader.text(q, "appearance", path),
            max_length=reader.integer(q, "max_length", path),
            calculation=reader.text(q, "calculation", path), default=reader.text(q, "default", path),
            read_only=reader.flag(q, "read_only", path), range=reader.range(q, path),
            required_message=reader.label(q.get("required_message"), path + ("required_message",)),
            guidance_hint=reader.label(q.get("guidance_hint"), path + ("guidance_hint",)),
            choice_filter=reader.text(q, "choice_filter", path),
            repeat_count=reader.text(q, "repeat_count", path),
            trigger=reader.text(q, "trigger", path), media=reader.media(q, path),
        )

    pages: list[Page] = []
    page_paths: list[Path] = []
    raw_pages = form.get("pages")
    if not isinstance(raw_pages, list):
        reader.problem(("pages",), "'pages' phải là một danh sách trang.", "'pages' must be a list of pages.")
        raw_pages = []
    for page_index, raw_page in enumerate(raw_pages):
        path = ("pages", page_index)
        page = reader.mapping(raw_page, path, PAGE_KEYS, "trang", "page")
        if page is None:
            continue
        questions: list[Question] = []
        raw_questions = page.get("questions")
        if not isinstance(raw_questions, list):
            reader.problem(path + ("questions",), "'questions' phải là một danh sách.",
                           "'questions' must be a list.")
            raw_questions = []
        for index, raw in enumerate(raw_questions):
            built = question(raw, path + ("questions", index))
            if built is not None:
                questions.append(built)
        pages.append(Page(reader.text(page, "name", path) or "",
                          reader.label(page.get("title"), path + ("title",)) or Label(),
                          tuple(questions), reader.text(page, "relevant", path),
                          reader.flag(page, "group", path) if "group" in page else True))
        page_paths.append(path)

    languages = form.get("languages", ["vi", "en"])
    if not isinstance(languages, list):
        reader.problem(("languages",), "'languages' phải là một danh sách.", "'languages' must be a list.")
        languages = ["vi"]
    parts = SimpleNamespace(
        id=reader.text(form, "id", ()) or "",
        version=reader.text(form, "version", ()) or "",
        title=reader.label(form.get("title"), ("title",)) or Label(),
        description=reader.label(form.get("description"), ("description",)),
        languages=tuple(str(lang) for lang in languages),
        respondent_group=reader.text(form, "respondent_group", ()) or "",
        pages=tuple(pages),
        **_sipas_roles(reader, form.get("sipas")),
    )
    found, checked = check_once(parts)
    for key, vi, en in found:
        kind, *rest = key
        field = tuple(str(rest[-1]).split("."))  # "label.en" → ("label", "en")
        if kind == "form":
            path = field
        elif kind == "page":
            path = page_paths[rest[0]] + field
        elif kind == "question":
            path = question_paths[rest[0]] + field
        else:
            path = choice_paths[rest[0]][rest[1]] + field
        reader.problem(path, vi, en)
    if reader.problems:
        raise QuestionnaireError(list(dict.fromkeys(reader.problems)))
    return Questionnaire(parts.id, parts.version, parts.title, parts.languages,
                         parts.respondent_group, parts.pages, parts.description,
                         parts.sipas_service, parts.sipas_policy, checked)


def _sipas_roles(reader: "_Reader", value: Any) -> dict[str, tuple[str, ...]]:
    """``sipas: {service: [group, ...], policy: [group, ...]}`` → the model's two tuples."""
    roles: dict[str, tuple[str, ...]] = {"sipas_service": (), "sipas_policy": ()}
    if value is None:
        return roles
    if not isinstance(value, Mapping):
        reader.problem(("sipas",), "'sipas' phải có dạng {service: [...], policy: [...]}.",
                       "'sipas' must look like {service: [...], policy: [...]}.")
        return roles
    for part, names in value.items():
        if part not in SIPAS_PARTS:
            reader.problem(("sipas", part), f"Phần SIPAS '{part}' không được hỗ trợ "
                           "(dùng service hoặc policy).",
                           f"The SIPAS part '{part}' is not supported (use service or policy).")
        elif not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            reader.problem(("sipas", part), "Danh sách yếu tố SIPAS phải là danh sách tên nhóm.",
                           "A SIPAS element list must be a list of group names.")
        else:
            roles[f"sipas_{part}"] = tuple(names)
    return roles


# ---------------------------------------------------------------------------- to dict


def label_to_dict(label: Label) -> dict[str, str]:
    """``Label`` → ``{vi: ..., en: ..., other languages}`` without missing languages."""
    return {lang: text for lang, text in (("vi", label.vi), ("en", label.en), *label.other)
            if text is not None}


def _choice_to_dict(choice: Choice) -> dict[str, Any]:
    out: dict[str, Any] = {"name": choice.name, "label": label_to_dict(choice.label)}
    if choice.coefficient is not None:
        out["coefficient"] = float(choice.coefficient)
    if choice.excluded:
        out["excluded"] = True
    if choice.properties:
        out["properties"] = dict(choice.properties)
    if choice.media:
        out["media"] = media_to_dict(choice.media)
    return out


def questionnaire_to_dict(q: Questionnaire) -> dict[str, Any]:
    """The dict model of ``q``: lists used by several questions, or named otherwise than their
    question, go under ``choice_lists``; the others are written inline."""
    uses: dict[str, list[str]] = {}
    for question in q.questions:
        if question.list_name is not None:
            uses.setdefault(question.list_name, []).append(question.name)
    shared = {name for name, users in uses.items() if len(users) > 1 or users[0] != name}

    def question_to_dict(question: Question) -> dict[str, Any]:
        out: dict[str, Any] = {"name": question.name, "type": question.type,
                               "label": label_to_dict(question.label)}
        if question.hint is not None:
            out["hint"] = label_to_dict(question.hint)
        if question.required:
            out["required"] = True
        if question.media:
            out["media"] = media_to_dict(question.media)
        for key in ("relevant", "constraint", "choice_filter", "repeat_count", "trigger"):
            if getattr(question, key) is not None:
                out[key] = getattr(question, key)
        if question.list_name in shared:
            out["choices"] = question.list_name
        elif question.choices or question.list_name is not None:
            out["choices"] = [_choice_to_dict(choice) for choice in question.choices]
        if question.constraint_message is not None:
            out["constraint_message"] = label_to_dict(question.constraint_message)
        for key in ("max_choices", "seed", "criterion", "appearance", "max_length"):
            if getattr(question, key) is not None:
                out[key] = getattr(question, key)
        for key in ("randomize", "other_specify"):
            if getattr(question, key):
                out[key] = True
        out.update(extras_to_dict(question))
        if question.children:
            out["questions"] = [question_to_dict(child) for child in question.children]
        return out

    data: dict[str, Any] = {"id": q.id, "version": q.version, "title": label_to_dict(q.title)}
    if q.description is not None:
        data["description"] = label_to_dict(q.description)
    data["languages"] = list(q.languages)
    data["respondent_group"] = q.respondent_group
    sipas = {part: list(q.sipas_elements(part)) for part in SIPAS_PARTS if q.sipas_elements(part)}
    if sipas:  # written only when present, so other forms keep their content hash
        data["sipas"] = sipas
    lists = q.choice_lists
    if shared:
        data["choice_lists"] = {name: [_choice_to_dict(c) for c in lists[name]]
                                for name in lists if name in shared}
    data["pages"] = [_page_to_dict(page, question_to_dict) for page in q.pages]
    return data


def _page_to_dict(page: Page, question_to_dict: Callable[[Question], dict[str, Any]]) -> dict[str, Any]:
    """``{name, title, relevant?, group?, questions}``; ``relevant`` and ``group`` only when
    they say something, so the content hash of a form without them is unchanged."""
    out: dict[str, Any] = {"name": page.name, "title": label_to_dict(page.title)}
    if page.relevant is not None:
        out["relevant"] = page.relevant
    if not page.group:
        out["group"] = False  # only when false: hashes of existing forms are unchanged
    out["questions"] = [question_to_dict(question) for question in page.questions]
    return out
