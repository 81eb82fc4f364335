"""Broken files: every problem at once, located by line/path (YAML) or sheet/row/column (XLSForm)."""

from __future__ import annotations

import openpyxl
import pytest

import questionnaires as qn

BROKEN = """\
id: broken
version: "1"
title: {vi: Phiếu hỏng, en: Broken}
languages: [vi, en]
respondent_group: citizen
pages:
  - name: p1
    title: {vi: Trang 1}
    questions:
      - {name: a, type: integer, label: {vi: A, en: A}}
      - {name: a, type: text, label: {vi: A2, en: A2}}
      - {name: b, type: text, label: {vi: B, en: B}, relevant: "${c} = 'x'"}
      - {name: c, type: text, label: {vi: C, en: C}, relevant: "${b} = 'y'"}
      - {name: d, type: integer, label: {vi: D, en: D}, relevant: "${ghost} > 1"}
      - name: e
        type: single
        label: {vi: E, en: E}
        criterion: "9.9"
        choices:
          - {name: x, label: {vi: X, en: X}, coefficient: 1.5}
          - {name: y, label: {vi: Y, en: Y}}
      - {name: f, type: texte, label: {vi: F, en: F}}
"""


def test_yaml_lists_every_problem_with_its_line():
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.load(BROKEN)
    found = {(p.row, p.column) for p in caught.value.problems}
    messages = " | ".join(p.message_en for p in caught.value.problems)
    assert (8, "pages[0].title.en") in found                                   # missing English title
    assert (11, "pages[0].questions[1].name") in found                      # duplicate name
    assert (12, "pages[0].questions[2].relevant") in found                  # cycle b → c → b
    assert (14, "pages[0].questions[4].relevant") in found                  # unknown reference
    assert (20, "pages[0].questions[5].choices[0].coefficient") in found    # outside [0, 1]
    assert (21, "pages[0].questions[5].choices[1].coefficient") in found    # scoring option without one
    assert (22, "pages[0].questions[6].type") in found                      # unknown type
    assert "cycle" in messages and "${ghost}" in messages and "used twice" in messages
    assert all(p.message_vi and p.message_en for p in caught.value.problems)
    assert len(caught.value.problems) == 7


def test_yaml_syntax_error_is_located():
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.load("id: x\npages: [\n  - a\n")
    [problem] = caught.value.problems
    assert problem.row is not None and "YAML" in problem.message_en


def test_unknown_keys_and_wrong_types_are_reported():
    text = BROKEN.replace("respondent_group: citizen", "respondent_group: citizen\nauthor: someone")
    text = text.replace("{name: a, type: integer, label: {vi: A, en: A}}",
                        "{name: a, type: integer, label: {vi: A, en: A}, required: maybe}")
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.load(text)
    columns = {p.column for p in caught.value.problems}
    assert "author" in columns and "pages[0].questions[0].required" in columns


def _write(path, survey, choices, settings):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    for title, rows in (("choices", choices), ("settings", settings)):
        extra = workbook.create_sheet(title)
        for row in rows:
            extra.append(row)
    workbook.save(path)


def test_xlsform_lists_every_problem_with_sheet_row_column(tmp_path):
    path = tmp_path / "broken.xlsx"
    _write(
        path,
        [["type", "name", "label::Vietnamese (vi)", "label::English (en)", "relevant",
          "bind::par:criterion", "bind::jr:preloadParams"],
         ["integer", "age", "Tuổi", "Age", None, None, None],
         ["select_one sat", "s1", "Hài lòng", None, "${age} = 1", "8.1", None],
         ["integer", "age2", "Tuổi lại", "Age again", "${s1} = 'x' and", None, None],
         ["geopoint", "where", "Nơi", "Place", None, None, None],
         ["text", "t", "T", "T", None, None, "x"]],
        [["list_name", "name", "label::Vietnamese (vi)", "label::English (en)", "coefficient"],
         ["sat", "1", "Không", "No", 0],
         ["sat", "2", "Có", "Yes", 2]],
        [["form_id", "version", "par_respondent_group"], ["broken", "1", "citizen"]],
    )
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.read_xlsform(path)
    found = {(p.sheet, p.row, p.column) for p in caught.value.problems}
    assert ("survey", 4, "relevant") in found                   # syntax error
    assert ("survey", 5, "type") in found                       # unsupported type
    assert ("survey", 6, "bind::jr:preloadParams") in found     # column not carried
    assert ("choices", 3, "coefficient") in found               # coefficient outside [0, 1]
    assert all(p.file == "broken.xlsx" for p in caught.value.problems)
    assert any("'geopoint'" in p.message_en for p in caught.value.problems)


