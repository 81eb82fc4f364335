"""Every check a questionnaire must pass, as located problem records.

:func:`check_questionnaire` returns ``(found, compiled)``: ``found`` is a list of
``(key, message_vi, message_en)`` where ``key`` says what the problem is about —
``("form", field)``, ``("page", page_index, field)``, ``("question", flat_index, field)`` or
``("choice", flat_index, choice_index, field)`` — so that each file format can turn it into a
sheet, row and column; ``compiled`` maps ``(question name, "relevant"|"constraint")`` and
``(page name, "relevant")`` to the parsed :class:`~questionnaires.expressions.Expression` (page
and question names share one namespace, so the keys cannot clash).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from questionnaires.expressions import Expression, ExpressionSyntaxError, parse
from questionnaires.field_types import COMPUTED_TYPES, check_calculation_order, check_field
from questionnaires.media import check_trigger
from questionnaires.types import QUESTION_TYPES, SIPAS_LEVELS, is_language

if TYPE_CHECKING:
    from questionnaires.model import Label, Page, Question, Questionnaire

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CHOICE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
CHOICE_TYPES = ("single", "multiple")
ANSWER_TYPES = ("single", "multiple", "integer", "decimal", "text", "date", "acknowledge", "time",
                "datetime", "range")
VALUED_TYPES = ANSWER_TYPES + COMPUTED_TYPES  # what expressions may refer to
Found = list[tuple[tuple[Any, ...], str, str]]
PARTS = ("id", "version", "title", "languages", "respondent_group", "pages", "description",
         "sipas_service", "sipas_policy")


@dataclass(frozen=True, eq=False)
class Checked:
    """Proof that a questionnaire's parts passed every check: the very objects checked and
    their parsed expressions. :class:`~questionnaires.model.Questionnaire` accepts it instead
    of checking again when its own parts are these objects (compared by identity)."""

    parts: tuple[Any, ...]
    compiled: dict[tuple[str, str], Expression]

    def covers(self, q: Any) -> bool:
        """Whether ``q``'s parts are exactly the objects that were checked."""
        return all(getattr(q, name) is part for name, part in zip(PARTS, self.parts, strict=True))


def check_once(q: Any) -> tuple[Found, Checked | None]:
    """Check ``q`` (a questionnaire or anything with its :data:`PARTS`): the problems found,
    and the proof to hand to the model when there are none."""
    found, compiled = check_questionnaire(q)
    if found:
        return found, None
    return found, Checked(tuple(getattr(q, name) for name in PARTS), compiled)


def _labels(found: Found, key: tuple, label: "Label | None", languages: tuple[str, ...],
            what_vi: str, what_en: str, required: bool = True) -> None:
    if label is None:
        if required:
            found.append((key, f"Thiếu {what_vi}.", f"The {what_en} is missing."))
        return
    for language in label.missing(languages):
        found.append(
            (key[:-1] + (f"{key[-1]}.{language}",), f"Thiếu {what_vi} bằng ngôn ngữ '{language}'.",
             f"The {what_en} in language '{language}' is missing.")
        )


