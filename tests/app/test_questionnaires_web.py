"""The questionnaire library for staff (issue 12): list, preview as respondents see it with skip
rules in words, import (XLSForm or YAML, the CLI's operation and problem list), downloads, and
publishing as a deliberate, confirmed step. Hostile uploads store nothing."""
from __future__ import annotations

import io

import pytest
import questionnaires
import yaml
from builders import create_user, log_in, small_questionnaire_dict
from questionnaires import Questionnaire

from survey_app.commands.questionnaire import questionnaire_cli
from survey_app.extensions import db
from survey_app.models import AuditEvent, QuestionnaireVersion


@pytest.fixture
def admin(app_ctx, client):
    user = create_user("admin")
    db.session.commit()
    log_in(client, user)
    return user


def stored() -> list[QuestionnaireVersion]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(QuestionnaireVersion)))


def xlsform_of(definition: dict, tmp_path, group: bool = True) -> bytes:
    path = tmp_path / "form.xlsx"
    questionnaires.write_xlsform(Questionnaire.from_dict(definition), path)
    if not group:  # take par_respondent_group out of the settings sheet
        import openpyxl

        book = openpyxl.load_workbook(path)
        settings = book["settings"]
        column = [c.value for c in settings[1]].index("par_respondent_group") + 1
        settings.delete_cols(column)
        book.save(path)
    return path.read_bytes()


def upload(client, data: bytes, filename: str, **fields):
    return client.post("/admin/questionnaires/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), filename), **fields})


def test_list_names_bundled_questionnaires_and_packs_in_the_page_language(client, admin):
    html = client.get("/admin/questionnaires").get_data(as_text=True)
    sipas = questionnaires.load_bundled("sipas_2025")
    assert sipas.title.get("vi") in html and "Người dân, tổ chức" in html
    assert "Mẫu có sẵn" in html and sipas.version in html
    pack = questionnaires.load_bundled_pack("province_default")
    assert pack.title.get("vi") in html


def test_preview_draws_every_page_with_the_respondent_fields_and_rules_in_words(client, admin):
    html = client.get("/admin/questionnaires/bundled/sipas_2025").get_data(as_text=True)
    sipas = questionnaires.load_bundled("sipas_2025")
    assert html.count('class="preview-page"') == len(sipas.pages)
    for question in sipas.questions:   # every question, as the respondent template names it
        if question.type in ("single", "multiple"):
            assert f'id="q-{question.name}"' in html
    assert 'id="rule-' in html and "chỉ hiện khi câu" in html
    assert "${" not in html   # the rule is said in words, not as an expression


def test_skip_rule_is_explained_with_question_and_option_labels(client, admin, tmp_path):
    data = xlsform_of(small_questionnaire_dict(form_id="mau_thu"), tmp_path)
    reply = upload(client, data, "mau.xlsx")
    assert reply.status_code == 302, reply.get_data(as_text=True)
    row = stored()[0]
    html = client.get(f"/admin/questionnaires/stored/{row.id}").get_data(as_text=True)
    assert ("chỉ hiện khi câu “Ông/Bà có nộp hồ sơ trực tuyến không?” được trả lời “Có”"
            in html)
    from questionnaires.rules_text import describe_rule

    form = Questionnaire.from_dict(small_questionnaire_dict())
    assert (describe_rule(form, "${used_online} = 'yes'", "en")
            == "shown only when question “Did you apply online?” is answered “Yes”")
    assert (describe_rule(form, "selected(${priorities}, 'fees') or ${age} >= 60", "en")
            == "shown only when question “Priorities to improve” has “Fees” ticked or "
               "question “Age” is at least 60")
    assert describe_rule(form, "${age} * 2 > 3", "vi") == "chỉ hiện khi biểu thức “${age} * 2 > 3”"


def test_xlsform_import_stores_a_draft_then_publishing_needs_the_confirmation(
        client, admin, tmp_path):
    reply = upload(client, xlsform_of(small_questionnaire_dict(form_id="mau_thu"), tmp_path),
                   "mau.xlsx")
    assert reply.status_code == 302
    (row,) = stored()
    assert (row.form_key, row.status) == ("mau_thu", "draft")
    confirm = client.get(f"/admin/questionnaires/stored/{row.id}/publish")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "không thể sửa hay xoá" in html and 'method="post"' in html
    assert stored()[0].status == "draft"   # the confirmation page changes nothing
    client.post(f"/admin/questionnaires/stored/{row.id}/publish")
    (row,) = stored()
    assert row.status == "published" and row.published_at is not None
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"questionnaire.import", "questionnaire.publish"} <= actions
    again = upload(client, xlsform_of(small_questionnaire_dict(form_id="mau_thu"), tmp_path),
                   "mau.xlsx")
    assert again.status_code == 400 and "tăng số phiên bản" in again.get_data(as_text=True)


