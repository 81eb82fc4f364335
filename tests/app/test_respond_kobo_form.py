"""Issue 15's "done when": a Kobo-style Vietnamese form (two languages tagged as Kobo writes them,
a repeat, a calculate, ``or_other``, ``${…}`` in labels, no settings sheet) imports through the
command line with ``--respondent-group``, is published in a round with a QR entry point and is
answered on the respondent pages; the stored answers hold the rows, the computed value and the
"other" text."""
from __future__ import annotations

import openpyxl
from builders import create_round, create_unit
from tests.app.test_respond_repeats import _follow, _post

from survey_app.commands.questionnaire import questionnaire_cli
from survey_app.extensions import db
from survey_app.models import QuestionnaireVersion, Response
from survey_app.operations.fieldwork_setup import create_entry_point

VI, EN = "label::Tiếng Việt (vi)", "label::English (en)"
HEAD = ["type", "name", VI, EN, "required", "relevant", "constraint", "calculation",
        "repeat_count", "appearance"]
SURVEY = [
    ["start", "start"], ["end", "end"],
    ["begin_group", "gioi_thieu", "Thông tin chung", "General", "", "", "", "", "", "field-list"],
    ["integer", "tuoi", "Ông/Bà bao nhiêu tuổi?", "How old are you?", "yes", "",
     ". >= 18 and . <= 120"],
    ["calculate", "nam_sinh", "", "", "", "", "", "2025 - ${tuoi}"],
    ["integer", "so_lan", "Ông/Bà đã đến bộ phận một cửa mấy lần?", "How many visits?", "yes",
     "", ". >= 1 and . <= 5"],
    ["end_group"],
    ["begin_group", "trang_lan_den", "Các lần đến", "Visits", "", "", "", "", "", "field-list"],
    ["note", "ghi_nam_sinh", "Ông/Bà sinh khoảng năm ${nam_sinh}.",
     "You were born around ${nam_sinh}."],
    ["begin_repeat", "lan_den", "Lần đến", "Visit", "", "", "", "", "${so_lan}"],
    ["select_one thu_tuc", "thu_tuc", "Ông/Bà làm thủ tục gì?", "Which procedure?", "yes"],
    ["integer", "cho", "Thời gian chờ khi làm ${thu_tuc} (phút)", "Minutes waited for ${thu_tuc}",
     "yes", "", ". >= 0"],
    ["text", "ly_do", "Vì sao phải chờ lâu?", "Why so long?", "yes", "${cho} > 60"],
    ["end_repeat"],
    ["end_group"],
    ["begin_group", "ket_thuc", "Kết thúc", "End", "", "", "", "", "", "field-list"],
    ["select_one nguon or_other", "nguon", "Ông/Bà biết đến dịch vụ qua đâu?",
     "How did you hear of the service?", "yes"],
    ["end_group"],
]
CHOICES = [["list_name", "name", VI, EN],
           ["thu_tuc", "khai_sinh", "Đăng ký khai sinh", "Birth registration"],
           ["thu_tuc", "dat_dai", "Đất đai", "Land"],
           ["nguon", "tv", "Truyền hình", "Television"],
           ["nguon", "ban_be", "Bạn bè", "Friends"]]


def kobo_workbook(path) -> None:
    """The form as Kobo's export writes it: survey and choices sheets, no settings sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in [HEAD] + SURVEY:
        sheet.append(row)
    choices = book.create_sheet("choices")
    for row in CHOICES:
        choices.append(row)
    book.save(path)


def test_a_kobo_form_imports_without_settings_and_is_answered_on_the_pages(
        app, client, app_ctx, tmp_path):
    path = tmp_path / "ho_gia_dinh.xlsx"
    kobo_workbook(path)
    result = app.test_cli_runner().invoke(
        questionnaire_cli, ["import", str(path), "--respondent-group", "citizen", "--publish"])
    assert result.exit_code == 0, result.output
    assert "ho_gia_dinh" in result.output and "published" in result.output
    form = db.session.scalars(db.select(QuestionnaireVersion)).one()
    survey_round = create_round()
    entry = create_entry_point(survey_round, create_unit(survey_round.province), form)
    db.session.commit()
    url = f"/s/{entry.code}"

    html = client.get(url).get_data(as_text=True)
    assert "Ông/Bà bao nhiêu tuổi?" in html and 'name="nam_sinh"' not in html
    html = _follow(client, url, _post(client, url, html, {"tuoi": "45", "so_lan": "2"}))
    assert "Ông/Bà sinh khoảng năm 1980." in html              # ${…} filled with the calculate
    assert "Lần đến (1)" in html and "Lần đến (2)" in html and "Lần đến (3)" not in html
    rows = {"lan_den[1].thu_tuc": "khai_sinh", "lan_den[1].cho": "30",
            "lan_den[2].thu_tuc": "dat_dai", "lan_den[2].cho": "90"}
    text = _post(client, url, html, rows).get_data(as_text=True)
    assert "Thời gian chờ khi làm Đất đai (phút)" in text      # the row's own choice, by label
    assert "Thời gian chờ khi làm Đăng ký khai sinh (phút)" in text
    assert 'name="lan_den[2].ly_do"' in text and 'name="lan_den[1].ly_do"' not in text
    rows["lan_den[2].ly_do"] = "Thiếu hồ sơ"
    html = _follow(client, url, _post(client, url, text, rows))
    assert "Ông/Bà biết đến dịch vụ qua đâu?" in html and 'name="nguon_other"' in html
    assert "Khác" in html and ">Other<" not in html   # or_other's option, named in Vietnamese
    assert "'Khác'" in result.output                   # and the import said it named it
    text = _post(client, url, html, {"nguon": "other"}).get_data(as_text=True)
    assert "Vui lòng ghi rõ phương án khác." in text           # or_other: the text is required
    reply = _post(client, url, text, {"nguon": "other", "nguon_other": "Loa phát thanh xã"})
    assert reply.status_code == 303 and "/receipt/" in reply.headers["Location"]
    stored = db.session.scalars(db.select(Response)).one()
    assert stored.answers == {
        "tuoi": 45, "nam_sinh": 1980, "so_lan": 2,
        "lan_den": [{"thu_tuc": "khai_sinh", "cho": 30},
                    {"thu_tuc": "dat_dai", "cho": 90, "ly_do": "Thiếu hồ sơ"}],
        "nguon": "other", "nguon_other": "Loa phát thanh xã"}