def check_questionnaire(q: "Questionnaire") -> tuple[Found, dict[tuple[str, str], Expression]]:
    """Check ``q``; see the module docstring for the result."""
    found: Found = []
    languages = tuple(q.languages)
    if not languages or len(set(languages)) != len(languages) or any(
        not is_language(lang) for lang in languages
    ):
        found.append(
            (("form", "languages"),
             "Ngôn ngữ phải là danh sách không trùng lặp (vi, en hoặc tên ngôn ngữ như "
             "'Français (fr)').",
             "Languages must be a list without repeats (vi, en or a language name such as "
             "'Français (fr)').")
        )
        languages = tuple(lang for lang in dict.fromkeys(languages) if is_language(lang))
    if not isinstance(q.id, str) or not NAME_RE.match(q.id):
        found.append((("form", "id"),
                      "Mã phiếu (id) phải bắt đầu bằng chữ cái và chỉ gồm chữ, số, dấu gạch dưới.",
                      "The form id must start with a letter and hold only letters, digits and _."))
    if not isinstance(q.version, str) or not q.version.strip():
        found.append((("form", "version"), "Thiếu phiên bản (version).", "The version is missing."))
    if not isinstance(q.respondent_group, str) or not q.respondent_group.strip():
        found.append((("form", "respondent_group"), "Thiếu nhóm đối tượng khảo sát.",
                      "The respondent group is missing."))
    _labels(found, ("form", "title"), q.title, languages, "tiêu đề phiếu", "form title")
    _labels(found, ("form", "description"), q.description, languages, "mô tả", "description",
            required=False)
    if not q.pages:
        found.append((("form", "pages"), "Phiếu không có trang nào.", "The form has no pages."))

    flat: list[Question] = []
    parents: dict[int, int | None] = {}
    page_at: dict[int, int] = {}  # flat index of a top-level question → its page index

    def collect(questions: tuple["Question", ...], parent: int | None, page_index: int) -> None:
        for question in questions:
            index = len(flat)
            flat.append(question)
            parents[index] = parent
            if parent is None:
                page_at[index] = page_index
            collect(question.children, index, page_index)

    seen_names: dict[str, str] = {}
    for page_index, page in enumerate(q.pages):
        key = ("page", page_index, "name")
        if not NAME_RE.match(page.name or ""):
            found.append((key, f"Tên trang '{page.name}' không hợp lệ.",
                          f"The page name '{page.name}' is not valid."))
        elif page.name in seen_names:
            found.append((key, f"Tên '{page.name}' bị trùng.", f"The name '{page.name}' is used twice."))
        seen_names.setdefault(page.name, "page")
        _labels(found, ("page", page_index, "title"), page.title, languages,
                "tiêu đề trang", "page title")
        if not page.questions:
            found.append((("page", page_index, "questions"), f"Trang '{page.name}' không có câu hỏi.",
                          f"The page '{page.name}' has no questions."))
        if page.relevant is not None and (not isinstance(page.relevant, str)
                                          or not page.relevant.strip()):
            found.append((("page", page_index, "relevant"),
                          "Điều kiện hiển thị của trang phải là một biểu thức.",
                          "The page's relevant condition must be an expression."))
        if not page.group:
            _check_groupless_page(found, page_index, page, q.pages)
        collect(page.questions, None, page_index)

    for index, question in enumerate(flat):
        _check_question(found, index, question, languages, seen_names, QUESTION_TYPES)
    _check_other_names(found, flat, seen_names)
    for index, question in enumerate(flat):  # trigger: names anywhere in the form
        check_trigger(lambda field, vi, en, i=index: found.append((("question", i, field), vi, en)),
                      question, {other.name for other in flat})
    _check_shared_lists(found, flat)
    compiled = _check_expressions(found, flat, parents, q.pages, page_at)
    _check_sipas_roles(found, q, flat)
    from questionnaires.repeats import check_repeats

    check_repeats(found, flat, parents, compiled)
    return found, compiled


def _check_groupless_page(found: Found, index: int, page: "Page",
                          pages: tuple["Page", ...]) -> None:
    """A page without a group has no row in an XLSForm to hold a condition, and two in a row
    would read back as one."""
    if page.relevant is not None:
        found.append((("page", index, "relevant"),
                      "Trang không có nhóm (group: false) không thể có điều kiện hiển thị.",
                      "A page without a group (group: false) cannot have a relevant condition."))
    if index > 0 and not pages[index - 1].group:
        found.append((("page", index, "group"),
                      "Hai trang liền nhau không có nhóm (group: false): gộp thành một trang.",
                      "Two pages in a row without a group (group: false): merge them."))


