"""A questionnaire is checked once per load: every expression is parsed exactly once."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import questionnaires as qn
from questionnaires import checks
from questionnaires.bundled import bundled


def _readme_example() -> str:
    readme = Path(qn.__file__).with_name("README.md").read_text("utf-8")
    return re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)[0]


def _expression_count(q: qn.Questionnaire) -> int:
    questions = sum((question.relevant is not None) + (question.constraint is not None)
                    for question in q.questions)
    return questions + sum(page.relevant is not None for page in q.pages)


@pytest.fixture
def parse_calls(monkeypatch):
    calls: list[str] = []
    parse = checks.parse

    def counting(text):
        calls.append(text)
        return parse(text)

    monkeypatch.setattr(checks, "parse", counting)
    return calls


@pytest.mark.parametrize("source", ["sipas_2025", "readme"])
def test_each_expression_is_parsed_once_per_load(source, parse_calls):
    form = qn.load(_readme_example()) if source == "readme" else qn.load_bundled(source)
    data = form.to_dict()  # loading parses too: count from here on
    parse_calls.clear()
    q = qn.Questionnaire.from_dict(data)
    assert _expression_count(q) > 0
    assert len(parse_calls) == _expression_count(q)


def test_yaml_load_parses_once(parse_calls):
    text = _readme_example()
    parse_calls.clear()
    q = qn.load(text)
    assert len(parse_calls) == _expression_count(q)


def test_a_proof_for_other_parts_is_not_trusted(parse_calls):
    q = qn.load_bundled("sipas_2025")
    _, proof = checks.check_once(q)
    assert proof is not None and proof.covers(q)
    parse_calls.clear()
    # same proof, but a page list that was never checked: the model checks again and refuses
    broken = dataclasses.replace(q.pages[0], relevant="${nowhere} = 1")
    with pytest.raises(qn.QuestionnaireError) as caught:
        qn.Questionnaire(q.id, q.version, q.title, q.languages, q.respondent_group,
                         (broken,) + q.pages[1:], q.description, q.sipas_service,
                         q.sipas_policy, proof)
    assert "nowhere" in str(caught.value)
    assert parse_calls  # it did parse again


def test_every_bundled_form_loads_with_one_parse_per_expression(parse_calls):
    for name in bundled():
        parse_calls.clear()
        q = qn.load_bundled(name)
        assert len(parse_calls) == _expression_count(q), name
