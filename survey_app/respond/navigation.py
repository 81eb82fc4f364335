"""Which pages a respondent sees, given the answers so far (server-side skip logic)."""
from __future__ import annotations

from typing import Any, Mapping

from survey_app.respond.forms import page_questions


def visible_pages(questionnaire, answers: Mapping[str, Any]) -> list[int]:
    """Indexes of the pages holding at least one relevant question."""
    relevant = questionnaire.relevant_names(answers)
    return [index for index, page in enumerate(questionnaire.pages)
            if any(question.name in relevant for question in page.questions)]


def next_page(questionnaire, answers: Mapping[str, Any], index: int) -> int | None:
    """The next visible page after ``index``, or ``None`` when ``index`` is the last."""
    later = [i for i in visible_pages(questionnaire, answers) if i > index]
    return later[0] if later else None


def previous_page(questionnaire, answers: Mapping[str, Any], index: int) -> int:
    earlier = [i for i in visible_pages(questionnaire, answers) if i < index]
    return earlier[-1] if earlier else 0


def progress(questionnaire, answers: Mapping[str, Any], index: int) -> tuple[int, int]:
    """``(position, count)`` of page ``index`` among the visible pages, 1-based."""
    pages = visible_pages(questionnaire, answers)
    if index not in pages:
        pages = sorted(set(pages) | {index})
    return pages.index(index) + 1, len(pages)


def first_error_page(questionnaire, error_names: set[str]) -> int:
    """The first page holding a question named in ``error_names`` (0 if none does)."""
    for index, page in enumerate(questionnaire.pages):
        names = {q.name for q in page_questions(page)} | {q.other_name for q in page_questions(page)}
        if names & error_names:
            return index
    return 0
