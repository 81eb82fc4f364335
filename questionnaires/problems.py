"""Problems found in questionnaire and pack files, and errors found in answers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AnswersInvalid", "Problem", "QuestionnaireError", "ValidationError"]


@dataclass(frozen=True)
class Problem:
    """One problem in a source file, located as precisely as the format allows.

    For YAML, ``row`` is the 1-based line and ``column`` the dotted path of the key
    (``pages[0].questions[2].relevant``); for XLSForm, ``sheet``, the 1-based ``row`` and the
    column header.
    """

    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    message_vi: str
    message_en: str

    def message(self, language: str = "vi") -> str:
        """The message in ``language`` ("vi" or "en")."""
        return self.message_en if language == "en" else self.message_vi

    def location(self) -> str:
        """Where the problem is, e.g. ``form.xlsx, sheet survey, row 4, column relevant``."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}" if self.sheet else f"line {self.row}")
        if self.column:
            parts.append(f"column {self.column}" if self.sheet else self.column)
        return ", ".join(parts) or "(input)"

    def __str__(self) -> str:
        return f"{self.location()}: {self.message_vi} / {self.message_en}"


class QuestionnaireError(ValueError):
    """A questionnaire or pack could not be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        summary = "; ".join(str(problem) for problem in self.problems[:5])
        more = f" (and {count - 5} more)" if count > 5 else ""
        super().__init__(f"{count} problem(s): {summary}{more}")


@dataclass(frozen=True)
class ValidationError:
    """An error in one answer: the ``question`` name, a stable ``code`` and two messages.

    Codes: ``unknown_question``, ``type``, ``choice``, ``max_choices``, ``required``,
    ``constraint``, ``other_required``.
    """

    question: str
    code: str
    message_vi: str
    message_en: str

    def message(self, language: str = "vi") -> str:
        """The message in ``language`` ("vi" or "en")."""
        return self.message_en if language == "en" else self.message_vi


class AnswersInvalid(ValueError):
    """Raised by ``Questionnaire.clean`` when answers do not validate; holds ``errors``."""

    def __init__(self, errors: list[ValidationError]) -> None:
        self.errors = list(errors)
        super().__init__(
            "the answers are not valid: "
            + "; ".join(f"{error.question}: {error.message_en}" for error in self.errors)
        )