def _check_sipas_roles(found: Found, q: "Questionnaire", flat: list["Question"]) -> None:
    """Each SIPAS element is a group, named once, of single-choice items on the five-level
    satisfaction scale; its items score no criterion (the SIPAS index is their score)."""
    groups = {question.name: question for question in flat if question.type == "group"}
    listed: set[str] = set()
    for part in ("service", "policy"):
        for name in getattr(q, f"sipas_{part}", ()):
            key = ("form", "sipas")
            if name in listed:
                found.append((key, f"Nhóm '{name}' được khai báo hai lần là yếu tố SIPAS.",
                              f"The group '{name}' is declared twice as a SIPAS element."))
                continue
            listed.add(name)
            group = groups.get(name)
            if group is None:
                found.append((key, f"Yếu tố SIPAS '{name}' không phải là nhóm (group) của phiếu.",
                              f"The SIPAS element '{name}' is not a group of the form."))
                continue
            for child in group.children:
                levels = [c for c in child.choices if not c.excluded]
                if child.type != "single" or len(levels) != SIPAS_LEVELS:
                    found.append((key, f"Câu '{child.name}' của yếu tố SIPAS '{name}' phải là câu "
                                  f"chọn một trên thang {SIPAS_LEVELS} mức hài lòng.",
                                  f"Item '{child.name}' of SIPAS element '{name}' must be a "
                                  f"single-choice question on the {SIPAS_LEVELS}-level "
                                  "satisfaction scale."))
                elif child.criterion is not None:
                    found.append((key, f"Câu SIPAS '{child.name}' không được gắn tiêu chí: điểm "
                                  "tiêu chí SIPAS tính từ chỉ số SIPAS.",
                                  f"SIPAS item '{child.name}' may not score a criterion: the "
                                  "SIPAS criterion's points come from the SIPAS index."))


def _check_question(found: Found, index: int, question: "Question", languages: tuple[str, ...],
                    seen_names: dict[str, str], question_types: tuple[str, ...]) -> None:
    name = question.name

    def add(field: str, vi: str, en: str) -> None:
        found.append((("question", index, field), vi, en))

    if not isinstance(name, str) or not NAME_RE.match(name):
        add("name", f"Tên câu hỏi '{name}' không hợp lệ: chỉ dùng chữ cái không dấu, số và dấu _.",
            f"The question name '{name}' is not valid: use ASCII letters, digits and _ only.")
    elif name in seen_names:
        add("name", f"Tên '{name}' bị trùng.", f"The name '{name}' is used twice.")
    seen_names.setdefault(name, "question")
    kind = question.type
    if kind not in question_types:
        add("type", f"Loại câu hỏi '{kind}' không được hỗ trợ.",
            f"The question type '{kind}' is not supported.")
    if kind not in COMPUTED_TYPES + ("group", "repeat") or any(
            question.label.text(lang) for lang in languages):  # ODK groups may have no label
        _labels(found, ("question", index, "label"), question.label, languages,
                "nội dung câu hỏi", "question label")
    for field, text_vi, text_en in (("required_message", "thông báo bắt buộc", "required message"),
                                    ("guidance_hint", "hướng dẫn phỏng vấn", "guidance hint")):
        _labels(found, ("question", index, field), getattr(question, field), languages,
                text_vi, text_en, required=False)
    check_field(add, question, ANSWER_TYPES)
    _labels(found, ("question", index, "hint"), question.hint, languages,
            "gợi ý", "hint", required=False)
    _labels(found, ("question", index, "constraint_message"), question.constraint_message,
            languages, "thông báo ràng buộc", "constraint message", required=False)
    if kind in ("group", "repeat") and not question.children:
        add("questions", f"Nhóm '{name}' không có câu hỏi.", f"The group '{name}' has no questions.")
    if kind not in ("group", "repeat") and question.children:
        add("questions", "Chỉ nhóm (group) mới chứa câu hỏi con.",
            "Only a group may hold questions.")
    if question.required and kind in ("note", "group", "repeat"):
        add("required", "Ghi chú hoặc nhóm không thể bắt buộc trả lời.",
            "A note or a group cannot be required.")
    if question.constraint and kind not in ANSWER_TYPES:
        add("constraint", "Chỉ câu hỏi có câu trả lời mới có ràng buộc.",
            "Only a question that takes an answer may have a constraint.")
    if question.constraint_message is not None and not question.constraint:
        add("constraint_message", "Có thông báo ràng buộc nhưng không có ràng buộc.",
            "There is a constraint message but no constraint.")
    if kind in CHOICE_TYPES:
        _check_choices(found, index, question, languages)
    else:
        for field, present in (("choices", bool(question.choices)),
                               ("list_name", question.list_name is not None),
                               ("randomize", question.randomize),
                               ("other_specify", question.other_specify)):
            if present:
                add(field, f"'{field}' chỉ dùng cho câu hỏi lựa chọn.",
                    f"'{field}' applies to choice questions only.")
    if question.max_choices is not None:
        if kind != "multiple":
            add("max_choices", "'max_choices' chỉ dùng cho câu hỏi chọn nhiều.",
                "'max_choices' applies to multiple-choice questions only.")
        elif (isinstance(question.max_choices, bool) or not isinstance(question.max_choices, int)
              or not 1 <= question.max_choices <= max(1, len(question.choices))):
            add("max_choices", "Số lựa chọn tối đa phải từ 1 đến số phương án.",
                "The maximum number of choices must be between 1 and the number of options.")
    if question.max_length is not None:
        _check_max_length(add, question)
    if question.seed is not None and (not question.randomize or isinstance(question.seed, bool)
                                      or not isinstance(question.seed, int)):
        add("seed", "'seed' phải là số nguyên và chỉ dùng khi xáo trộn phương án.",
            "'seed' must be an integer and is used only with randomize.")
    if question.criterion is not None:
        if kind != "single":
            add("criterion", "Chỉ câu hỏi chọn một mới được gắn tiêu chí chấm điểm.",
                "Only a single-choice question may score a criterion.")
        elif not isinstance(question.criterion, str) or not question.criterion.strip():
            add("criterion", "Mã tiêu chí không hợp lệ.", "The criterion code is not valid.")
        else:
            for choice_index, choice in enumerate(question.choices):
                if not choice.excluded and choice.coefficient is None:
                    found.append((("choice", index, choice_index, "coefficient"),
                                  f"Phương án '{choice.name}' của câu hỏi chấm điểm '{name}' "
                                  "thiếu hệ số (hoặc đánh dấu loại trừ).",
                                  f"Option '{choice.name}' of scoring question '{name}' has no "
                                  "coefficient (nor is it marked excluded)."))


