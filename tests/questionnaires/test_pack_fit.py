"""A pack and a round's rating matrix fit both ways: every survey-assessed criterion of every
rated unit type has a question, every scored question maps to a criterion that applies."""

from __future__ import annotations

import pytest
from bundled_rates import RATES, bundled_matrix

import questionnaires as qn
from questionnaires.packs import check_round_fit, scoring_survey_nodes

# every bundled pack with every unit type it lists, and a data year in which that type is rated
PACK_UNIT_YEARS = [
    ("province_default", "agency", 2025),
    ("province_default", "commune", 2025),
    ("province_default", "district", 2024),
    ("national_2023", "province", 2023),
]


def test_every_bundled_template_and_pack_unit_type_is_covered_here():
    assert set(RATES) == set(qn.bundled())
    listed = {(pack, unit_type) for pack, unit_type, _ in PACK_UNIT_YEARS}
    for name in qn.bundled_packs():
        pack = qn.load_bundled_pack(name)
        assert {(name, unit_type) for unit_type in pack.unit_types} <= listed


@pytest.mark.parametrize(("pack_name", "unit_type", "year"), PACK_UNIT_YEARS)
def test_bundled_questionnaires_fit_their_pack(pack_name, unit_type, year):
    pack = qn.load_bundled_pack(pack_name)
    cells = bundled_matrix(pack_name, unit_type)
    assert cells, f"no bundled questionnaire rates {unit_type} under {pack_name}"
    problems = check_round_fit(pack, cells, year)
    assert problems == [], "\n".join(p.message_en for p in problems)


def _form(criteria: list[str], form_id: str = "probe", group: str = "delegate") -> qn.Questionnaire:
    """A small form with one A/B scored item per code in ``criteria``."""
    return qn.Questionnaire.from_dict({
        "id": form_id, "version": "1", "title": {"vi": "Phiếu thử", "en": "Probe"},
        "languages": ["vi", "en"], "respondent_group": group,
        "choice_lists": {"ab": [{"name": "a", "label": {"vi": "Tốt", "en": "Good"},
                                 "coefficient": 1.0},
                                {"name": "b", "label": {"vi": "Kém", "en": "Poor"},
                                 "coefficient": 0.0}]},
        "pages": [{"name": "p", "title": {"vi": "Trang", "en": "Page"}, "questions": [
            {"name": f"q{i}", "type": "single", "label": {"vi": f"Câu {i}", "en": f"Item {i}"},
             "choices": "ab", "criterion": code} for i, code in enumerate(criteria)]
            + [{"name": "note", "type": "text", "label": {"vi": "Góp ý", "en": "Comments"}}]}],
    })


PACK = qn.load_pack({
    "id": "probe_pack", "version": "1", "title": {"vi": "Gói thử", "en": "Probe pack"},
    "unit_types": ["agency", "commune"], "total_points": 10,
    "criteria": [
        {"code": "1", "title": {"vi": "Lĩnh vực 1", "en": "Field 1"}, "max_points": 6,
         "children": [
             {"code": "1.1", "title": {"vi": "Tự đánh giá", "en": "Self-assessed"},
              "max_points": 2},
             {"code": "1.2", "title": {"vi": "Đánh giá văn bản", "en": "Documents rating"},
              "max_points": 4, "assessment": "survey", "children": [
                  {"code": "1.2.1", "title": {"vi": "Chất lượng", "en": "Quality"},
                   "max_points": 3},
                  {"code": "1.2.2", "title": {"vi": "Kịp thời", "en": "Timeliness"},
                   "max_points": 1, "applies_to": ["agency"]}]}]},
        {"code": "2", "title": {"vi": "Lĩnh vực 2", "en": "Field 2"}, "max_points": 4,
         "assessment": "survey", "applies_to": ["agency"], "valid_from": 2024, "children": [
             {"code": "2.1", "title": {"vi": "Công khai tài chính", "en": "Financial openness"},
              "max_points": 4}]},
    ],
})


def test_scoring_survey_nodes_are_the_top_most_survey_criteria():
    assert [node.code for node in scoring_survey_nodes(PACK)] == ["1.2", "2"]


def test_a_question_on_a_sub_criterion_covers_its_survey_node():
    cells = [("delegate", "agency", _form(["1.2.2", "2.1"])),
             ("delegate", "commune", _form(["1.2.1"], "probe_c"))]
    assert check_round_fit(PACK, cells, 2025) == []


