"""Page-level skip logic: a page's ``relevant`` hides every question on it (groups included).

The reference for the answer rules is the same form with the page condition pushed down into
each top-level question's own ``relevant`` (question-level skip logic is tested elsewhere):
both must agree on every combination of answers.
"""

from __future__ import annotations

import copy
import itertools

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyxform.xls2xform import convert
from strategies import draw_answers, questionnaires

import questionnaires as qn

YES_NO = [{"name": "y", "label": {"vi": "Có", "en": "Yes"}},
          {"name": "n", "label": {"vi": "Không", "en": "No"}}]
XZ = [{"name": "x", "label": {"vi": "X", "en": "X"}},
      {"name": "z", "label": {"vi": "Z", "en": "Z"}}]


def form() -> dict:
    """Three pages; ``feedback`` shows when ``a`` is yes, ``extra`` when ``c`` is x or ``b`` > 3."""
    return {
        "id": "paged", "version": "1", "respondent_group": "citizen", "languages": ["vi", "en"],
        "title": {"vi": "Phiếu", "en": "Form"},
        "pages": [
            {"name": "intro", "title": {"vi": "Mở đầu", "en": "Intro"}, "questions": [
                {"name": "a", "type": "single", "required": True, "choices": YES_NO,
                 "label": {"vi": "A", "en": "A"}},
                {"name": "b", "type": "integer", "label": {"vi": "B", "en": "B"}},
            ]},
            {"name": "feedback", "title": {"vi": "Góp ý", "en": "Feedback"},
             "relevant": "${a} = 'y'", "questions": [
                {"name": "c", "type": "single", "required": True, "choices": XZ,
                 "label": {"vi": "C", "en": "C"}},
                {"name": "g", "type": "group", "label": {"vi": "Nhóm", "en": "Group"}, "questions": [
                    {"name": "d", "type": "integer", "required": True, "constraint": ". > 0",
                     "label": {"vi": "D", "en": "D"}},
                ]},
                {"name": "note1", "type": "note", "label": {"vi": "Ghi chú", "en": "Note"}},
            ]},
            {"name": "extra", "title": {"vi": "Thêm", "en": "Extra"},
             "relevant": "${c} = 'x' or ${b} > 3", "questions": [
                {"name": "e", "type": "text", "required": True, "label": {"vi": "E", "en": "E"}},
            ]},
        ],
    }


def pushed_down(data: dict) -> dict:
    """The same form with each page condition AND-ed into its top-level questions' ``relevant``."""
    data = copy.deepcopy(data)
    for page in data["pages"]:
        condition = page.pop("relevant", None)
        if condition is None:
            continue
        for question in page["questions"]:
            own = question.get("relevant")
            question["relevant"] = f"({condition}) and ({own})" if own else condition
    return data


def test_an_irrelevant_page_hides_all_its_questions_and_groups():
    q = qn.Questionnaire.from_dict(form())
    assert q.page("feedback").relevant == "${a} = 'y'"
    shown = q.relevant_names({"a": "n", "b": 1, "c": "x", "d": 5, "e": "t"})
    assert shown == {"a", "b"}
    assert q.relevant_pages({"a": "n", "b": 1}) == ["intro"]
    # the hidden c counts as unanswered in the next page's condition (ODK rule)
    assert q.relevant_pages({"a": "n", "c": "x"}) == ["intro"]
    assert q.relevant_pages({"a": "n", "b": 4}) == ["intro", "extra"]
    assert q.relevant_names({"a": "y", "c": "x"}) == {"a", "b", "c", "g", "d", "note1", "e"}
    assert q.relevant_pages({}) == ["intro"]


