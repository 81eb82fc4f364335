"""sampling.plan: options checked against a frame's columns, sizes previewed before a draw, and
problems as codes with arguments (no language), on plain rows."""

from __future__ import annotations

import pytest

from sampling.plan import (
    ENGLISH,
    PlanOptions,
    PlanProblem,
    check_options,
    parse_sds,
    preview_plan,
    psu_sizes_from,
    psu_sizes_from_column,
)

COLUMNS = ("dossier_id", "unit_code", "population")
NUMERIC = ("population",)


def rows(**counts: int) -> list[dict]:
    return [{"unit_code": code} for code, count in counts.items() for _ in range(count)]


def problem_of(call, *args, **kwargs) -> PlanProblem:
    with pytest.raises(PlanProblem) as caught:
        call(*args, **kwargs)
    assert caught.value.code in ENGLISH
    return caught.value


def test_cochran_size_of_a_thousand_rows_is_278():
    # 1.96² · 0.25 / 0.05² = 384.2; 384.2 / (1 + 383.2 / 1000) = 277.7 → 278 (sampling/README.md)
    preview = preview_plan(PlanOptions(), rows(A=1000))
    assert (preview.population, preview.n) == (1000, 278)
    assert preview.strata[0].label is None


def test_slovin_and_fixed_sizes():
    assert preview_plan(PlanOptions(size_mode="slovin"), rows(A=1000)).n == 286  # 1000/3.5
    assert preview_plan(PlanOptions(size_mode="fixed", n=7), rows(A=10)).n == 7


def test_proportional_and_neyman_allocation_by_stratum():
    frame = rows(SNV=500, STP=300, SXD=200)
    options = PlanOptions(size_mode="fixed", n=100, strata_column="unit_code")
    assert [(s.label, s.population, s.n) for s in preview_plan(options, frame).strata] == [
        ("SNV", 500, 50), ("STP", 300, 30), ("SXD", 200, 20)]
    # Neyman: n_h ∝ N_h S_h = 2500, 3000, 4000 of 9500 → 26.3, 31.6, 42.1 → 26, 32, 42
    neyman = PlanOptions(size_mode="fixed", n=100, strata_column="unit_code",
                         allocation="neyman", sds=parse_sds("SNV=5; STP=10; SXD = 20"))
    assert [s.n for s in preview_plan(neyman, frame).strata] == [26, 32, 42]


def test_problems_are_codes_with_arguments():
    assert problem_of(parse_sds, "A=5; B").arguments == {"item": "B"}
    assert parse_sds("A=2,5") == {"A": 2.5}
    wrong = problem_of(check_options, PlanOptions(strata_column="ma_xa"), COLUMNS, NUMERIC)
    assert (wrong.code, wrong.arguments) == ("no_such_column", {"column": "ma_xa"})
    assert str(wrong) == "the frame has no column “ma_xa”."
    too_many = problem_of(preview_plan, PlanOptions(size_mode="fixed", n=11), rows(A=10))
    assert (too_many.code, too_many.arguments) == ("n_over_population",
                                                   {"n": 11, "population": 10})
    floor = problem_of(preview_plan, PlanOptions(size_mode="fixed", n=5, minimum=3,
                                                 strata_column="unit_code"), rows(A=9, B=9))
    assert floor.arguments == {"minimum": 3, "floor": 6, "n": 5}
    gap = problem_of(preview_plan, PlanOptions(strata_column="unit_code", size_mode="fixed",
                                               n=2), [{"unit_code": "A"}, {"unit_code": ""}])
    assert (gap.code, gap.arguments) == ("stratum_missing", {"row": 2, "column": "unit_code"})
    assert problem_of(check_options, PlanOptions(method="pps_systematic"), COLUMNS,
                      NUMERIC).code == "pps_needs_size"
    assert problem_of(check_options, PlanOptions(size_mode="fixed"), COLUMNS,
                      NUMERIC).code == "n_missing"


@pytest.mark.parametrize("change, code", [
    ({"strata_column": "unit_code"}, "two_stage_no_strata"),
    ({"psu_column": None}, "psu_column_missing"),
    ({"n_psu": 0}, "n_psu_invalid"),
    ({"per_psu": True}, "per_psu_invalid"),
    ({"replacements": -1}, "replacements_invalid"),
    ({"psu_replacements": 1.5}, "psu_replacements_invalid"),
    ({"psu_column": "dossier_id", "psu_size_column": "communes:3"}, "communes_need_unit_code"),
    ({"psu_size_column": "dossier_id"}, "size_column_not_numeric"),
])
def test_two_stage_options_are_checked(change, code):
    options = PlanOptions(**{"method": "two_stage", "psu_column": "unit_code", "n_psu": 2,
                             "per_psu": 3, **change})
    assert problem_of(check_options, options, COLUMNS, NUMERIC).code == code


def test_two_stage_preview_counts_certainty_and_small_psus():
    # sizes 60, 30, 10 and n_psu = 2: 2·60/100 > 1, so A is certain; then 30 and 10 share 1 PSU
    frame = rows(A=6, B=3, C=1)
    options = PlanOptions(method="two_stage", psu_column="unit_code", n_psu=2, per_psu=2)
    preview = preview_plan(options, frame, {"A": 60.0, "B": 30.0, "C": 10.0})
    stages = preview.two_stage
    assert (preview.population, preview.n) == (10, 4)
    assert (stages.psu_count, stages.certainty_psus, stages.small_psus) == (3, 1, 1)
    over = problem_of(preview_plan, PlanOptions(method="two_stage", psu_column="unit_code",
                                                n_psu=4, per_psu=1), frame)
    assert over.arguments == {"n_psu": 4, "available": 3, "column": "unit_code"}


def test_psu_sizes_come_from_a_column_or_another_frame():
    design = [{"p": 5}, {"p": 5}, {"p": 9}]
    assert psu_sizes_from_column(design, ["A", "A", "B"], "p") == {"A": 5.0, "B": 9.0}
    uneven = problem_of(psu_sizes_from_column, design, ["A", "B", "B"], "p")
    assert uneven.arguments == {"row": 3, "column": "p", "psu": "B"}
    assert psu_sizes_from(["B", "A", "B"], {"A": 1.0, "B": 2.0, "C": 3.0}, "7") == {
        "B": 2.0, "A": 1.0}
    assert problem_of(psu_sizes_from, ["Z"], {"A": 1.0}, "7").arguments == {
        "psu": "Z", "source": "7"}


def test_options_round_trip_through_a_dict():
    options = PlanOptions(method="two_stage", psu_column="unit_code", n_psu=2, per_psu=3,
                          psu_size_column="communes:12", sds={"A": 1.5})
    assert PlanOptions.from_dict({**options.to_dict(), "first_stage": {}}) == options
    assert options.communes_sizes == "12" and PlanOptions().communes_sizes is None