def _check_max_length(add, question: "Question") -> None:
    from questionnaires.answers import TEXT_MAX_LENGTH_CEILING

    if question.type != "text" and not question.other_specify:
        add("max_length", "'max_length' chỉ dùng cho câu hỏi nhập chữ hoặc có phương án khác.",
            "'max_length' applies to text questions and to the 'other' text only.")
    elif (isinstance(question.max_length, bool) or not isinstance(question.max_length, int)
          or not 1 <= question.max_length <= TEXT_MAX_LENGTH_CEILING):
        add("max_length", f"Độ dài tối đa phải là số nguyên từ 1 đến {TEXT_MAX_LENGTH_CEILING}.",
            f"The maximum length must be a whole number from 1 to {TEXT_MAX_LENGTH_CEILING}.")


def _check_choices(found: Found, index: int, question: "Question",
                   languages: tuple[str, ...]) -> None:
    if not question.choices:
        found.append((("question", index, "choices"),
                      f"Câu hỏi '{question.name}' không có phương án trả lời.",
                      f"The question '{question.name}' has no options."))
    if question.list_name is not None and not NAME_RE.match(question.list_name):
        found.append((("question", index, "list_name"),
                      f"Tên danh sách phương án '{question.list_name}' không hợp lệ.",
                      f"The choice list name '{question.list_name}' is not valid."))
    names: set[str] = set()
    for choice_index, choice in enumerate(question.choices):
        def add(field: str, vi: str, en: str) -> None:
            found.append((("choice", index, choice_index, field), vi, en))

        if not isinstance(choice.name, str) or not CHOICE_NAME_RE.match(choice.name):
            add("name", f"Mã phương án '{choice.name}' không hợp lệ (không dấu cách, không dấu).",
                f"The option code '{choice.name}' is not valid (no spaces, ASCII only).")
        elif choice.name in names:
            add("name", f"Mã phương án '{choice.name}' bị trùng.",
                f"The option code '{choice.name}' is used twice.")
        names.add(choice.name)
        if not choice.media or choice.label != type(choice.label)():  # image-only: ODK allows
            _labels(found, ("choice", index, choice_index, "label"), choice.label, languages,
                    "nhãn phương án", "option label")
        coefficient = choice.coefficient
        if coefficient is not None:
            if (isinstance(coefficient, bool) or not isinstance(coefficient, (int, float))
                    or math.isnan(coefficient) or not 0 <= coefficient <= 1):
                add("coefficient", f"Hệ số của phương án '{choice.name}' phải nằm trong [0, 1].",
                    f"The coefficient of option '{choice.name}' must lie in [0, 1].")
            elif choice.excluded:
                add("coefficient", f"Phương án bị loại trừ '{choice.name}' không được có hệ số.",
                    f"The excluded option '{choice.name}' may not have a coefficient.")
    if question.other_specify and "other" not in names:
        found.append((("question", index, "other_specify"),
                      "Câu hỏi có 'khác, ghi rõ' phải có phương án mã 'other'.",
                      "A question with 'other, please specify' needs an option coded 'other'."))


