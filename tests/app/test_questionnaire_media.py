"""Media files of a questionnaire version (XLSForm image/audio columns): stored with the version
on import, served from a route with safe headers, drawn on the respondent page (``<img>`` with
the label as ``alt``, ``<audio controls>``)."""
from __future__ import annotations

import hashlib

from builders import create_user, log_in, open_round_with_entry
from survey_app.extensions import db
from survey_app.models import QuestionnaireMedia, QuestionnaireVersion

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
DEFINITION = {
    "id": "anh", "version": "1", "title": {"vi": "Ảnh", "en": "Pictures"},
    "languages": ["vi", "en"], "respondent_group": "citizen",
    "pages": [{"name": "p1", "title": {"vi": "Trang", "en": "Page"}, "questions": [
        {"name": "office", "type": "single", "label": {"vi": "Trụ sở nào?", "en": "Which office?"},
         "media": {"image": {"vi": "tru_so.png", "en": "office.png"},
                   "audio": {"vi": "hoi.mp3", "en": "hoi.mp3"}},
         "choices": [{"name": "a", "label": {"vi": "Trụ sở A", "en": "Office A"},
                      "media": {"image": {"vi": "a.png", "en": "a.png"}}},
                     {"name": "b", "label": {"vi": "Trụ sở B", "en": "Office B"}}]},
    ]}],
}


def _store(form_key: str, name: str, mimetype: str, content: bytes) -> None:
    row = db.session.scalar(db.select(QuestionnaireVersion).filter_by(form_key=form_key))
    db.session.add(QuestionnaireMedia(questionnaire_version_id=row.id, name=name,
                                      mimetype=mimetype, size=len(content),
                                      sha256=hashlib.sha256(content).hexdigest(), content=content))


def test_the_respondent_page_shows_images_with_their_label_and_audio(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    _store("anh", "tru_so.png", "image/png", PNG)
    _store("anh", "a.png", "image/png", PNG)
    _store("anh", "hoi.mp3", "audio/mpeg", b"ID3" + b"\0" * 8)
    db.session.commit()
    html = client.get(f"/s/{entry.code}").get_data(as_text=True)
    assert '<img class="media" src="/media/anh/1/tru_so.png" alt="Trụ sở nào?">' in html
    assert '<img class="media" src="/media/anh/1/a.png" alt="Trụ sở A">' in html
    assert '<audio controls preload="none" src="/media/anh/1/hoi.mp3"></audio>' in html
    served = client.get("/media/anh/1/tru_so.png")
    assert served.status_code == 200 and served.data == PNG
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client.get("/media/anh/1/hoi.mp3").headers["Content-Type"] == "audio/mpeg"
    assert client.get("/media/anh/1/khong_co.png").status_code == 404
    assert client.get("/media/anh/2/tru_so.png").status_code == 404
    assert client.get("/media/anh/1/..%2Fsecret").status_code == 404


def test_an_english_page_shows_the_english_files(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    db.session.commit()
    english = client.get(f"/s/{entry.code}?lang=en").get_data(as_text=True)
    assert '<img class="media" src="/media/anh/1/office.png" alt="Which office?">' in english


def test_a_drafts_media_is_not_served(client, app_ctx):
    entry = open_round_with_entry(definition=DEFINITION)
    row = db.session.scalar(db.select(QuestionnaireVersion).filter_by(form_key="anh"))
    draft = QuestionnaireVersion(form_key="anh", version="2", status="draft", title="Ảnh",
                                 respondent_group="citizen", content=row.content,
                                 content_hash=row.content_hash)
    db.session.add(draft)
    db.session.flush()
    db.session.add(QuestionnaireMedia(questionnaire_version_id=draft.id, name="a.png",
                                      mimetype="image/png", size=len(PNG), sha256="0" * 64,
                                      content=PNG))
    db.session.commit()
    assert entry.code
    assert client.get("/media/anh/2/a.png").status_code == 404
    log_in(client, create_user("admin"))
    db.session.commit()
    preview = client.get("/media/anh/2/a.png")   # the admin's preview of the draft
    assert preview.status_code == 200 and preview.headers["Cache-Control"] == "private, no-store"
