"""Text answers are bounded and clean in the pure package (issue 14): ``max_length`` travels with
the questionnaire (dict/YAML/JSON and XLSForm), control characters are removed on the way in,
and stored answers from before these rules still score."""

from __future__ import annotations

import copy

import pytest

from questionnaires import Questionnaire
from questionnaires.answers import TEXT_MAX_LENGTH, clean_text
from questionnaires.problems import AnswersInvalid, QuestionnaireError
from questionnaires.xlsform import read_xlsform, write_xlsform
from tests.builders import GOOD_ANSWERS, results_sipas_dict, small_questionnaire_dict


def form_with(**comment) -> Questionnaire:
    data = small_questionnaire_dict()
    data["pages"][2]["questions"][1].update(comment)
    return Questionnaire.from_dict(data)


def errors(q: Questionnaire, **answers) -> list[tuple[str, str]]:
    return [(e.question, e.code) for e in q.validate({**GOOD_ANSWERS, **answers})]


def test_default_limit_and_a_questions_own_limit():
    default = form_with()
    assert errors(default, comment="a" * TEXT_MAX_LENGTH) == []
    assert errors(default, comment="a" * (TEXT_MAX_LENGTH + 1)) == [("comment", "max_length")]
    short = form_with(max_length=10)
    assert errors(short, comment="ê" * 10) == []
    assert errors(short, comment="ê" * 11) == [("comment", "max_length")]
    # the limit counts the cleaned text: removed control characters do not count
    assert errors(short, comment="ê" * 10 + "\x00\x01") == []


def test_other_text_is_bounded_and_cleaned_too():
    q = form_with()
    answers = {
        **GOOD_ANSWERS,
        "priorities": ["other"],
        "priorities_other": "x" * (TEXT_MAX_LENGTH + 1),
    }
    assert [(e.question, e.code) for e in q.validate(answers)] == [
        ("priorities_other", "max_length")
    ]
    answers["priorities_other"] = "\x00\x07"
    assert [(e.question, e.code) for e in q.validate(answers)] == [
        ("priorities_other", "other_required")
    ]
    answers["priorities_other"] = "xe\x00 máy\r\nđiện"
    assert q.clean(answers)["priorities_other"] == "xe máy điện"


def test_control_characters_removed_line_breaks_kept_in_multiline_text():
    single = form_with()
    multi = form_with(appearance="multiline")
    text = "a\x00b\x08c\x1bd\x7fe\x9ff\ud800g\ufffeh\r\ni\rj\tk 👍🏽 \u200fl"
    assert (
        single.clean({**GOOD_ANSWERS, "comment": text})["comment"] == "abcdefgh i j k 👍🏽 \u200fl"
    )
    assert (
        multi.clean({**GOOD_ANSWERS, "comment": text})["comment"]
        == "abcdefgh\ni\nj\tk 👍🏽 \u200fl"
    )
    assert clean_text('=HYPERLINK("x")') == '=HYPERLINK("x")'  # escaped on the way out, not in


@pytest.mark.parametrize("age", [2**53, -(2**53), 10**400, "1" * 5000, "9" * 17, 1e300])
def test_integers_beyond_2_53_are_a_type_error(age):
    assert errors(form_with(), age=age) == [("age", "type")]


def test_max_length_round_trips_through_dict_and_xlsform(tmp_path):
    q = form_with(max_length=300)
    assert q.to_dict()["pages"][2]["questions"][1]["max_length"] == 300
    assert Questionnaire.from_dict(q.to_dict()) == q
    assert (
        form_with().content_hash == Questionnaire.from_dict(small_questionnaire_dict()).content_hash
    )
    path = tmp_path / "form.xlsx"
    write_xlsform(q, path)
    assert read_xlsform(path) == q


@pytest.mark.parametrize(
    "where, value", [("comment", 0), ("comment", 10**6), ("comment", "50"), ("gender", 50)]
)
def test_bad_max_length_is_a_load_problem(where, value):
    data = small_questionnaire_dict()
    for page in data["pages"]:
        for question in page["questions"]:
            if question["name"] == where:
                question["max_length"] = value
    with pytest.raises(QuestionnaireError) as caught:
        Questionnaire.from_dict(data)
    assert any("max_length" in (p.column or "") for p in caught.value.problems)


def test_stored_answers_from_before_the_limits_still_score():
    q = Questionnaire.from_dict(small_questionnaire_dict())
    legacy = {**GOOD_ANSWERS, "comment": "y" * 1_000_000 + "\x00"}
    assert q.scores(legacy) == {"8.1": [0.75], "8.2": [1.0]}
    sipas = Questionnaire.from_dict(results_sipas_dict())
    legacy_sipas = {"a1": "5", "a2": "4", "b1": "dk", "comment": "y" * 1_000_000 + "\x00"}
    assert [sipas.satisfaction_rating(n, legacy_sipas.get(n)) for n in ("a1", "a2", "b1")] == [
        5, 4, None]
    with pytest.raises(AnswersInvalid):
        q.clean(copy.deepcopy(legacy))
