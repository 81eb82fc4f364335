"""Answer validation, cleaning, skip logic, choice order and scores."""

from __future__ import annotations

import datetime as dt

import pytest

import questionnaires as qn

FORM = """
id: demo
version: "1"
title: {vi: Phiếu thử, en: Test form}
languages: [vi, en]
respondent_group: citizen
choice_lists:
  sat:
    - {name: "1", label: {vi: Rất không hài lòng, en: Very dissatisfied}, coefficient: 0}
    - {name: "3", label: {vi: Bình thường, en: Neutral}, coefficient: 0.5}
    - {name: "5", label: {vi: Rất hài lòng, en: Very satisfied}, coefficient: 1}
    - {name: dk, label: {vi: Không biết, en: "Don't know"}, excluded: true}
pages:
  - name: p1
    title: {vi: Trang 1, en: Page 1}
    questions:
      - {name: age, type: integer, label: {vi: Tuổi, en: Age}, required: true,
         constraint: ". >= 18", constraint_message: {vi: Phải từ 18 tuổi., en: Must be 18 or over.}}
      - {name: income, type: decimal, label: {vi: Thu nhập, en: Income}}
      - {name: visit, type: date, label: {vi: Ngày, en: Date}}
      - name: used
        type: single
        label: {vi: "Đã dùng dịch vụ?", en: "Used the service?"}
        required: true
        choices:
          - {name: y, label: {vi: Có, en: "Yes"}}
          - {name: n, label: {vi: Không, en: "No"}}
  - name: p2
    title: {vi: Trang 2, en: Page 2}
    questions:
      - name: svc
        type: group
        label: {vi: Dịch vụ, en: Service}
        relevant: "${used} = 'y'"
        questions:
          - {name: s1, type: single, label: {vi: S1, en: S1}, choices: sat, criterion: "8.1", required: true}
          - {name: s2, type: single, label: {vi: S2, en: S2}, choices: sat, criterion: "8.1"}
          - {name: s3, type: single, label: {vi: S3, en: S3}, choices: sat, criterion: "3.3",
             relevant: "${s1} = '1'"}
      - name: wants
        type: multiple
        label: {vi: Mong đợi, en: Wishes}
        max_choices: 2
        randomize: true
        seed: 11
        other_specify: true
        choices:
          - {name: a, label: {vi: A, en: A}}
          - {name: b, label: {vi: B, en: B}}
          - {name: c, label: {vi: C, en: C}}
          - {name: d, label: {vi: D, en: D}}
          - {name: none, label: {vi: Không, en: None}, excluded: true}
          - {name: other, label: {vi: Khác, en: Other}}
      - {name: note1, type: note, label: {vi: Cảm ơn, en: Thanks}}
"""


@pytest.fixture
def form():
    return qn.load(FORM)


def codes(errors):
    return {(error.question, error.code) for error in errors}


def test_valid_answers_from_an_html_form_are_coerced(form):
    answers = {"age": " 30 ", "income": "1,5", "visit": "2025-02-03", "used": "y", "s1": "5",
               "wants": ["c", "a"]}
    assert form.validate(answers) == []
    assert form.clean(answers) == {"age": 30, "income": 1.5, "visit": "2025-02-03", "used": "y",
                                   "s1": "5", "wants": ["a", "c"]}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"used": "n"}, {("age", "required")}),
        ({"age": "1.5", "used": "n"}, {("age", "type")}),
        ({"age": True, "used": "n"}, {("age", "type")}),
        ({"age": 17, "used": "n"}, {("age", "constraint")}),
        ({"age": 20, "used": "n", "income": "abc"}, {("income", "type")}),
        ({"age": 20, "used": "n", "visit": "2025-02-30"}, {("visit", "type")}),
        ({"age": 20, "used": "maybe"}, {("used", "choice")}),
        ({"age": 20, "used": "y"}, {("s1", "required")}),
        ({"age": 20, "used": "n", "wants": ["a", "b", "c"]}, {("wants", "max_choices")}),
        ({"age": 20, "used": "n", "wants": ["a", "a"]}, {("wants", "type")}),
        ({"age": 20, "used": "n", "wants": ["other"]}, {("wants_other", "other_required")}),
        ({"age": 20, "used": "n", "zzz": 1}, {("zzz", "unknown_question")}),
        ({"age": 20, "used": "n", "note1": "x"}, {("note1", "unknown_question")}),
    ],
)
def test_errors(form, answers, expected):
    assert codes(form.validate(answers)) == expected


