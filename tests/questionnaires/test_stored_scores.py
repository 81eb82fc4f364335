"""Analysis scores stored answers without checking them again (``stored_scores``). Stored answers
are ``clean``'s output, so what analysis did before (``scores`` of the stored answers: checked and
cleaned again) must equal ``stored_scores`` of them, and cleaning them again must change nothing:
on generated forms with skip logic (answers to hidden questions included, which cleaning drops)
and on the bundled forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import draw_answers, questionnaires

import questionnaires as qn
from survey_app.operations.synthetic import synthesize_answers


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(questionnaires(), st.data())
def test_stored_scores_of_cleaned_answers_equal_scores(q, data):
    answers = draw_answers(q, data)
    if q.validate(answers):
        return
    cleaned = q.clean(answers)  # what a submission stores
    assert q.stored_scores(cleaned) == q.scores(cleaned) == q.scores(answers)
    assert q.clean(cleaned) == cleaned  # cleaning is idempotent: stored answers stay as stored


@pytest.mark.parametrize("key", sorted(qn.bundled()))
def test_bundled_forms_score_stored_answers_as_before(key):
    q = qn.load_bundled(key)
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(60):
        answers = synthesize_answers(q, rng, float(rng.random()))
        if q.validate(answers):
            continue
        cleaned = q.clean(answers)
        assert q.stored_scores(cleaned) == q.scores(cleaned)
        assert q.clean(cleaned) == cleaned
        checked += 1
    assert checked > 0
