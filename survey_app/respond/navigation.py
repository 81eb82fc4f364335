"""Which pages a respondent sees, given the answers so far (server-side skip logic).

A page is visible when at least one of its questions is relevant: a page whose own ``relevant``
is false hides all its questions (``questionnaires`` rule), so it is skipped forwards and
backwards and left out of the progress count, like a page whose questions are all hidden.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_app.respond.forms import page_questions
from survey_app.respond.repeat_rows import repeat_of


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
    """The visible page before ``index``; the first visible page (or ``index``) if none is."""
    pages = visible_pages(questionnaire, answers)
    earlier = [i for i in pages if i < index]
    if earlier:
        return earlier[-1]
    return pages[0] if pages else index


def first_page(questionnaire, answers: Mapping[str, Any]) -> int:
    """The first visible page (0 when none is): where the privacy notice and consent go."""
    pages = visible_pages(questionnaire, answers)
    return pages[0] if pages else 0


def landing_page(questionnaire, answers: Mapping[str, Any], index: int) -> int:
    """``index`` if visible, else the next visible page, else the last visible one before it.

    A stored draft or a posted page number may point at a page that the answers now skip.
    """
    pages = visible_pages(questionnaire, answers)
    if not pages or index in pages:
        return index
    later = [i for i in pages if i > index]
    return later[0] if later else pages[-1]


def progress(questionnaire, answers: Mapping[str, Any], index: int) -> tuple[int, int]:
    """``(position, count)`` of page ``index`` among the visible pages, 1-based."""
    pages = visible_pages(questionnaire, answers)
    if index not in pages:
        pages = sorted(set(pages) | {index})
    return pages.index(index) + 1, len(pages)


def first_error_page(questionnaire, error_names: set[str]) -> int:
    """The first page holding a question named in ``error_names`` (0 if none does)."""
    error_names = {repeat_of(name) for name in error_names}  # a row's error: its repeat
    for index, page in enumerate(questionnaire.pages):
        names = {q.name for q in page_questions(page)} | {q.other_name for q in page_questions(page)}
        if names & error_names:
            return index
    return 0