def test_validate_and_clean_drop_answers_on_an_irrelevant_page():
    q = qn.Questionnaire.from_dict(form())
    answers = {"a": "n", "b": "2", "c": "bad-code", "d": "-4", "e": "kept?"}
    assert q.validate(answers) == []  # hidden answers are dropped, even badly typed ones
    assert q.clean(answers) == {"a": "n", "b": 2}
    assert q.page_validate("feedback", answers) == []
    errors = {(e.question, e.code) for e in q.validate({"a": "y"})}
    assert errors == {("c", "required"), ("d", "required")}
    errors = {(e.question, e.code) for e in q.validate({"a": "y", "c": "x", "d": "0"})}
    assert errors == {("d", "constraint"), ("e", "required")}


def test_page_conditions_agree_with_pushed_down_question_conditions_on_every_answer():
    q = qn.Questionnaire.from_dict(form())
    reference = qn.Questionnaire.from_dict(pushed_down(form()))
    assert all(page.relevant is None for page in reference.pages)
    options = {"a": [None, "y", "n"], "b": [None, "1", "7"], "c": [None, "x", "z"],
               "d": [None, "0", "3"], "e": [None, "t"]}
    checked = 0
    for values in itertools.product(*options.values()):
        answers = {k: v for k, v in zip(options, values) if v is not None}
        assert q.relevant_names(answers) == reference.relevant_names(answers), answers
        assert q.validate(answers) == reference.validate(answers), answers
        checked += 1
    assert checked == 3 * 3 * 3 * 3 * 2


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(questionnaires(), st.data())
def test_generated_page_conditions_agree_with_pushed_down_conditions(q, data):
    reference = qn.Questionnaire.from_dict(pushed_down(q.to_dict()))
    answers = draw_answers(q, data)
    assert q.relevant_names(answers) == reference.relevant_names(answers)
    for page in q.pages:
        on_page = {x.name for x in q.questions if q.page_of(x.name) == page.name}
        if page.name not in q.relevant_pages(answers):
            assert not on_page & q.relevant_names(answers)


def test_page_condition_problems_are_found_at_load_time_with_their_line():
    data = form()
    data["pages"][1]["relevant"] = "${ghost} = 1 and"  # syntax error
    data["pages"][2]["relevant"] = "${ghost} = 'x'"
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.Questionnaire.from_dict(data)
    found = {(p.column, p.message_en.split(":")[0]) for p in caught.value.problems}
    assert ("pages[1].relevant", "The expression '${ghost} = 1 and' has a syntax error") in found
    unknown = "The expression refers to an unknown question or one without an answer"
    assert ("pages[2].relevant", unknown) in found
    assert len(caught.value.problems) == 2

    data = form()
    data["pages"][2]["relevant"] = ". > 1"
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.Questionnaire.from_dict(data)
    [problem] = caught.value.problems
    assert problem.column == "pages[2].relevant" and "'.'" in problem.message_en

    text = qn.dump_yaml(qn.Questionnaire.from_dict(form())).replace("${a} = 'y'", "${ghost} = 1")
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.load(text)
    [problem] = caught.value.problems
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "${ghost}" in row)
    assert (problem.row, problem.column) == (line, "pages[1].relevant")
    assert "${ghost}" in problem.message_vi and problem.message_en


@pytest.mark.parametrize("page_condition, question_condition, expected", [
    # a page depending on its own question
    ("${c} = 'x'", None, "feedback → c → feedback"),
    # through a question of another page that depends back on this page
    ("${e} = 't'", "${d} > 1", "d → g → feedback → e → extra → d"),
])
def test_cycles_through_a_page_are_load_time_problems(page_condition, question_condition, expected):
    data = form()
    data["pages"][1]["relevant"] = page_condition
    data["pages"][2]["relevant"] = question_condition
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.Questionnaire.from_dict(data)
    [problem] = caught.value.problems
    assert "cycle" in problem.message_en and "vòng lặp" in problem.message_vi
    names = problem.message_en.split(": ", 1)[1].rstrip(".").split(" → ")
    assert names[0] == names[-1]
    assert set(names) == set(expected.split(" → "))


