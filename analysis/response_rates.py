"""AAPOR outcome rates from final dispositions: response, cooperation, refusal and contact rates.

The American Association for Public Opinion Research, *Standard Definitions: Final Dispositions of
Case Codes and Outcome Rates for Surveys*, 10th edition (2023), section "Response rates". The
disposition codes par-survey records map to AAPOR's groups:

==================  =====  =================================================
par-survey          AAPOR  meaning
==================  =====  =================================================
``complete``        I      complete interview (1.1)
``partial``         P      partial interview (1.2)
``refusal``         R      refusal and break-off (2.10)
``non_contact``     NC     eligible, not contacted (2.20)
``unable``          O      other eligible non-interview: language, illness (2.30)
``unknown``         UH+UO  unknown eligibility, non-interview (3.0)
``ineligible``      —      not eligible (4.0): outside every rate's denominator
==================  =====  =================================================
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

DISPOSITIONS = ("complete", "partial", "refusal", "non_contact", "unable", "unknown", "ineligible")


@dataclass(frozen=True)
class OutcomeRates:
    """AAPOR rates of one set of cases; ``None`` where a denominator is zero."""

    counts: dict
    e: float  # estimated share of unknown-eligibility cases that are eligible
    rr1: float | None
    rr3: float | None
    coop1: float | None
    ref1: float | None
    con1: float | None


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def eligibility_share(counts: Counter) -> float:
    """AAPOR's proportional ``e``: eligible ÷ (eligible + ineligible) among the resolved cases.

    With no resolved case ``e`` is 1, which makes RR3 equal RR1 (the conservative choice).
    """
    eligible = sum(counts[c] for c in ("complete", "partial", "refusal", "non_contact", "unable"))
    resolved = eligible + counts["ineligible"]
    return eligible / resolved if resolved else 1.0


def outcome_rates(dispositions: Iterable[str], e: float | None = None) -> OutcomeRates:
    """AAPOR RR1, RR3, COOP1, REF1 and CON1 of the final ``dispositions`` (one code per case).

    Parameters
    ----------
    dispositions : iterable of str
        One final disposition per sampled case, each one of ``DISPOSITIONS``.
    e : float, optional
        Share of unknown-eligibility cases estimated to be eligible (0 ≤ e ≤ 1); by default the
        proportional estimate of :func:`eligibility_share`.

    Returns
    -------
    OutcomeRates

    References
    ----------
    AAPOR (2023), *Standard Definitions*, 10th ed.: RR1 = I / ((I+P) + (R+NC+O) + U);
    RR3 = I / ((I+P) + (R+NC+O) + e·U); COOP1 = I / ((I+P) + R + O);
    REF1 = R / ((I+P) + (R+NC+O) + U); CON1 = ((I+P) + R + O) / ((I+P) + R + O + NC + U).
    """
    counts = Counter()
    for code in dispositions:
        if code not in DISPOSITIONS:
            raise ValueError(f"unknown disposition {code!r}; expected one of {DISPOSITIONS}")
        counts[code] += 1
    if e is None:
        e = eligibility_share(counts)
    if not 0.0 <= e <= 1.0:
        raise ValueError(f"e must lie in [0, 1], got {e}")
    interviews = counts["complete"] + counts["partial"]
    eligible_non = counts["refusal"] + counts["non_contact"] + counts["unable"]
    unknown = counts["unknown"]
    return OutcomeRates(
        counts={code: counts[code] for code in DISPOSITIONS},
        e=e,
        rr1=_ratio(counts["complete"], interviews + eligible_non + unknown),
        rr3=_ratio(counts["complete"], interviews + eligible_non + e * unknown),
        coop1=_ratio(counts["complete"], interviews + counts["refusal"] + counts["unable"]),
        ref1=_ratio(counts["refusal"], interviews + eligible_non + unknown),
        con1=_ratio(interviews + counts["refusal"] + counts["unable"],
                    interviews + eligible_non + unknown),
    )