def test_missing_criterion_is_listed_by_unit_type_with_its_title():
    cells = [("delegate", "agency", _form(["1.2.1"])),          # nothing scores field 2
             ("delegate", "commune", _form(["1.2.1"], "probe_c"))]
    problems = check_round_fit(PACK, cells, 2025)
    assert [p.column for p in problems] == ["agency/2"]
    assert "'agency'" in problems[0].message_en and "“Field 2”" in problems[0].message_en
    assert "Lĩnh vực 2" in problems[0].message_vi and "sở, ban, ngành" in problems[0].message_vi
    # field 2 applies from 2024 only: a 2023 round does not need it
    assert check_round_fit(PACK, cells, 2023) == []


def test_each_unit_type_needs_its_own_questions():
    form = _form(["1.2.1", "2.1"])
    problems = check_round_fit(PACK, [("delegate", "agency", form),
                                      ("agency_leader", "commune", _form([], "empty"))], 2025)
    assert [p.column for p in problems] == ["commune/1.2"]
    assert "'commune'" in problems[0].message_en and "Documents rating" in problems[0].message_en


def test_questions_scoring_codes_the_pack_lacks_or_that_do_not_apply():
    cells = [("delegate", "agency", _form(["1.2.1", "2.1", "9.9", "1.1"])),
             ("delegate", "commune", _form(["1.2.1", "1.2.2", "2.1"], "probe_c"))]
    problems = check_round_fit(PACK, cells, 2025)
    found = {(p.column, p.message_en.split(", which ")[1]) for p in problems}
    assert found == {
        ("probe.q2.criterion", "pack 'probe_pack' does not have."),
        ("probe.q3.criterion", "is not assessed by the survey."),
        ("probe_c.q1.criterion", "does not apply to unit type 'commune' in 2025, the unit type "
                                 "the questionnaire rates."),
        ("probe_c.q2.criterion", "does not apply to unit type 'commune' in 2025, the unit type "
                                 "the questionnaire rates."),
    }
    assert all(p.message_vi and p.message_vi != p.message_en for p in problems)


def test_a_question_on_a_criterion_not_yet_valid_does_not_count():
    cells = [("delegate", "agency", _form(["1.2.1", "2.1"]))]
    problems = check_round_fit(PACK, cells, 2023)
    assert [p.column for p in problems] == ["probe.q1.criterion"]
    assert "in 2023" in problems[0].message_en


def test_a_unit_type_outside_the_pack_and_an_empty_matrix_are_problems():
    problems = check_round_fit(PACK, [("delegate", "district", _form(["1.2.1"]))], 2024)
    assert [p.column for p in problems] == ["unit_types"]
    assert "'district'" in problems[0].message_en
    assert len(check_round_fit(PACK, [], 2025)) == 1


def test_a_form_sent_by_two_groups_reports_once():
    form = _form(["9.9", "1.2.1", "2.1"])
    cells = [("delegate", "agency", form), ("agency_leader", "agency", form)]
    assert [p.column for p in check_round_fit(PACK, cells, 2025)] == ["probe.q0.criterion"]


def test_bundled_commune_matrix_without_a_document_item_misses_2_3():
    """The default pack's 2.3 applies to communes: a commune matrix whose forms do not score it
    is refused, naming the criterion."""
    pack = qn.load_bundled_pack("province_default")
    cells = [(g, "commune", q) for g, _, q in bundled_matrix("province_default", "commune")]
    stripped = []
    for group, unit_type, q in cells:
        data = q.to_dict()
        for page in data["pages"]:
            page["questions"] = [x for x in page["questions"] if x.get("criterion") != "2.3"]
        stripped.append((group, unit_type, qn.Questionnaire.from_dict(data)))
    problems = check_round_fit(pack, stripped, 2025)
    assert [p.column for p in problems] == ["commune/2.3"]
    assert pack.criterion("2.3").title.en in problems[0].message_en


SIPAS_PACK = qn.load_pack({
    "id": "probe_sipas", "version": "1", "title": {"vi": "Gói SIPAS", "en": "SIPAS pack"},
    "unit_types": ["agency", "commune"], "total_points": 10,
    "criteria": [
        {"code": "1", "title": {"vi": "Lĩnh vực 1", "en": "Field 1"}, "max_points": 4,
         "children": [{"code": "1.1", "title": {"vi": "Đánh giá", "en": "Rating"},
                       "max_points": 4, "assessment": "survey"}]},
        {"code": "2", "title": {"vi": "Tác động", "en": "Impact"}, "max_points": 6,
         "children": [{"code": "2.1", "title": {"vi": "Sự hài lòng", "en": "Satisfaction"},
                       "max_points": 6, "assessment": "survey", "sipas": "share"}]},
    ],
})


