"""One way to refuse: ``Refused`` reaches a page, the API and a flash in the page's language; an
unexpected error shows the product's 500 page and leaves nothing written."""
from __future__ import annotations

import pytest

from survey_app.extensions import db
from survey_app.models import Province
from survey_app.refusals import N_, Refused
from tests.conftest import make_test_app

CLOSED = N_("Đợt %(code)s đã đóng, không nhận thêm câu trả lời.")


@pytest.fixture
def refusing_app(migrated_database, tmp_path, monkeypatch):
    """The real app with two extra routes: one refuses, one fails after writing a row."""
    monkeypatch.setenv("PAR_SURVEY_INSTANCE", str(tmp_path / "instance"))
    app = make_test_app(migrated_database, tmp_path / "instance", PROPAGATE_EXCEPTIONS=False)

    def refuse():
        raise Refused(CLOSED, status=410, code="round_closed", arguments={"code": "KS-2025"},
                      details=[N_("Không tìm thấy.")])

    def fail_after_writing():
        db.session.add(Province(code="FAIL", name="Tỉnh lỗi"))
        db.session.flush()
        raise RuntimeError("a bug")

    app.add_url_rule("/refuse-test", "refuse_test", refuse)
    app.add_url_rule("/api/v1/refuse-test", "api_refuse_test", refuse)
    app.add_url_rule("/fail-test", "fail_test", fail_after_writing)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_refusal_reads_in_each_language_on_a_page(refusing_app):
    client = refusing_app.test_client()
    page = client.get("/refuse-test")
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "Đợt KS-2025 đã đóng, không nhận thêm câu trả lời." in text
    assert "Không tìm thấy." in text
    english = client.get("/refuse-test?lang=en").get_data(as_text=True)
    assert "Round KS-2025 is closed and takes no more answers." in english
    assert "đã đóng" not in english


def test_refusal_carries_both_languages_through_the_api(refusing_app):
    response = refusing_app.test_client().get("/api/v1/refuse-test")
    assert response.status_code == 410
    error = response.get_json()["error"]
    assert error["code"] == "round_closed"
    assert error["message_vi"].startswith("Đợt KS-2025 đã đóng")
    assert error["message_en"].startswith("Round KS-2025 is closed")


def test_refusal_outside_a_request_is_the_vietnamese_sentence():
    refused = Refused(CLOSED, arguments={"code": "A"}, details=["Dòng 2 thiếu mã đơn vị."])
    assert str(refused) == "Đợt A đã đóng, không nhận thêm câu trả lời.\nDòng 2 thiếu mã đơn vị."
    assert refused.status == 422


def test_unexpected_error_shows_the_500_page_and_rolls_back(refusing_app):
    client = refusing_app.test_client()
    page = client.get("/fail-test")
    assert page.status_code == 500
    assert "Lỗi hệ thống" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    with refusing_app.app_context():
        assert db.session.query(Province).filter_by(code="FAIL").count() == 0


@pytest.mark.parametrize("lang,heading", [("vi", "Không tìm thấy trang"), ("en", "Page not found")])
def test_own_404_page_in_the_page_language(client, lang, heading):
    page = client.get(f"/no-such-page?lang={lang}")
    assert page.status_code == 404
    assert f"<h1>{heading}</h1>" in page.get_data(as_text=True)


def test_api_404_stays_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["message_en"] == "Not found."


NOT_PUBLISHED = {
    "vi": "Đợt KQ-NHAP chưa được công bố; chỉ xuất kết quả của đợt đã công bố.",
    "en": "Round KQ-NHAP is not published; only published rounds are exported.",
}


@pytest.fixture
def unpublished_round(app):
    """A closed (not published) round with answers, and a council member logged in; no app
    context stays pushed, so each request chooses its own language."""
    from types import SimpleNamespace

    from tests.builders import create_scored_round, create_user, log_in

    with app.app_context():
        create_scored_round(status="closed", code="KQ-NHAP")
        reader = SimpleNamespace(username=create_user("council").username)
        db.session.commit()
    client = app.test_client()
    log_in(client, reader)
    return client


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_operations_refusal_reads_the_same_on_a_staff_page(app, unpublished_round, lang):
    client = unpublished_round
    client.get(f"/?lang={lang}")  # the language is kept in the session
    page = client.post("/results/KQ-NHAP/exports", data={"kind": "json"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert f'<p class="flash error" role="status">{NOT_PUBLISHED[lang]}</p>' in text
    other = "en" if lang == "vi" else "vi"
    assert NOT_PUBLISHED[other] not in text
    with app.app_context():
        from survey_app.models import ExportJob

        assert db.session.query(ExportJob).count() == 0  # nothing was queued


def test_an_operations_refusal_reads_the_same_through_the_api(unpublished_round):
    response = unpublished_round.get("/api/v1/rounds/KQ-NHAP/export?format=json")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "round_not_published"
    assert (error["message_vi"], error["message_en"]) == (NOT_PUBLISHED["vi"], NOT_PUBLISHED["en"])


def test_an_unknown_round_is_a_404_refusal_in_both_languages(unpublished_round):
    response = unpublished_round.get("/api/v1/rounds/KHONG-CO/export?format=json")
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "round_not_found"
    assert error["message_vi"] == "Không có đợt khảo sát KHONG-CO."
    assert error["message_en"] == "There is no survey round KHONG-CO."