def test_missing_respondent_group_is_asked_with_a_select(client, admin, tmp_path):
    data = xlsform_of(small_questionnaire_dict(form_id="khong_nhom"), tmp_path, group=False)
    form = client.get("/admin/questionnaires/import").get_data(as_text=True)
    assert '<select id="respondent_group"' in form and "Đại biểu HĐND tỉnh" in form
    refused = upload(client, data, "khong-nhom.xlsx")
    assert refused.status_code == 400 and stored() == []
    assert "par_respondent_group" in refused.get_data(as_text=True)
    assert upload(client, data, "khong-nhom.xlsx", respondent_group="delegate").status_code == 302
    assert stored()[0].respondent_group == "delegate"


def test_web_and_cli_list_the_same_problems(client, admin, tmp_path, app):
    definition = small_questionnaire_dict(form_id="loi")
    definition["pages"][1]["questions"][1]["relevant"] = "${khong_co} = 'yes'"
    path = tmp_path / "loi.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    reply = upload(client, path.read_bytes(), "loi.yaml")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400 and 'id="form-problems"' in html and stored() == []
    result = app.test_cli_runner().invoke(questionnaire_cli, ["import", str(path)])
    assert result.exit_code == 1
    from survey_app.operations.questionnaire_library import read_questionnaire_file
    from survey_app.refusals import Refused

    with pytest.raises(Refused) as refused:
        read_questionnaire_file("loi.yaml", path.read_bytes())
    assert refused.value.details
    for problem in refused.value.details:
        assert str(problem) in result.output
        assert problem.message_vi in html.replace("&#39;", "'").replace("&#34;", '"')
    assert stored() == []


