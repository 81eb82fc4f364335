"""AAPOR outcome rates against hand-worked values (Standard Definitions, 10th ed., 2023)."""
from __future__ import annotations

import pytest

from analysis.response_rates import outcome_rates

# 40 complete, 10 partial, 20 refusals, 15 non-contacts, 5 unable, 8 unknown, 2 ineligible
CASES = (["complete"] * 40 + ["partial"] * 10 + ["refusal"] * 20 + ["non_contact"] * 15
         + ["unable"] * 5 + ["unknown"] * 8 + ["ineligible"] * 2)


def test_rates_match_the_hand_worked_values():
    rates = outcome_rates(CASES)
    # eligible resolved = 40+10+20+15+5 = 90, ineligible 2: e = 90/92
    assert rates.e == pytest.approx(90 / 92, abs=1e-15)
    # RR1 = 40 / (50 + 40 + 8) = 40/98
    assert rates.rr1 == pytest.approx(0.408163265306, abs=1e-12)
    # RR3 = 40 / (50 + 40 + 8·90/92) = 40 / 97.8260869565...
    assert rates.rr3 == pytest.approx(0.408888888889, abs=1e-12)
    # COOP1 = 40 / (50 + 20 + 5) = 40/75
    assert rates.coop1 == pytest.approx(0.533333333333, abs=1e-12)
    # REF1 = 20/98; CON1 = (50 + 20 + 5) / 98
    assert rates.ref1 == pytest.approx(0.204081632653, abs=1e-12)
    assert rates.con1 == pytest.approx(0.765306122449, abs=1e-12)


def test_rr3_equals_rr1_without_unknown_eligibility_and_e_can_be_given():
    known = [c for c in CASES if c != "unknown"]
    rates = outcome_rates(known)
    assert rates.rr1 == rates.rr3 == pytest.approx(40 / 90)
    assert outcome_rates(CASES, e=0.0).rr3 == pytest.approx(40 / 90)


def test_empty_and_unknown_codes():
    assert outcome_rates([]).rr1 is None
    with pytest.raises(ValueError, match="unknown disposition 'answered'"):
        outcome_rates(["answered"])
    with pytest.raises(ValueError, match=r"e must lie in \[0, 1\]"):
        outcome_rates(CASES, e=1.5)
