"""Published questionnaires and packs are immutable and identified by their content hash."""
from __future__ import annotations

import dataclasses

import pytest

import questionnaires
from survey_app.extensions import db
from survey_app.models import PublishedDocumentError, QuestionnaireVersion
from survey_app.refusals import Refused
from survey_app.operations.documents import load_questionnaire, publish_pack, publish_questionnaire


def test_published_questionnaire_round_trips_and_cannot_change(app_ctx):
    form = questionnaires.load_bundled("sipas_2025")
    row = publish_questionnaire(form)
    db.session.commit()
    assert row.content_hash == form.content_hash and row.status == "published"
    assert load_questionnaire(row) == form
    assert publish_questionnaire(form).id == row.id  # the same content publishes to the same row

    row.content = {**row.content, "version": "tampered"}
    with pytest.raises(PublishedDocumentError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(PublishedDocumentError):
        db.session.delete(db.session.get(QuestionnaireVersion, row.id))
        db.session.flush()
    db.session.rollback()


def test_same_version_with_other_content_is_refused(app_ctx):
    form = questionnaires.load_bundled("sipas_2025")
    publish_questionnaire(form)
    changed = dataclasses.replace(form, title=questionnaires.Label(vi="Tiêu đề khác", en="Another title"))
    assert changed.content_hash != form.content_hash
    with pytest.raises(Refused) as refused:
        publish_questionnaire(changed)
    assert refused.value.code == "version_taken" and refused.value.status == 409
    assert "publish a new version" in refused.value.message("en")


def test_pack_publishes_once_per_content(app_ctx):
    pack = questionnaires.load_bundled_pack("province_default")
    row = publish_pack(pack, pack.to_dict())
    assert row.content_hash == pack.content_hash
    assert publish_pack(pack, pack.to_dict()).id == row.id