def test_messages_are_bilingual_sentences(form):
    [error] = form.validate({"age": 17, "used": "n"})
    assert error.message("vi") == "Phải từ 18 tuổi."
    assert error.message("en") == "Must be 18 or over."
    [error] = form.validate({"used": "n"})
    assert error.message_vi.endswith(".") and error.message_en.endswith(".")


def test_skip_logic_follows_answers_and_groups(form):
    base = {"age": 20}
    assert "s1" not in form.relevant_names({**base, "used": "n"})
    assert {"svc", "s1", "s2"} <= form.relevant_names({**base, "used": "y"})
    assert "s3" not in form.relevant_names({**base, "used": "y", "s1": "5"})
    assert "s3" in form.relevant_names({**base, "used": "y", "s1": "1"})
    # s1 = '1' left behind after the group was hidden does not make s3 relevant (ODK rule)
    assert "s3" not in form.relevant_names({**base, "used": "n", "s1": "1"})


def test_answers_to_irrelevant_questions_are_dropped_not_rejected(form):
    answers = {"age": 20, "used": "n", "s1": "not-a-choice", "s3": "5"}
    assert form.validate(answers) == []
    assert form.clean(answers) == {"age": 20, "used": "n"}


def test_other_text_is_kept_only_when_other_is_chosen(form):
    base = {"age": 20, "used": "n"}
    assert form.clean({**base, "wants": ["other"], "wants_other": "Wi-Fi"})["wants_other"] == "Wi-Fi"
    assert "wants_other" not in form.clean({**base, "wants": ["a"], "wants_other": "Wi-Fi"})


def test_clean_raises_with_every_error(form):
    with pytest.raises(qn.AnswersInvalid) as caught:
        form.clean({"age": 10, "used": "x"})
    assert codes(caught.value.errors) == {("age", "constraint"), ("used", "choice")}


def test_page_validate_checks_only_that_page(form):
    answers = {"used": "y"}  # age missing on page 1, s1 missing on page 2
    assert codes(form.page_validate("p1", answers)) == {("age", "required")}
    assert codes(form.page_validate("p2", answers)) == {("s1", "required")}
    with pytest.raises(KeyError):
        form.page_validate("p9", answers)


def test_dates_accept_date_objects(form):
    assert form.clean({"age": 20, "used": "n", "visit": dt.date(2025, 1, 9)})["visit"] == "2025-01-09"


def test_scores_use_coefficients_and_omit_excluded(form):
    answers = {"age": 20, "used": "y", "s1": "1", "s2": "dk", "s3": "3"}
    assert form.scores(answers) == {"8.1": [0.0], "3.3": [0.5]}
    assert form.scores({"age": 20, "used": "y", "s1": "5", "s2": "3"}) == {"8.1": [1.0, 0.5], "3.3": []}
    assert form.scores({"age": 20, "used": "n"}) == {"8.1": [], "3.3": []}


def test_choice_order_is_seeded_and_keeps_anchors_last(form):
    first = [c.name for c in form.choice_order("wants", seed=1)]
    assert first == [c.name for c in form.choice_order("wants", seed=1)]
    assert first[-2:] == ["none", "other"]
    assert sorted(first[:4]) == ["a", "b", "c", "d"]
    orders = {tuple(c.name for c in form.choice_order("wants", seed=s)) for s in range(30)}
    assert len(orders) > 5  # 24 permutations of 4 movable options: seeds do shuffle
    assert [c.name for c in form.choice_order("wants")] == [
        c.name for c in form.choice_order("wants", seed=11)]
    assert [c.name for c in form.choice_order("used", seed=3)] == ["y", "n"]
    with pytest.raises(ValueError):
        form.choice_order("age", seed=1)


def test_questions_and_lookup(form):
    assert [q.name for q in form.questions] == [
        "age", "income", "visit", "used", "svc", "s1", "s2", "s3", "wants", "note1"]
    assert form.question("s3").criterion == "3.3"
    assert form.parent("s3") == "svc"
    assert form.choice_lists["sat"][2].coefficient == 1.0
    with pytest.raises(KeyError):
        form.question("nope")
    assert form.title.get("en") == "Test form"
    assert qn.Label(vi="chỉ tiếng Việt").get("en") == "chỉ tiếng Việt"