def test_dict_and_yaml_carry_the_page_condition_and_leave_other_pages_unchanged():
    q = qn.Questionnaire.from_dict(form())
    data = q.to_dict()
    assert list(data["pages"][1]) == ["name", "title", "relevant", "questions"]
    assert "relevant" not in data["pages"][0]
    again = qn.load(qn.dump_yaml(q))
    assert again == q and again.page("extra").relevant == "${c} = 'x' or ${b} > 3"
    changed = form()
    changed["pages"][1]["relevant"] = "${a} = 'n'"
    assert qn.Questionnaire.from_dict(changed).content_hash != q.content_hash
    bare = form()
    for page in bare["pages"]:
        page.pop("relevant", None)
    # a form without page conditions hashes exactly as before this key existed
    assert [list(page) for page in qn.Questionnaire.from_dict(bare).to_dict()["pages"]] == [
        ["name", "title", "questions"]] * 3


def test_xlsform_writes_the_page_condition_on_the_begin_group_row_and_pyxform_keeps_it(tmp_path):
    q = qn.Questionnaire.from_dict(form())
    path = tmp_path / "paged.xlsx"
    qn.write_xlsform(q, path)
    sheet = openpyxl.load_workbook(path)["survey"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    begin = [dict(zip(header, row)) for row in rows[1:] if row[0] == "begin_group"]
    by_name = {row["name"]: row for row in begin}
    assert by_name["feedback"]["relevant"] == "${a} = 'y'"
    assert by_name["feedback"]["appearance"] == "field-list"
    assert by_name["intro"]["relevant"] is None
    assert qn.read_xlsform(path) == q
    xform = convert(xlsform=str(path)).xform
    assert '<bind nodeset="/data/feedback" relevant=" /data/intro/a  = \'y\'"/>' in xform
    assert '<bind nodeset="/data/extra" relevant=" /data/feedback/c  = \'x\' or ' in xform


def test_xlsform_import_of_a_top_level_field_list_group_with_relevant_is_a_page(tmp_path):
    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Vietnamese (vi)", "relevant", "appearance"])
    survey.append(["begin_group", "p1", "Trang 1", None, "field-list"])
    survey.append(["integer", "age", "Tuổi", None, None])
    survey.append(["end_group", "p1", None, None, None])
    survey.append(["begin_group", "p2", "Trang 2", "${age} >= 60", "field-list"])
    survey.append(["text", "pension", "Lương hưu", None, None])
    survey.append(["end_group", "p2", None, None, None])
    survey.append(["begin_group", "p3", "Trang 3", "${nobody} = 1", "field-list"])
    survey.append(["text", "more", "Thêm", None, None])
    survey.append(["end_group", "p3", None, None, None])
    settings_sheet = workbook.create_sheet("settings")
    settings_sheet.append(["form_id", "version", "par_respondent_group"])
    settings_sheet.append(["imported", "1", "citizen"])
    path = tmp_path / "form.xlsx"
    workbook.save(path)
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.read_xlsform(path)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("survey", 8, "relevant")
    assert "nobody" in problem.message_en  # pyxform's own words
    survey.delete_rows(8, 3)
    workbook.save(path)
    q = qn.read_xlsform(path)
    assert [page.name for page in q.pages] == ["p1", "p2"]
    assert q.page("p2").relevant == "${age} >= 60" and q.page("p1").relevant is None
    assert q.relevant_pages({"age": 40}) == ["p1"]
    assert q.relevant_names({"age": 61}) == {"age", "pension"}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(questionnaires().filter(lambda q: any(page.relevant for page in q.pages)))
def test_generated_forms_with_page_conditions_convert_with_pyxform(tmp_path_factory, q):
    path = tmp_path_factory.mktemp("xls") / "form.xlsx"
    qn.write_xlsform(q, path)
    xform = convert(xlsform=str(path)).xform
    for page in q.pages:
        if page.relevant:
            assert f'<bind nodeset="/data/{page.name}" relevant=' in xform
    assert qn.read_xlsform(path) == q
