"""Methodology packs and questionnaires: versioned documents, immutable once published."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from survey_app.models.base import Base, utcnow

DOCUMENT_STATUSES = ("draft", "published")


class PublishedDocumentError(RuntimeError):
    """Raised when code tries to change a published document."""


class _VersionedDocument:
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def is_published(self) -> bool:
        return self.status == "published"


class MethodologyPack(Base, _VersionedDocument):
    """A criteria tree with points, survey-assessed criteria and applicability (a
    ``questionnaires`` pack)."""

    __tablename__ = "methodology_packs"
    __table_args__ = (UniqueConstraint("pack_key", "version",
                                       name="uq_methodology_packs_key_version"),)

    pack_key: Mapped[str] = mapped_column(String(64))


class QuestionnaireVersion(Base, _VersionedDocument):
    """One version of a questionnaire; ``content`` is the ``questionnaires`` model as a dict."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("form_key", "version",
                                       name="uq_questionnaire_versions_key_version"),)

    form_key: Mapped[str] = mapped_column(String(64))
    respondent_group: Mapped[str] = mapped_column(String(32))


@event.listens_for(Session, "before_flush")
def _refuse_edits_to_published(session, flush_context, instances) -> None:
    # Nothing of a published version changes, not even its status; the database refuses it too
    # (revision 0005), this only says so before the UPDATE is sent.
    for obj in session.dirty:
        if not isinstance(obj, (MethodologyPack, QuestionnaireVersion)):
            continue
        attrs = inspect(obj).attrs
        status = attrs.status.history
        was_published = "published" in (status.deleted or ()) or (
            not status.has_changes() and obj.status == "published"
        )
        if was_published and any(attr.history.has_changes() for attr in attrs):
            raise PublishedDocumentError(
                f"{obj.__tablename__} {obj.id} is published and cannot be changed; "
                "publish a new version."
            )
    for obj in session.deleted:
        if isinstance(obj, (MethodologyPack, QuestionnaireVersion)) and obj.is_published:
            raise PublishedDocumentError(
                f"{obj.__tablename__} {obj.id} is published and cannot be deleted.")
