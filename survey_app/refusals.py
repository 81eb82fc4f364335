"""One way to refuse: ``Refused`` is "the user asked for something that cannot be done".

Operations raise it with a message id (the Vietnamese sentence, marked with ``N_`` so that Babel
extracts it and the English catalogue translates it), the sentence's arguments and an HTTP status.
Views and the API never build refusal text themselves: ``commit_or_flash`` flashes it, the app-wide
handler (``survey_app.errors``) renders it as a page or, under ``/api/``, as a JSON error carrying
both languages. Anything else that escapes a view is a bug: the session is rolled back and the
product's own 500 page is shown.

    raise Refused(N_("Đợt %(code)s đã đóng, không nhận thêm câu trả lời."), status=410,
                  code="round_closed", arguments={"code": survey_round.code})
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol


class Bilingual(Protocol):
    """A sentence that carries its own two languages, as a pure package's problem does
    (``questionnaires.Problem``): a refusal lists it as a detail without a catalogue entry."""

    def message(self, language: str = "vi") -> str: ...


def N_(message_id: str) -> str:
    """Mark a message id for extraction without translating it yet (translated when shown)."""
    return message_id


class Refused(Exception):
    """A request that cannot be done, said in a sentence of the page's language.

    ``message_id`` is a catalogue id with ``%(name)s`` placeholders filled from ``arguments``;
    ``details`` are further lines (each a message id, a ``Refused`` or a :class:`Bilingual`
    sentence) listed under it, for a refusal that names several problems (a frame with bad rows,
    a plan with bad options, a round whose pack and questionnaires do not fit).
    ``code`` is the stable machine-readable name the JSON API reports.
    """

    def __init__(self, message_id: str, *, status: int = 422, code: str = "refused",
                 arguments: Mapping[str, object] | None = None,
                 details: Iterable[Refused | Bilingual | str] = ()):
        self.message_id = message_id
        self.status = status
        self.code = code
        self.arguments = dict(arguments or {})
        self.details = [Refused(d) if isinstance(d, str) else d for d in details]
        super().__init__(self.untranslated())

    def untranslated(self) -> str:
        """The Vietnamese sentence (the message id filled in), for logs and the CLI's default."""
        return _fill(self.message_id, self.arguments)

    def message(self, language: str | None = None) -> str:
        """The sentence in ``language`` (default: the request's locale), through the catalogues."""
        return _translate(self.message_id, self.arguments, language)

    def lines(self, language: str | None = None) -> list[str]:
        """The sentence and every detail, one line each, in ``language``."""
        out = [self.message(language)]
        for detail in self.details:
            if isinstance(detail, Refused):
                out.extend(detail.lines(language))
            else:
                out.append(detail.message(language or _current_language()))
        return out

    def __str__(self) -> str:
        return "\n".join([self.untranslated()] + [
            str(d) if isinstance(d, Refused) else d.message("vi") for d in self.details])


def _fill(message: str, arguments: Mapping[str, object]) -> str:
    return message % arguments if arguments else message


def _current_language() -> str:
    from flask import has_request_context

    if not has_request_context():
        return "vi"
    from survey_app.i18n import current_lang

    return current_lang()


def _translate(message_id: str, arguments: Mapping[str, object], language: str | None) -> str:
    """Translate through Flask-Babel when an app is running; the message id itself otherwise."""
    from flask import has_app_context

    if not has_app_context():
        return _fill(message_id, arguments)
    from flask_babel import force_locale, gettext

    if language is None:
        return gettext(message_id, **arguments)
    with force_locale(language):
        return gettext(message_id, **arguments)