@pytest.mark.parametrize(("row", "words"), [
    (["integer", "age", "Tuổi lại"], "age"),                    # the same name twice
    (["select_one missing_list", "s2", "S2"], "missing_list"),  # no such list
])
def test_xlsform_pyxform_refuses_in_its_own_words_with_the_row(tmp_path, row, words):
    path = tmp_path / "refused.xlsx"
    _write(path, [["type", "name", "label"], ["integer", "age", "Tuổi"], row],
           [["list_name", "name", "label"], ["yn", "y", "Có"]],
           [["form_id", "version", "par_respondent_group"], ["refused", "1", "citizen"]])
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.read_xlsform(path)
    [problem] = caught.value.problems
    assert problem.message_en.startswith("pyxform refuses the form")
    assert words in problem.message_en and problem.file == "refused.xlsx"


def test_foreign_xlsform_without_pages_gets_implicit_pages(tmp_path):
    path = tmp_path / "kobo.xlsx"
    _write(
        path,
        [["type", "name", "label", "required", "parameters"],
         ["start", "start", None, None, None],
         ["select_one yn or_other", "q1", "Câu 1", "yes", "randomize=true"],
         ["begin group", "g", "Nhóm", None, None],
         ["text", "q2", "Câu 2", None, None],
         ["end group", None, None, None, None]],
        [["list_name", "name", "label"], ["yn", "y", "Có"], ["yn", "n", "Không"]],
        [["form_id", "version", "default_language", "par_respondent_group"],
         ["kobo", "3", "Vietnamese (vi)", "citizen"]],
    )
    q = qn.read_xlsform(path)
    assert q.languages == ("vi",)
    assert [p.name for p in q.pages] == ["page_1"]
    assert [x.name for x in q.questions] == ["q1", "g", "q2"]
    assert q.question("q1").other_specify and q.question("q1").randomize
    assert [c.name for c in q.question("q1").choices] == ["y", "n", "other"]


PACK = """\
id: p
version: "1"
title: {vi: Gói, en: Pack}
unit_types: [agency, commune]
total_points: 20
survey_points: 5
group_rule: {weights: {delegate: 0.5, citizen: 0.4}}
criteria:
  - code: "1"
    title: {vi: Một, en: One}
    max_points: 10
    children:
      - {code: "1.1", title: {vi: a, en: a}, max_points: 4}
      - {code: "1.2", title: {vi: b, en: b}, max_points: 5, assessment: survey}
  - code: "2"
    title: {vi: Hai, en: Two}
    max_points: 8
    applies_to: [agency, district]
    children:
      - {code: "1.3", title: {vi: c, en: c}, max_points: 8, assessment: surveyed}
"""


def test_pack_lists_every_problem():
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.load_pack(PACK)
    found = {(p.row, p.column) for p in caught.value.problems}
    assert (7, "group_rule") in found                              # weights sum to 0.9
    assert (11, "criteria[0].max_points") in found                 # 4 + 5 != 10
    assert (2, "total_points") not in found
    assert (5, "total_points") in found                            # 10 + 8 != 20
    assert (18, "criteria[1].applies_to") in found                 # district not a unit type
    assert (20, "criteria[1].children[0].code") in found           # 1.3 under 2
    assert (20, "criteria[1].children[0].assessment") in found     # unknown assessment


def test_pack_model_and_survey_points():
    pack = qn.load_bundled_pack("national_2023")
    assert pack.total_points == 100
    assert pack.survey_points_total() == pytest.approx(32)
    assert sum(c.max_points for c in pack.criteria) == pytest.approx(100)
    assert all(c.assessment == "survey" for c in pack.survey_criteria())
    assert {"8.2", "8.3"} <= {c.code for c in pack.survey_criteria()}  # SIPAS and impact rating
    assert {c.code for c in pack.leaves()} >= {"1.1", "1.2", "8.2"}
    assert qn.load_pack(pack.to_dict()) == pack
    assert pack.content_hash == qn.load_pack(pack.to_dict()).content_hash
    with pytest.raises(KeyError):
        pack.criterion("99")


def test_declared_survey_points_must_match():
    data = qn.load_bundled_pack("national_2023").to_dict()
    data["survey_points"] = 30
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.load_pack(data)
    assert "32" in caught.value.problems[0].message_en


def test_applicability_by_unit_type_and_year():
    pack = qn.load_bundled_pack("province_default")
    assert pack.criterion("6.2").applies("agency", 2025)
    assert not pack.criterion("6.2").applies("commune", 2025)
    assert pack.group_rule == "mean_of_group_means"


def test_check_against_pack_reports_unknown_and_self_assessed_codes():
    pack = qn.load_bundled_pack("province_default")
    data = qn.load_bundled("delegate_rates_agency_2025").to_dict()
    questions = [x for x in data["pages"][1]["questions"] if x.get("criterion")]
    questions[0]["criterion"] = "42.1"   # unknown
    questions[1]["criterion"] = "1.1"    # self-assessed
    problems = qn.check_against_pack(qn.Questionnaire.from_dict(data), pack)
    assert len(problems) == 2
    assert "42.1" in problems[0].message_en and "not assessed by the survey" in problems[1].message_en
