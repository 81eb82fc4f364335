"""What a round accepts in each status: the rules live on ``SurveyRound`` (pure, no query)."""
from __future__ import annotations

import datetime as dt

import pytest

from survey_app.models import SurveyRound

# status → (answers, frames, draws, invitations, entry points, edits, cell removal)
RULES = {
    "draft": (False, True, True, True, True, True, True),
    "open": (True, True, True, True, True, True, False),
    "closed": (False, True, False, False, False, True, False),
    "published": (False, False, False, False, False, False, False),
}


@pytest.mark.parametrize("status", sorted(RULES))
def test_each_status_accepts_what_the_rules_say(status):
    survey_round = SurveyRound(status=status)
    assert (survey_round.accepts_answers, survey_round.accepts_frames,
            survey_round.accepts_draws, survey_round.accepts_invitations,
            survey_round.accepts_entry_points, survey_round.accepts_edits,
            survey_round.accepts_cell_removal) == RULES[status]
    assert survey_round.is_published == (status == "published")
    assert survey_round.has_opened == (status != "draft")


def test_a_round_has_ended_when_closed_or_past_its_closing_date():
    closes = dt.date(2025, 11, 30)
    survey_round = SurveyRound(status="open", closes_on=closes)
    assert not survey_round.has_ended(closes)
    assert survey_round.has_ended(closes + dt.timedelta(days=1))
    assert not SurveyRound(status="open", closes_on=None).has_ended(dt.date(2099, 1, 1))
    assert SurveyRound(status="closed", closes_on=None).has_ended(dt.date(2000, 1, 1))
    # its status still says open, but past its closing date it takes no answers
    assert survey_round.accepts_answers
    assert survey_round.accepts_answers_on(closes)
    assert not survey_round.accepts_answers_on(closes + dt.timedelta(days=1))
