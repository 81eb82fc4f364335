"""Synthetic answers (demo, load tests) fit the bundled forms and straight-line every rated item."""
from __future__ import annotations

import numpy as np
import pytest

import questionnaires
from survey_app.operations.synthetic import synthesize_answers


@pytest.mark.parametrize("name", sorted(questionnaires.bundled()))
def test_synthetic_answers_are_valid_for_every_bundled_form(name):
    form = questionnaires.load_bundled(name)
    rng = np.random.default_rng(7)
    for _ in range(20):
        answers = synthesize_answers(form, rng, quality=float(rng.uniform(0.3, 0.95)))
        assert form.validate(answers) == []


def test_straight_liners_give_one_rating_to_every_satisfaction_item():
    form = questionnaires.load_bundled("sipas_2025")
    rated = [x.name for x in form.questions
             if x.type == "single" and any(c.coefficient is not None for c in x.choices)]
    assert len(rated) >= 34
    straight = synthesize_answers(form, np.random.default_rng(1), 0.6, straight_line=True)
    assert {straight[name] for name in rated} == {"5"}
    varied = synthesize_answers(form, np.random.default_rng(1), 0.6)
    assert len({varied[name] for name in rated}) > 1