def _check_other_names(found: Found, flat: list["Question"], seen: dict[str, str]) -> None:
    for index, question in enumerate(flat):
        if question.other_specify and question.other_name in seen:
            found.append((("question", index, "other_specify"),
                          f"Tên '{question.other_name}' dành cho ô 'ghi rõ' đã được dùng.",
                          f"The name '{question.other_name}' needed for 'please specify' is taken."))


def _check_shared_lists(found: Found, flat: list["Question"]) -> None:
    first: dict[str, "Question"] = {}
    for index, question in enumerate(flat):
        if question.list_name is None:
            continue
        earlier = first.setdefault(question.list_name, question)
        if earlier is not question and earlier.choices != question.choices:
            found.append((("question", index, "list_name"),
                          f"Danh sách '{question.list_name}' có phương án khác với câu "
                          f"'{earlier.name}'.",
                          f"The list '{question.list_name}' has other options than in question "
                          f"'{earlier.name}'."))


def _parse_relevant_or_constraint(found: Found, key: tuple, text: Any, kind: str,
                                  valued: set[str]) -> tuple[Expression | None, bool]:
    """Parse one expression; ``(expression or None, usable)`` where usable means no problem."""
    try:
        expression = parse(text)
    except ExpressionSyntaxError as error:
        found.append((key, f"Biểu thức '{text}' sai cú pháp: {error}.",
                      f"The expression '{text}' has a syntax error: {error}."))
        return None, False
    unknown = sorted(expression.references - valued)
    for name in unknown:
        found.append((key,
                      f"Biểu thức tham chiếu câu hỏi không tồn tại hoặc không có câu trả "
                      f"lời: ${{{name}}}.",
                      f"The expression refers to an unknown question or one without an "
                      f"answer: ${{{name}}}."))
    if kind != "constraint" and expression.uses_current:
        found.append((key, "Điều kiện hiển thị không được dùng '.'.",
                      "A relevant expression may not use '.'."))
        return expression, False
    return expression, not unknown


def _parse_choice_filter(found: Found, index: int, question: "Question",
                         valued: set[str]) -> Expression | None:
    """A ``choice_filter``: ``${…}`` of answered questions and the list's own columns."""
    key = ("question", index, "choice_filter")
    if question.type not in ("single", "multiple"):
        found.append((key, "'choice_filter' chỉ dùng cho câu hỏi chọn phương án.",
                      "'choice_filter' applies to choice questions only."))
        return None
    try:
        expression = parse(question.choice_filter, columns=True)
    except ExpressionSyntaxError as error:
        found.append((key, f"Biểu thức '{question.choice_filter}' sai cú pháp: {error}.",
                      f"The expression '{question.choice_filter}' has a syntax error: {error}."))
        return None
    known = {"name"} | {column for choice in question.choices for column, _ in choice.properties}
    problems = [(f"Biểu thức tham chiếu câu hỏi không tồn tại hoặc không có câu trả lời: "
                 f"${{{name}}}.", f"The expression refers to an unknown question or one "
                 f"without an answer: ${{{name}}}.")
                for name in sorted(expression.references - valued)]
    problems += [(f"Danh sách phương án không có cột '{column}'.",
                  f"The choice list has no column '{column}'.")
                 for column in sorted(expression.columns - known)]
    if question.name in expression.references or expression.uses_current:
        problems.append(("'choice_filter' không được dùng chính câu hỏi hoặc '.'.",
                         "A 'choice_filter' may not use its own question or '.'."))
    found.extend((key, vi, en) for vi, en in problems)
    return None if problems else expression


