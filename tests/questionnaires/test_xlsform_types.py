"""The XLSForm types and columns beyond text, numbers, dates and choices: calculate, hidden,
acknowledge, time, datetime, range; default, read_only, required_message, guidance_hint.
Each imports, its answers are validated (a bad value refused with a sentence) and cleaned for
storing, and exporting gives the same XForm fields (paths, types, calculations, flags)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from pyxform.xls2xform import convert
from test_xlsform_import import _xform_fields, md, write

import questionnaires as qn

HEAD = ["type", "name", "label::Tiếng Việt (vi)", "label::English (en)", "calculation",
        "default", "read_only", "required", "required_message::Tiếng Việt (vi)",
        "required_message::English (en)", "guidance_hint::Tiếng Việt (vi)",
        "guidance_hint::English (en)", "parameters", "relevant"]


def row(kind: str, name: str, label: str = "", **cells: str) -> list[str]:
    values = {"type": kind, "name": name, "label::Tiếng Việt (vi)": label,
              "label::English (en)": label and f"{label} (en)", **cells}
    return [values.get(column, "") for column in HEAD]


SURVEY = [HEAD,
          row("integer", "visits", "Số lần", default="2", required="yes",
              **{"required_message::Tiếng Việt (vi)": "Cần số lần.",
                 "required_message::English (en)": "Say how many times.",
                 "guidance_hint::Tiếng Việt (vi)": "Hỏi chậm.",
                 "guidance_hint::English (en)": "Ask slowly."}),
          row("text", "office", "Nơi", default="UBND", read_only="yes"),
          row("calculate", "double", calculation="${visits} * 2"),
          row("hidden", "source", default="qr"),
          row("acknowledge", "agree", "Đồng ý"),
          row("time", "at", "Giờ"),
          row("datetime", "when", "Ngày giờ", relevant="${double} > 2"),
          row("range", "score", "Điểm", parameters="start=0 end=10 step=2")]


@pytest.fixture
def imported(tmp_path):
    return qn.import_xlsform(write(tmp_path, md(SURVEY), "types.md"), respondent_group="citizen")


def test_each_new_type_and_column_imports_into_the_model(imported):
    q = imported.questionnaire
    assert [x.type for x in q.questions] == ["integer", "text", "calculate", "hidden",
                                             "acknowledge", "time", "datetime", "range"]
    visits = q.question("visits")
    assert visits.default == "2" and visits.required_message.en == "Say how many times."
    assert visits.guidance_hint.vi == "Hỏi chậm."
    assert q.question("office").read_only and q.question("double").calculation == "${visits} * 2"
    assert q.question("source").default == "qr" and q.question("score").range == (0, 10, 2)
    assert qn.load(qn.dump_yaml(q)) == q


def test_answers_are_validated_with_a_sentence_and_cleaned_with_computed_values(imported):
    q = imported.questionnaire
    said = {e.question: e.message_en for e in q.validate(
        {"at": "24:00", "score": "3", "when": "2025-13-01 10:00", "agree": "no"})}
    assert said == {"visits": "Say how many times.",
                    "at": "Enter a valid time as HH:MM (00:00 to 23:59).",
                    "score": "The value must lie between 0 and 10 in steps of 2.",
                    "agree": "Only tick the box."}  # `when` is hidden: double is empty
    assert q.validate({"visits": 2, "score": 12})[0].code == "range"
    half = qn.load(qn.dump_yaml(q).replace("step: 2", "step: 0.5"))
    assert half.validate({"visits": 2, "score": "2.25"})[0].message_vi == (
        "Giá trị phải nằm giữa 0 và 10, bước 0,5.")
    assert half.clean({"visits": 2, "score": "2,5"})["score"] == 2.5
    stored = q.clean({"visits": "3", "office": "forged", "double": "99", "source": "x",
                      "agree": "ok", "at": "7:05:09".zfill(8), "when": "2025-02-03 10:15:30",
                      "score": "10"})
    assert stored == {"visits": 3, "office": "UBND", "double": 6, "source": "qr", "agree": "OK",
                      "at": "07:05", "when": "2025-02-03T10:15", "score": 10}
    assert "when" not in q.clean({"visits": "1"})  # relevant on a computed value


def test_export_gives_the_same_xform_fields_and_reads_back_equal(imported, tmp_path):
    source = write(tmp_path, md(SURVEY), "types.md")
    exported = tmp_path / "again.xlsx"
    qn.write_xlsform(imported.questionnaire, exported)
    assert qn.read_xlsform(exported) == imported.questionnaire
    before, after = _xform_fields(source), _xform_fields(exported)
    assert before == after
    assert after["/data/double"]["calculate"] == "visits*2"
    assert after["/data/office"]["readonly"] == "true()"
    assert after["/data/at"]["type"] == "time" and after["/data/when"]["type"] == "dateTime"
    xform = convert(xlsform=str(exported)).xform
    body = ET.fromstring(xform).find("{http://www.w3.org/1999/xhtml}body")
    score = body.find(".//{http://www.w3.org/2002/xforms}range")
    assert (score.get("start"), score.get("end"), score.get("step")) == ("0", "10", "2")
    assert body.find(".//{http://www.w3.org/2002/xforms}trigger").get("ref") == "/data/agree"
    assert "<visits>2</visits>" in xform and "<source>qr</source>" in xform  # defaults
    assert 'form="guidance">Ask slowly.' in xform


@pytest.mark.parametrize(("cells", "words"), [
    ({"type": "calculate", "calculation": ""}, "Missing calculation"),  # pyxform's words
    ({"type": "integer", "calculation": "1 + 1"}, "calculate and hidden rows only"),
    ({"type": "integer", "default": "${visits}"}, "fixed value"),
    ({"type": "time", "default": "25:00"}, "not a valid answer"),
    ({"type": "range", "parameters": "start=1 end=1"}, "must not be larger than the range"),
    ({"type": "text", "required_message::English (en)": "x"}, "not required"),
    ({"type": "text", "read_only": "yes", "required": "yes"}, "needs a default"),
])
def test_misused_new_columns_are_refused_by_name_with_their_row(tmp_path, cells, words):
    cells = dict(cells)
    bad = row(cells.pop("type"), "odd", "Lạ", **cells)
    path = write(tmp_path, md(SURVEY + [bad]), "bad.md")
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.import_xlsform(path, respondent_group="citizen")
    assert any(words in p.message_en and p.row == len(SURVEY) + 1
               for p in caught.value.problems), caught.value.problems


def test_a_calculation_may_not_use_a_computed_value_below_it(tmp_path):
    survey = SURVEY + [row("calculate", "first", calculation="${last} + 1"),
                       row("calculate", "last", calculation="${first} + 1")]
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.import_xlsform(write(tmp_path, md(survey), "loop.md"), respondent_group="citizen")
    assert any("rows above it: ${last}" in p.message_en for p in caught.value.problems)


@pytest.mark.parametrize(("extra", "words"), [
    ('range: {start: 1, end: 1}', "'range' is not valid"),
    ('range: {start: 1, end: 5, step: -1}', "'range' is not valid"),
    ('range: {start: 1, end: 5}\n    type_note: x', "not allowed"),
])
def test_a_yaml_range_needs_a_sensible_start_end_and_step(extra, words):
    text = f"""id: r
version: "1"
title: {{vi: R, en: R}}
respondent_group: citizen
pages:
- name: p
  title: {{vi: P, en: P}}
  questions:
  - name: score
    type: range
    label: {{vi: Điểm, en: Score}}
    {extra}
"""
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.load(text)
    assert any(words in p.message_en for p in caught.value.problems), caught.value.problems
