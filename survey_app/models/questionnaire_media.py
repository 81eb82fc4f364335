"""The image and audio files a questionnaire version names (XLSForm ``image``, ``audio`` …
columns), uploaded with the form, checked by ``questionnaires.media`` and served to the
respondent pages. They belong to their version: a draft imported again replaces them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from survey_app.models.base import Base, utcnow


class QuestionnaireMedia(Base):
    __tablename__ = "questionnaire_media"
    __table_args__ = (UniqueConstraint("questionnaire_version_id", "name",
                                       name="uq_questionnaire_media_version_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
