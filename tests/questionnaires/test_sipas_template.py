"""The bundled SIPAS template carries every part of the national questionnaire, in its order.

The expected structure is the third-party copy of the national form described in the domain brief
(Part A; Câu 1 on 8 policies plus the ninth group of 2023; Câu 3 with 5 options; Câu 4-5 none /
some / many; Câu 6-7 in person / online / both; Câu 8 with 7 yes/no items; Câu 9 part I 2+2+9+2
and part II 4+4+5+3+3 by element; Câu 10 with 9 items on 3 levels; free comments).
"""

from __future__ import annotations

import re

import pytest
import yaml

import questionnaires as qn

SAT5 = ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
PART_A = ["respondent_type", "gender", "age_group", "ethnicity", "education", "occupation",
          "residence", "terrain"]
POLICY = {"g_policy_accountability": 2, "g_policy_participation": 2, "g_policy_quality": 9,
          "g_policy_results": 2}
SERVICE = {"g_access": 4, "g_procedure": 4, "g_officials": 5, "g_results": 3, "g_feedback": 3}


@pytest.fixture(scope="module")
def form():
    return qn.load_bundled("sipas_2025")


@pytest.fixture(scope="module")
def declared():
    """The roles as written in the template file (read as plain YAML, independent of the model)."""
    return yaml.safe_load(qn.bundled()["sipas_2025"].read_text("utf-8"))["sipas"]


def answerable(questions):
    return [x for x in questions if x.type not in ("note", "group")]


def choice_labels(question):
    return [c.label.vi for c in question.choices]


def test_pages_follow_the_parts_of_the_national_form(form):
    assert [p.name for p in form.pages] == ["profile", "judgements", "policies", "services",
                                            "expectations"]
    judgements = [x.name for x in form.pages[1].questions]
    assert judgements == ["q1_interest", "info_channels", "opinion_willingness", "harassment",
                          "informal_payment", "dossier_mode", "policy_info_mode", "q8_experience"]
    labels = [form.question(n).label.vi for n in judgements]
    assert [re.match(r"Câu (\d+)\.", label).group(1) for label in labels] == [
        str(i) for i in range(1, 9)]
    last = form.pages[-1].questions
    assert last[0].name == "q10_priorities" and last[0].label.vi.startswith("Câu 10.")
    assert last[-1].type == "text" and last[-1].appearance == "multiline"


def test_part_a_has_the_copy_profile_and_no_unit_question(form):
    profile = answerable(form.pages[0].questions)
    assert [x.name for x in profile] == PART_A
    assert all(x.required and x.type == "single" for x in profile)
    assert len(form.question("education").choices) == 6
    assert len(form.question("occupation").choices) == 7
    assert choice_labels(form.question("gender")) == ["Nam", "Nữ"]
    bands = [re.findall(r"\d+", label) for label in choice_labels(form.question("age_group"))]
    assert bands == [["18", "25"], ["25", "34"], ["35", "49"], ["50", "60"], ["60"]]
    assert "25" in form.description.vi and "25" in form.description.en  # the overlap is explained
    assert len(form.question("residence").choices) == 2
    assert choice_labels(form.question("terrain")) == ["Miền núi", "Đồng bằng", "Hải đảo"]
    # the rated unit comes from the QR point or the invitation: nothing asks the citizen for it
    assert not [x for x in form.questions if x.type == "text" and x.required]
    assert not [x.name for x in form.questions if "commune" in x.name or "unit" in x.name]
    assert "QR" in form.description.vi and "QR" in form.description.en


def test_questions_one_to_eight_match_the_copy(form):
    interest = form.question("q1_interest").children
    assert len(interest) == 9
    assert all(choice_labels(x) == ["Không quan tâm", "Quan tâm một chút", "Rất quan tâm"]
               for x in interest)
    assert "cải cách hành chính" in interest[-1].label.vi  # the ninth group added in 2023
    assert form.question("info_channels").type == "multiple"
    assert len(form.question("opinion_willingness").choices) == 5
    for name in ("harassment", "informal_payment"):
        assert [c.name for c in form.question(name).choices] == ["none", "some", "many"]
    for name in ("dossier_mode", "policy_info_mode"):
        labels = [label.lower() for label in choice_labels(form.question(name))]
        assert len(labels) == 3 and "trực tiếp" in labels[0] and "trực tuyến" in labels[1]
        assert "cả" in labels[2] and "trực tiếp" in labels[2] and "trực tuyến" in labels[2]
    experience = form.question("q8_experience").children
    assert len(experience) == 7
    assert all(x.required and [c.name for c in x.choices] == ["yes", "no"] for x in experience)


def test_question_nine_items_per_part_and_element(form, declared):
    assert declared["policy"] == list(POLICY)
    assert declared["service"] == list(SERVICE)  # the five elements, in order
    assert form.sipas_elements("service") == tuple(SERVICE)
    assert form.sipas_elements("policy") == tuple(POLICY)
    assert [e for _, e in form.sipas_items("service")] == [
        g for g, n in SERVICE.items() for _ in range(n)]
    for group, count in {**POLICY, **SERVICE}.items():
        question = form.question(group)
        assert question.type == "group"
        assert len(question.children) == count, group
        assert form.parent(group) is None
    assert sum(POLICY.values()) == 15 and sum(SERVICE.values()) == 19
    on_page = {page.name: [x.name for x in page.questions] for page in form.pages}
    assert [n for n in on_page["policies"] if n.startswith("g_")] == list(POLICY)
    assert [n for n in on_page["services"] if n.startswith("g_")] == list(SERVICE)


def test_every_satisfaction_item_is_a_question_to_ong_ba_on_the_five_level_scale(form):
    items = [x for g in [*POLICY, *SERVICE] for x in form.question(g).children]
    assert len(items) == 34
    for item in items:
        assert item.type == "single" and item.required and item.appearance == "likert"
        assert item.criterion is None, item.name  # points come from the SIPAS index itself
        assert item.label.vi.startswith("Ông/Bà hài lòng ở mức nào về "), item.name
        assert item.label.vi.endswith("?"), item.name
        assert item.label.en.startswith("How satisfied are you "), item.name
        assert item.label.en.endswith("?"), item.name
        scored = [c for c in item.choices if not c.excluded]
        assert [c.label.vi for c in scored] == SAT5
        assert [c.coefficient for c in scored] == [0.0, 0.25, 0.5, 0.75, 1.0]
        assert [c.label.vi for c in item.choices if c.excluded] == ["Không biết / không trả lời"]
    assert not [x.name for x in form.questions if x.criterion]


def test_question_ten_has_nine_priorities_on_three_levels(form):
    priorities = form.question("q10_priorities").children
    assert len(priorities) == 9
    assert all(x.required and choice_labels(x) == ["Rất nhiều", "Nhiều", "Ít"] for x in priorities)