def test_cli_import_stores_and_publishes(app, tmp_path, app_ctx):
    path = tmp_path / "mau.yaml"
    path.write_text(yaml.safe_dump(small_questionnaire_dict(form_id="tu_cli"),
                                   allow_unicode=True), encoding="utf-8")
    result = app.test_cli_runner().invoke(questionnaire_cli, ["import", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    (row,) = stored()
    assert (row.form_key, row.status) == ("tu_cli", "published")


@pytest.mark.parametrize(("data", "filename"), [
    (b"%PDF-1.4 not a form", "bieu-mau.xlsx"),
    (b"PK\x03\x04 broken zip", "bieu-mau.xlsx"),
    (b"name,age\nA,3\n", "danh-sach.csv"),
])
def test_a_file_that_is_not_a_workbook_is_refused_with_its_name(client, admin, data, filename):
    reply = upload(client, data, filename)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400 and filename in html
    assert stored() == []


def test_a_too_large_upload_is_refused_by_its_name_or_by_the_body_limit(
        client, admin, app, monkeypatch):
    """A file over ``MAX_FORM_BYTES`` is refused naming it; a body over the route's limit is a 413
    before it is read (both limits made small here, so the test sends kilobytes)."""
    from survey_app import guards
    from survey_app.operations import questionnaire_library

    monkeypatch.setattr(questionnaire_library, "MAX_FORM_BYTES", 1000)
    reply = upload(client, b"PK\x03\x04" + b"x" * 2000, "lon.xlsx")
    assert reply.status_code == 400 and "lon.xlsx" in reply.get_data(as_text=True)
    monkeypatch.setattr(guards, "FORM_UPLOAD_BYTES", 4000)
    monkeypatch.setitem(app.config, "MAX_REQUEST_BYTES", 4000)
    huge = upload(client, b"x" * 8000, "rat-lon.xlsx")
    assert huge.status_code == 413
    assert stored() == []


def test_a_pack_is_not_taken_for_a_questionnaire(client, admin):
    from questionnaires.bundled import bundled_packs

    data = bundled_packs()["province_default"].read_bytes()
    reply = upload(client, data, "bo-tieu-chi.yaml")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "bo-tieu-chi.yaml là một bộ tiêu chí" in html
    assert stored() == []


def test_downloads_give_xlsform_and_yaml_that_read_back(client, admin, tmp_path):
    sipas = questionnaires.load_bundled("sipas_2025")
    xlsx = client.get("/admin/questionnaires/bundled/sipas_2025/download.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    (tmp_path / "back.xlsx").write_bytes(xlsx.get_data())
    assert questionnaires.read_xlsform(tmp_path / "back.xlsx").content_hash == sipas.content_hash
    text = client.get("/admin/questionnaires/bundled/sipas_2025/download.yaml").get_data(
        as_text=True)
    assert questionnaires.load(text).content_hash == sipas.content_hash
    assert client.get("/admin/questionnaires/bundled/khong-co/download.yaml").status_code == 404
    assert client.get("/admin/questionnaires/bundled/sipas_2025/download.pdf").status_code == 404


def test_publishing_a_published_version_is_refused_and_changes_nothing(client, admin, tmp_path):
    upload(client, xlsform_of(small_questionnaire_dict(form_id="mau_thu"), tmp_path), "m.xlsx")
    (row,) = stored()
    client.post(f"/admin/questionnaires/stored/{row.id}/publish")
    published_at = stored()[0].published_at
    reply = client.post(f"/admin/questionnaires/stored/{row.id}/publish", follow_redirects=True)
    assert "đã được công bố" in reply.get_data(as_text=True)
    assert stored()[0].published_at == published_at
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(
        action="questionnaire.publish")) == 1


def test_media_files_are_checked_by_name_and_bytes_and_refused_by_name(client, admin, tmp_path):
    definition = small_questionnaire_dict(form_id="anh")
    first = definition["pages"][0]["questions"][0]
    first["media"] = {"image": {"vi": "ban_do.png"}, "audio": {"vi": "chao.mp3"}}
    data = xlsform_of(definition, tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

    def send(*files):
        return client.post("/admin/questionnaires/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), "anh.xlsx"),
                                 "media": [(io.BytesIO(body), name) for name, body in files]})

    refused = send(("ban_do.png", b"<svg onload=alert(1)>"), ("khac.png", png))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and stored() == []
    assert "ban_do.png" in html and "khac.png" in html and "PNG, JPEG" in html
    half = send(("ban_do.png", png))
    assert half.status_code == 302
    assert "chao.mp3" in client.get("/admin/questionnaires").get_data(as_text=True)  # noted
    done = send(("ban_do.png", png), ("chao.mp3", b"ID3" + b"\0" * 16))  # the draft again
    assert done.status_code == 302
    (row,) = stored()
    assert row.content["pages"][0]["questions"][0]["media"]["image"] == {"vi": "ban_do.png"}
    from survey_app.models import QuestionnaireMedia

    kept = {(m.name, m.mimetype, m.size) for m in db.session.scalars(db.select(QuestionnaireMedia))}
    assert kept == {("ban_do.png", "image/png", len(png)), ("chao.mp3", "audio/mpeg", 19)}
