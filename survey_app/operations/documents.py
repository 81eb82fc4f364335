"""Registering questionnaires and methodology packs as published, immutable document versions."""
from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import MethodologyPack, QuestionnaireVersion
from survey_app.models.base import utcnow
from survey_app.refusals import N_, Refused


def publish_questionnaire(questionnaire) -> QuestionnaireVersion:
    """Store a ``questionnaires.Questionnaire`` as a published version, or return the stored twin.

    Publishing the same id and version again with other content is refused.
    """
    existing = db.session.scalar(
        db.select(QuestionnaireVersion).filter_by(form_key=questionnaire.id,
                                                  version=questionnaire.version)
    )
    if existing is not None:
        if existing.content_hash != questionnaire.content_hash:
            raise Refused(N_("Phiếu %(form)s phiên bản %(version)s đã công bố với nội dung khác; "
                             "hãy tăng số phiên bản."), status=409, code="version_taken",
                          arguments={"form": questionnaire.id, "version": questionnaire.version})
        return existing
    row = QuestionnaireVersion(
        form_key=questionnaire.id, version=questionnaire.version,
        title=questionnaire.title.get("vi"), respondent_group=questionnaire.respondent_group,
        content=questionnaire.to_dict(),
        content_hash=questionnaire.content_hash, status="published", published_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def load_questionnaire(row: QuestionnaireVersion):
    """The ``questionnaires.Questionnaire`` a stored version holds."""
    from questionnaires import Questionnaire

    return Questionnaire.from_dict(row.content)


def publish_pack(pack, content: dict) -> MethodologyPack:
    """Store a methodology pack (its source ``content`` as a dict) as a published version."""
    existing = db.session.scalar(
        db.select(MethodologyPack).filter_by(pack_key=pack.id, version=pack.version))
    if existing is not None:
        if existing.content_hash != pack.content_hash:
            raise Refused(N_("Bộ phương pháp %(pack)s phiên bản %(version)s đã công bố với nội "
                             "dung khác; hãy tăng số phiên bản."), status=409,
                          code="version_taken", arguments={"pack": pack.id, "version": pack.version})
        return existing
    title = getattr(pack, "title", pack.id)
    row = MethodologyPack(
        pack_key=pack.id, version=pack.version, title=getattr(title, "vi", None) or str(title),
        content=content, content_hash=pack.content_hash, status="published",
        published_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row
