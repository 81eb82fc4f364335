"""SIPAS indices on cell sums equal the previous implementation (``sipas_oracle``) to 1e-12.

Random designs cover strata and clusters, fpc, two sampling stages, PPS, lonely PSUs under each
rule, missing answers, exclusions, units with a single respondent, units that answered nothing
of an element, items of an element not side by side, integer unit labels, calibrated and
replicate designs (these take the design route), and no units at all.
"""

import numpy as np
import pytest

import sipas_oracle
from analysis import SurveyDesign, sipas_estimates, sipas_rows
from analysis.indices import sipas_indices

RTOL = 1e-12
ATOL = 1e-13  # on the 0–100 scales: SEs that are rounding noise around an exact zero


def _design(rng, n, kind):
    strata = rng.integers(0, 4, n)
    psu = strata * 100 + rng.integers(0, 6, n)
    weights = rng.uniform(1, 40, n)
    if kind == "lonely":
        psu[strata == 0] = 0  # stratum 0 has a single PSU
        rule = ["certainty", "adjust", "remove"][int(rng.integers(0, 3))]
        return SurveyDesign(weights, strata=strata, psu=psu, lonely_psu=rule)
    if kind == "fpc":
        return SurveyDesign(weights, strata=strata, psu=psu, fpc=np.full(n, 40.0))
    if kind == "two_stage":
        ssu = psu * 10 + rng.integers(0, 3, n)
        fpc = np.column_stack([np.full(n, 30.0), np.full(n, 200.0)])
        return SurveyDesign(None, strata=strata, psu=np.column_stack([psu, ssu]), fpc=fpc,
                            lonely_psu="adjust")
    if kind == "pps":
        prob = (psu % 100 + 1) / 20.0
        return SurveyDesign(weights, strata=strata, psu=psu, fpc=prob, pps="brewer")
    if kind == "unclustered":
        return SurveyDesign(weights, strata=strata)
    design = SurveyDesign(weights, strata=strata, psu=psu)
    if kind == "calibrated":
        return design.poststratify(rng.choice(["F", "M"], n), {"F": 1500.0, "M": 1400.0})
    if kind == "replicate":
        return design.replicate("JKn")
    return design


KINDS = ["plain", "lonely", "fpc", "two_stage", "pps", "unclustered", "calibrated", "replicate"]


def random_round(seed, kind):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(80, 400))
    k = int(rng.integers(2, 8))
    answers = rng.integers(1, 6, (n, k)).astype(float)
    answers[rng.random((n, k)) < rng.uniform(0, 0.5)] = np.nan
    elements = [f"E{e}" for e in rng.integers(0, 3, k)]  # items of an element not side by side
    labels = [f"u{u}" for u in range(int(rng.integers(1, 12)))]
    units = rng.choice(labels, n).astype(object)
    units[0] = "solo"  # a unit with one respondent
    answers[units == labels[0], 0] = np.nan  # a unit nobody in which answered criterion 0
    if seed % 2:
        units = np.array([int(u[1:]) if u != "solo" else 99 for u in units])  # integer labels
    else:
        units = units.astype(str)
    exclude = rng.random(n) < 0.1 if seed % 3 == 0 else None
    return answers, [f"c{j}" for j in range(k)], elements, _design(rng, n, kind), units, exclude


def assert_same(new, old):
    assert len(new.indices) == len(old.indices)
    for a, b in zip(new.indices, old.indices):
        assert (a.level, a.code, a.unit, a.small_cell) == (b.level, b.code, b.unit, b.small_cell)
        for measure in ("share", "score"):
            x, y = getattr(a, measure), getattr(b, measure)
            assert (x.df, x.n) == (y.df, y.n)
            got = np.array([x.value, x.se, x.ci_low, x.ci_high, x.deff])
            want = np.array([y.value, y.se, y.ci_low, y.ci_high, y.deff])
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True,
                                       err_msg=f"{a.level} {a.code} {a.unit} {measure}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(6))
def test_cell_sums_equal_the_previous_implementation(seed, kind):
    answers, codes, elements, design, units, exclude = random_round(seed, kind)
    satisfied_from = 3 + seed % 3
    for by in (units, None):
        new = sipas_indices(answers, codes, elements, design, units=by, exclude=exclude,
                            satisfied_from=satisfied_from, min_n=5)
        old = sipas_oracle.sipas_indices(answers, codes, elements, design, units=by,
                                         exclude=exclude, satisfied_from=satisfied_from, min_n=5)
        assert_same(new, old)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("block_rows, loop_cells", [(16, 1), (16, 10**9), (100, 1), (100, 10**9)])
def test_small_blocks_and_both_ways_to_the_influence_totals(monkeypatch, kind, block_rows,
                                                             loop_cells):
    """Rows read in many blocks (units larger than a block, blocks of several units), the
    influence totals domain by domain (``loop_cells`` 1) or for all cells at once: the same
    numbers as the previous implementation."""
    monkeypatch.setattr(sipas_rows, "_BLOCK_ROWS", block_rows)
    monkeypatch.setattr(sipas_estimates, "DOMAIN_LOOP_CELLS", loop_cells)
    for seed in range(3):
        answers, codes, elements, design, units, exclude = random_round(seed, kind)
        for by in (units, None):
            new = sipas_indices(answers, codes, elements, design, units=by, exclude=exclude)
            old = sipas_oracle.sipas_indices(answers, codes, elements, design, units=by,
                                             exclude=exclude)
            assert_same(new, old)


def test_the_first_bad_answer_is_named_whatever_block_it_is_in(monkeypatch):
    monkeypatch.setattr(sipas_rows, "_BLOCK_ROWS", 4)
    answers = np.full((12, 2), 3.0)
    answers[9, 0] = 0.0
    answers[6, 1] = 2.5  # the first in row order, in the second block
    design = SurveyDesign(np.ones(12))
    exclude = np.zeros(12, dtype=bool)
    exclude[6] = True  # excluded rows are checked too
    with pytest.raises(ValueError, match=r"2\.5\)? of respondent 6 to item 'b'"):
        sipas_indices(answers, ["a", "b"], ["E", "E"], design, exclude=exclude)


def test_every_rating_the_same_gives_zero_se_as_before():
    rng = np.random.default_rng(7)
    n = 120
    answers = np.full((n, 3), 5.0)
    answers[rng.random((n, 3)) < 0.2] = np.nan
    design = SurveyDesign(rng.uniform(1, 9, n), strata=rng.integers(0, 3, n),
                          psu=rng.integers(0, 12, n) * 10 + rng.integers(0, 3, n) % 3)
    units = rng.choice(["a", "b"], n)
    new = sipas_indices(answers, ["x", "y", "z"], ["E", "E", "F"], design, units=units)
    old = sipas_oracle.sipas_indices(answers, ["x", "y", "z"], ["E", "E", "F"], design,
                                     units=units)
    assert_same(new, old)
    assert all(i.share.se == 0.0 and i.share.value == 100.0 for i in new.indices)


def test_text_labels_sort_as_strings_whatever_their_length():
    answers = np.array([[5.0], [4.0], [3.0], [2.0], [1.0], [5.0]])
    units = np.array(["b", "a10", "a", "a2", "ä", "b"])
    design = SurveyDesign(np.ones(6))
    result = sipas_indices(answers, ["q"], ["E"], design, units=units)
    assert list(dict.fromkeys(i.unit for i in result.indices)) == [None, "a", "a10", "a2", "b", "ä"]
    assert result.get("criterion", "q", "b").score.value == 100.0
