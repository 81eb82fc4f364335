"""``choice_filter``: imported with the choices sheet's extra columns, evaluated by the safe
evaluator (bare names are the choice's columns), a posted option outside the filter refused
with a sentence, and exported with the same itemset."""

from __future__ import annotations

import pytest
from pyxform.xls2xform import convert
from test_xlsform_import import md, write

import questionnaires as qn
from questionnaires.field_types import fill_references

SURVEY = [["type", "name", "label", "choice_filter"],
          ["select_one province", "province", "Tỉnh", ""],
          ["select_one district", "district", "Huyện", "province = ${province}"],
          ["select_multiple district", "visited", "Đã đến", "province = ${province} or name = 'x'"]]
CHOICES = [["list_name", "name", "label", "province"],
           ["province", "hn", "Hà Nội", ""], ["province", "hue", "Huế", ""],
           ["district", "bd", "Ba Đình", "hn"], ["district", "hk", "Hoàn Kiếm", "hn"],
           ["district", "pd", "Phú Vang", "hue"]]


@pytest.fixture
def form(tmp_path):
    return qn.import_xlsform(write(tmp_path, md(SURVEY, CHOICES), "cf.md"),
                             respondent_group="citizen").questionnaire


def test_the_filter_and_the_choice_columns_are_carried_into_the_model(form):
    district = form.question("district")
    assert district.choice_filter == "province = ${province}"
    assert district.choice("pd").properties == (("province", "hue"),)
    assert form.expression("district", "choice_filter").columns == frozenset({"province"})
    assert qn.load(qn.dump_yaml(form)) == form


def test_only_the_options_the_filter_keeps_are_offered_and_accepted(form):
    names = [c.name for c in form.filtered_choices("district", {"province": "hue"})]
    assert names == ["pd"]
    assert [c.name for c in form.filtered_choices("district", {})] == []
    assert form.clean({"province": "hn", "district": "hk"})["district"] == "hk"
    errors = form.validate({"province": "hn", "district": "pd"})
    assert [(e.question, e.code) for e in errors] == [("district", "choice_filter")]
    assert errors[0].message_en == (
        "The option 'pd' is not among those offered given the earlier answers.")
    assert form.validate({"province": "hue", "visited": ["pd", "bd"]})[0].code == "choice_filter"


def test_export_keeps_the_filter_and_the_columns(form, tmp_path):
    exported = tmp_path / "again.xlsx"
    qn.write_xlsform(form, exported)
    assert qn.read_xlsform(exported) == form
    xform = convert(xlsform=str(exported)).xform
    assert "instance('district')/root/item[province =  /data/province ]" in xform


@pytest.mark.parametrize(("survey_filter", "words"), [
    ("kind = ${province}", "The choice list has no column 'kind'."),
    ("province = ${nowhere}", "Could not find the name 'nowhere'"),  # pyxform's words
])
def test_a_filter_on_an_unknown_column_or_question_is_refused(tmp_path, survey_filter, words):
    survey = [row[:3] + [survey_filter if row[1] == "district" else row[3]] for row in SURVEY]
    with pytest.raises(qn.QuestionnaireError) as raised:
        qn.import_xlsform(write(tmp_path, md(survey, CHOICES), "bad.md"),
                          respondent_group="citizen")
    problem = raised.value.problems[0]
    assert words in problem.message_en
    assert (problem.sheet, problem.row, problem.column) == ("survey", 3, "choice_filter")


def test_references_in_labels_show_the_answer_and_export_as_written(tmp_path):
    survey = [["type", "name", "label::Tiếng Việt (vi)", "hint::Tiếng Việt (vi)"],
              ["select_one province", "province", "Tỉnh", ""],
              ["decimal", "area", "Diện tích", ""],
              ["text", "why", "Vì sao ở ${province}?", "Diện tích ${area} ha, ${nothing_yet}"],
              ["text", "nothing_yet", "Khác", ""]]
    form = qn.import_xlsform(write(tmp_path, md(survey, CHOICES[:3]), "refs.md"),
                             respondent_group="citizen").questionnaire
    why = form.question("why")
    assert why.label.vi == "Vì sao ở ${province}?"
    values = {"province": "hue", "area": 2.5}
    assert fill_references(form, why.label.vi, values) == "Vì sao ở Huế?"
    assert fill_references(form, why.hint.vi, values, "vi") == "Diện tích 2,5 ha, "
    exported = tmp_path / "again.xlsx"
    qn.write_xlsform(form, exported)
    again = qn.read_xlsform(exported).question("why")
    assert again.hint.vi == "Diện tích ${area} ha, ${nothing_yet}"
