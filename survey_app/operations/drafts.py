"""Drafts of answers saved part-way, and the resume keys under which they are found again."""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from survey_app.extensions import db
from survey_app.models import Draft
from survey_app.models.base import utcnow
from survey_app.operations.dispositions import record_draft
from survey_app.tokens import new_token, token_hash

if TYPE_CHECKING:
    from survey_app.operations.answer_sources import Source

# A QR respondent's resume key is made by the server: 32 random characters and a keyed signature
# binding them to the entry point. A key chosen by someone else (a crafted ``?resume=`` link) fails
# the signature; a key of another entry point fails it too.
RESUME_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{22}$")
# Keys made before signatures existed: honoured only to move an existing draft to a signed key.
LEGACY_RESUME_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _resume_binding(source: Source) -> str:
    if source.invitation is not None:
        return f"invitation:{source.invitation.id}"
    return f"entry:{source.entry_point.id}"


def _resume_signature(body: str, source: Source) -> str:
    digest = bytes.fromhex(token_hash(f"resume:{_resume_binding(source)}:{body}"))
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def new_resume_key(source: Source) -> str:
    """A new key under which a QR respondent's draft is kept (the browser's cookie holds it)."""
    body = new_token()[:32]
    return f"{body}.{_resume_signature(body, source)}"


def is_issued_resume_key(key: str | None, source: Source) -> bool:
    """True when ``key`` was made by this server for this source."""
    if not isinstance(key, str) or not RESUME_KEY_RE.match(key):
        return False
    body, signature = key.split(".")
    return hmac.compare_digest(signature, _resume_signature(body, source))


def claim_draft(key: str | None, source: Source) -> str | None:
    """Move the draft kept under ``key`` for this source to a new key and return it (``None`` when
    there is no such draft). The old key stops working: a resume link opens the draft once, and
    whoever sent it cannot read what is answered after."""
    if not isinstance(key, str) or not (
        is_issued_resume_key(key, source) or LEGACY_RESUME_KEY_RE.match(key)
    ):
        return None
    draft = load_draft(key, source)
    if draft is None:
        return None
    fresh = new_resume_key(source)
    draft.resume_key_hash = draft_hash(fresh)
    db.session.flush()
    return fresh


def invitation_resume_key(token: str) -> str:
    """An invitation's draft is found again from its link alone, on any device."""
    return "invitation:" + token


def draft_hash(resume_key: str) -> str:
    return token_hash("draft:" + resume_key)


def load_draft(resume_key: str, source: Source) -> Draft | None:
    """The draft kept under ``resume_key`` for this source's round and form, or ``None``."""
    if not resume_key:
        return None
    draft = db.session.scalar(select(Draft).filter_by(resume_key_hash=draft_hash(resume_key)))
    if (
        draft is None
        or draft.round_id != source.round.id
        or draft.questionnaire_id != source.questionnaire_row.id
    ):
        return None
    return draft


def save_draft(
    resume_key: str,
    source: Source,
    answers: Mapping[str, Any],
    paradata: Mapping[str, Any],
    page_index: int,
) -> Draft:
    """Create or update the draft under ``resume_key``; answers are kept as typed, not validated."""
    draft = load_draft(resume_key, source)
    if draft is None:
        draft = Draft(
            resume_key_hash=draft_hash(resume_key),
            round_id=source.round.id,
            questionnaire_id=source.questionnaire_row.id,
        )
        db.session.add(draft)
    draft.answers = dict(answers)
    draft.paradata = dict(paradata)
    draft.page_index = int(page_index)
    draft.updated_at = utcnow()
    if source.invitation is not None and source.invitation.disposition in ("unknown",
                                                                            "non_contact"):
        record_draft(source.invitation, source.round.anonymous)  # AAPOR partial
    db.session.flush()
    return draft


def delete_draft(resume_key: str) -> None:
    db.session.execute(delete(Draft).where(Draft.resume_key_hash == draft_hash(resume_key)))