def _check_expressions(found: Found, flat: list["Question"], parents: dict[int, int | None],
                       pages: tuple["Page", ...],
                       page_at: dict[int, int]) -> dict[tuple[str, str], Expression]:
    compiled: dict[tuple[str, str], Expression] = {}
    valued = {q.name for q in flat if q.type in VALUED_TYPES}
    by_name = {q.name: i for i, q in enumerate(flat)}
    computed_order = [q.name for q in flat if q.type in COMPUTED_TYPES]
    # relevance graph: nodes 0..len(flat)-1 are questions, len(flat)+p is page p
    references: dict[int, Expression] = {}
    for index, question in enumerate(flat):
        for kind in ("relevant", "constraint", "calculation"):
            text = getattr(question, kind)
            if text is None:
                continue
            expression, usable = _parse_relevant_or_constraint(
                found, ("question", index, kind), text, kind, valued)
            if kind == "calculation" and expression is not None:
                usable = check_calculation_order(found, index, question.name, expression,
                                                 computed_order) and usable
            if expression is not None and kind == "relevant":
                references[index] = expression
            if usable and expression is not None:
                compiled[(question.name, kind)] = expression
        if question.choice_filter is not None:
            expression = _parse_choice_filter(found, index, question, valued)
            if expression is not None:
                compiled[(question.name, "choice_filter")] = expression
    for page_index, page in enumerate(pages):
        if not isinstance(page.relevant, str) or not page.relevant.strip():
            continue
        expression, usable = _parse_relevant_or_constraint(
            found, ("page", page_index, "relevant"), page.relevant, "relevant", valued)
        if expression is not None:
            references[len(flat) + page_index] = expression
        if usable and expression is not None:
            compiled[(page.name, "relevant")] = expression
    # edges: own relevant references, plus the enclosing group or (at top level) the page
    edges: dict[int, list[int]] = {}
    for node in range(len(flat) + len(pages)):
        targets: list[int] = []
        expression = references.get(node)
        if expression is not None:
            targets = sorted(by_name[name] for name in expression.references if name in by_name)
        if node < len(flat):
            if parents.get(node) is not None:
                targets.append(parents[node])  # type: ignore[arg-type]
            elif node in page_at:
                targets.append(len(flat) + page_at[node])
        edges[node] = targets

    def node_name(node: int) -> str:
        return flat[node].name if node < len(flat) else pages[node - len(flat)].name

    for cycle in _cycles(edges):
        names = " → ".join(node_name(i) for i in cycle + [cycle[0]])
        first = cycle[0]
        key = (("question", first, "relevant") if first < len(flat)
               else ("page", first - len(flat), "relevant"))
        found.append((key, f"Điều kiện hiển thị tạo vòng lặp: {names}.",
                      f"The relevant expressions form a cycle: {names}."))
    return compiled


def _cycles(edges: dict[int, list[int]]) -> list[list[int]]:
    """One cycle per strongly connected loop, each listed once (iterative DFS)."""
    state = dict.fromkeys(edges, 0)  # 0 new, 1 on stack, 2 done
    cycles: list[list[int]] = []
    for start in edges:
        if state[start]:
            continue
        stack: list[tuple[int, int]] = [(start, 0)]
        path: list[int] = []
        while stack:
            node, position = stack.pop()
            if position == 0:
                state[node] = 1
                path.append(node)
            targets = edges[node]
            if position < len(targets):
                stack.append((node, position + 1))
                target = targets[position]
                if state[target] == 0:
                    stack.append((target, 0))
                elif state[target] == 1:
                    cycles.append(path[path.index(target):])
            else:
                state[node] = 2
                path.pop()
    return cycles
