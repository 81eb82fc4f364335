"""``repeat`` with ``repeat_count``: imported with its rows' questions, answers stored as a list
of rows and validated per row (count, types, required, relevant, constraint), exported with
begin/end repeat and repeat_count (the same XForm fields and jr:count)."""

from __future__ import annotations

import pytest
from pyxform.xls2xform import convert
from test_xlsform_import import _xform_fields, md, write

import questionnaires as qn

SURVEY = [["type", "name", "label", "repeat_count", "required", "relevant", "constraint"],
          ["integer", "n", "Số người", "", "yes", "", ". <= 5"],
          ["begin_repeat", "members", "Thành viên", "${n}", "", "", ""],
          ["text", "who", "Họ tên", "", "yes", "", ""],
          ["integer", "age", "Tuổi", "", "", "", ". >= 0"],
          ["text", "school", "Trường", "", "yes", "${age} < 18", ""],
          ["end_repeat", "", "", "", "", "", ""],
          ["begin_repeat", "visits", "Lần đến", "2", "", "", ""],
          ["date", "on", "Ngày", "", "", "", ""],
          ["end_repeat", "", "", "", "", "", ""]]


@pytest.fixture
def form(tmp_path):
    return qn.import_xlsform(write(tmp_path, md(SURVEY), "rep.md"),
                             respondent_group="citizen").questionnaire


def test_the_repeat_and_its_count_are_carried_into_the_model(form):
    members = form.question("members")
    assert members.type == "repeat" and members.repeat_count == "${n}"
    assert [c.name for c in members.children] == ["who", "age", "school"]
    assert form.question("visits").repeat_count == "2"
    assert qn.load(qn.dump_yaml(form)) == form


def test_answers_are_a_list_of_rows_validated_row_by_row(form):
    rows = [{"who": "An", "age": "40"}, {"who": "Bình", "age": "9", "school": "Tiểu học"}]
    stored = form.clean({"n": "2", "members": rows,
                         "visits": [{"on": "2025-01-02"}, {}]})
    assert stored["members"] == [{"who": "An", "age": 40},
                                 {"who": "Bình", "age": 9, "school": "Tiểu học"}]
    assert stored["visits"] == [{"on": "2025-01-02"}, {}]
    said = {(e.question, e.code) for e in form.validate(
        {"n": "2", "members": [{"age": "-1"}, {"who": "C", "age": "7"}],
         "visits": [{}, {}]})}
    assert said == {("members[1].who", "required"), ("members[1].age", "constraint"),
                    ("members[1].school", "required"),  # age -1 is below 18
                    ("members[2].school", "required")}
    wrong = form.validate({"n": "3", "members": rows, "visits": [{}, {}]})
    assert [(e.question, e.code, e.message_en) for e in wrong] == [
        ("members", "repeat_count", "3 rows are needed, 2 were given.")]
    assert form.validate({"n": 1, "who": "top level", "members": [{"who": "x"}],
                          "visits": [{}, {}]})[0].code == "unknown_question"


def test_export_keeps_begin_end_repeat_and_the_count(form, tmp_path):
    source = write(tmp_path, md(SURVEY), "rep.md")
    exported = tmp_path / "again.xlsx"
    qn.write_xlsform(form, exported)
    assert qn.read_xlsform(exported) == form
    assert _xform_fields(source) == _xform_fields(exported)
    xform = convert(xlsform=str(exported)).xform
    assert '<repeat nodeset="/data/members" jr:count=" /data/n ">' in xform
    assert '<repeat nodeset="/data/visits" jr:count=" /data/visits_count ">' in xform
    assert 'nodeset="/data/visits_count" type="string" readonly="true()" calculate="2"' in xform


@pytest.mark.parametrize(("rows", "words"), [
    ([["begin_repeat", "r", "R", "${inner}"], ["integer", "inner", "I", ""], ["end_repeat", "", "", ""]],
     "must use a question outside the repeat: ${inner}"),
    ([["begin_repeat", "r", "R", "2"], ["calculate", "c", "", ""], ["end_repeat", "", "", ""],
      ["integer", "after", "A", ""]], "inside a repeat is not supported yet"),
])
def test_unsupported_repeat_shapes_are_refused_by_name(tmp_path, rows, words):
    survey = [["type", "name", "label", "repeat_count"]] + rows
    survey = [row + ([""] if row[0] == "calculate" else []) for row in survey]
    head = survey[0] + ["calculation"]
    survey = [head] + [row if len(row) == 5 else row + [""] for row in survey[1:]]
    survey = [row if row[0] != "calculate" else row[:4] + ["1 + 1"] for row in survey]
    with pytest.raises(qn.QuestionnaireError) as raised:
        qn.import_xlsform(write(tmp_path, md(survey), "bad.md"), respondent_group="citizen")
    assert any(words in p.message_en for p in raised.value.problems), raised.value.problems