def _sipas_form(form_id: str = "sipas_probe", criterion: str | None = None) -> qn.Questionnaire:
    """A citizens' form with one SIPAS service element of one five-level item, and one item
    scoring ``criterion`` outside the element when it is given."""
    levels = [{"name": str(k), "label": {"vi": f"Mức {k}", "en": f"Level {k}"},
               "coefficient": (k - 1) / 4} for k in range(1, 6)]
    extra = [] if criterion is None else [
        {"name": "direct", "type": "single", "label": {"vi": "Chấm thẳng", "en": "Direct"},
         "choices": "sat5", "criterion": criterion}]
    return qn.Questionnaire.from_dict({
        "id": form_id, "version": "1", "title": {"vi": "SIPAS thử", "en": "SIPAS probe"},
        "languages": ["vi", "en"], "respondent_group": "citizen",
        "sipas": {"service": ["g_access"]},
        "choice_lists": {"sat5": levels},
        "pages": [{"name": "p", "title": {"vi": "Trang", "en": "Page"}, "questions": [
            {"name": "g_access", "type": "group", "label": {"vi": "Tiếp cận", "en": "Access"},
             "questions": [{"name": "s1", "type": "single", "choices": "sat5",
                            "label": {"vi": "Dễ tìm nơi nộp", "en": "Easy to find"}}]},
            *extra]}],
    })


def test_a_sipas_criterion_is_covered_by_a_form_declaring_sipas_service_groups():
    officials = _form(["1.1"])
    assert check_round_fit(SIPAS_PACK, [("delegate", "agency", officials),
                                        ("citizen", "agency", _sipas_form())], 2025) == []
    # sent to agencies only: communes miss the SIPAS criterion
    problems = check_round_fit(SIPAS_PACK, [("delegate", "agency", officials),
                                            ("citizen", "agency", _sipas_form()),
                                            ("delegate", "commune", officials)], 2025)
    assert [p.column for p in problems] == ["commune/2.1"]
    assert "SIPAS" in problems[0].message_en and "“Satisfaction”" in problems[0].message_en
    assert "sipas: service" in problems[0].message_vi


def test_a_question_may_not_score_the_sipas_criterion_directly():
    form = _sipas_form(criterion="2.1")
    problems = check_round_fit(SIPAS_PACK, [("delegate", "agency", _form(["1.1"])),
                                            ("citizen", "agency", form)], 2025)
    assert [p.column for p in problems] == ["sipas_probe.direct.criterion"]
    assert "SIPAS index" in problems[0].message_en
    assert [p.column for p in qn.check_against_pack(form, SIPAS_PACK)] == ["direct.criterion"]
    assert qn.check_against_pack(_sipas_form(), SIPAS_PACK) == []


def test_the_bundled_packs_mark_their_sipas_criterion():
    for name in qn.bundled_packs():
        pack = qn.load_bundled_pack(name)
        sipas = pack.sipas_criteria()
        assert len(sipas) == 1 and sipas[0] in scoring_survey_nodes(pack), name
        assert "SIPAS" in sipas[0].title.en


@pytest.mark.parametrize("name", sorted(qn.bundled_packs()))
def test_every_number_of_a_bundled_pack_says_where_it_comes_from(name):
    """Each point value (and the group weights) carries '# [src] ...' or '# [tpl]'; the
    description names the template values in both languages."""
    import re

    text = qn.bundled_packs()[name].read_text("utf-8")
    numbered = [line for line in text.splitlines()
                if re.match(r"\s*(max_points|total_points|survey_points|weights):", line)]
    assert len(numbered) == len(qn.load_bundled_pack(name).all_criteria()) + sum(
        1 for key in ("total_points:", "survey_points:", "weights:") if key in text)
    unmarked = [line for line in numbered if not re.search(r"# \[(src\] \S+|tpl\])", line)]
    assert unmarked == []
    pack = qn.load_bundled_pack(name)
    assert "[tpl]" in pack.description.vi and "[tpl]" in pack.description.en
    assert "TEMPLATE VALUES" in pack.description.en and "SỐ GIẢ ĐỊNH" in pack.description.vi
