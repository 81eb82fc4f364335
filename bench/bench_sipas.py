"""Benchmark: SIPAS indices (19 criteria, 5 elements, overall) for 1,000 units.

Prints, for 100,000 and 1,000,000 synthetic responses:

* the time of ``analysis.sipas_indices`` (province and every unit, share and 0–100 score, SEs,
  intervals, df, n), best and median of ``--repeat`` runs, with the load average beside it,
  and the CPU seconds of the process (what a shared machine's load does not add);
* in the same run, the previous implementation (``tests/analysis/sipas_oracle.py``, one
  ``design.means`` column per index and measure) and the largest relative difference between
  the two over every value, SE and interval bound (``--old-max-rows`` skips it above a size);
* for scale, one ``SurveyDesign.means`` of the 19 rating columns by unit (criterion scores only);
* a baseline measured in the same run: each unit computed on its own (mask the unit's rows,
  one ``SurveyDesign.mean`` call per index and measure), timed on a few units and extrapolated
  to all units plus the province, with the largest relative difference of the two paths'
  values and SEs on the units measured.

Run: ``python bench/bench_sipas.py [--rows 100000 1000000 --units 1000 --repeat 3
--old-max-rows 1000000 --baseline-units 2]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from analysis import SurveyDesign, sipas_indices

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "analysis"))
import sipas_oracle  # noqa: E402  (the previous implementation, kept as the tests' oracle)

# Part II of the national questionnaire: access 4, procedure 4, officials 5, results 3, feedback 3
ELEMENTS = (
    ["access"] * 4 + ["procedure"] * 4 + ["officials"] * 5 + ["results"] * 3 + ["feedback"] * 3
)
CODES = [f"c{j + 1:02d}" for j in range(len(ELEMENTS))]


def synthetic(rows: int, units: int, missing: float = 0.05, seed: int = 1):
    """Stratified cluster sample of 1..5 ratings (40 strata × 100 PSUs), NaN where not answered."""
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 40, rows)
    psu = strata * 1000 + rng.integers(0, 100, rows)
    labels = np.array([f"U{u:04d}" for u in range(units)])
    unit_code = rng.integers(0, units, rows)
    level = rng.normal(0, 0.4, units)[unit_code]
    answers = np.clip(np.rint(3.6 + level[:, None] + rng.normal(0, 1, (rows, len(CODES)))), 1, 5)
    answers[rng.random(answers.shape) < missing] = np.nan
    design = SurveyDesign(rng.uniform(5, 50, rows), strata=strata, psu=psu)
    return design, answers, labels[unit_code]


def one_unit(design, answers, in_unit, satisfied_from: int = 4) -> dict:
    """One unit's indices the straightforward way: its rows masked, one design call per index.

    Returns ``{(level, code): (share, share SE, score, score SE)}`` on the scales of
    :func:`sipas_indices` (percent and 0–100).
    """
    w = design.weights
    y = np.where(in_unit[:, None], answers, np.nan)
    answered = ~np.isnan(y)
    measures = (np.where(answered, y >= satisfied_from, 0.0), np.where(answered, y, 0.0))
    n_hat = w @ answered
    live = n_hat > 0
    safe = np.where(live, n_hat, 1.0)
    thetas = [(w @ x) / safe for x in measures]
    vectors = {
        ("criterion", code): np.eye(len(CODES))[j] for j, code in enumerate(CODES) if live[j]
    }
    element_vectors = []
    for element in dict.fromkeys(ELEMENTS):
        member = np.array([e == element for e in ELEMENTS]) & live
        if member.any():
            vectors[("element", element)] = member / member.sum()
            element_vectors.append(member / member.sum())
    if element_vectors:
        vectors[("overall", "overall")] = np.mean(element_vectors, axis=0)
    out = {}
    for key, a in vectors.items():
        carried = answered[:, a > 0].any(axis=1)
        figures = []
        for x, theta in zip(measures, thetas):
            z = (np.where(answered, x - theta, 0.0) / safe) @ a
            estimate = design.mean(np.where(carried, z * w[carried].sum(), np.nan))
            figures += [float(a @ theta), estimate.se]
        share, share_se, mean, mean_se = figures
        out[key] = (100 * share, 100 * share_se, 25 * (mean - 1), 25 * mean_se)
    return out


def largest_difference(result, per_unit: dict) -> float:
    """Largest relative difference of values and SEs between the two paths."""
    worst = 0.0
    for unit, figures in per_unit.items():
        for key, expected in figures.items():
            index = result.get(*key, unit)
            got = (index.share.value, index.share.se, index.score.value, index.score.se)
            worst = max(worst, max(abs(g / e - 1) for g, e in zip(got, expected) if e))
    return worst


def all_figures(result) -> np.ndarray:
    """Every number of a result, index by index (value, SE, interval bounds of both measures)."""
    return np.array([
        [getattr(getattr(i, m), f) for m in ("share", "score")
         for f in ("value", "se", "ci_low", "ci_high")]
        for i in result.indices
    ])


def relative_difference(new, old) -> float:
    """Largest relative difference of two results' figures (df, n, flags must be equal)."""
    assert [(i.level, i.code, i.unit, i.small_cell, i.share.n, i.share.df, i.score.df)
            for i in new.indices] == [
        (i.level, i.code, i.unit, i.small_cell, i.share.n, i.share.df, i.score.df)
        for i in old.indices]
    a, b = all_figures(new), all_figures(old)
    both = ~(np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(a - b) / np.maximum(np.abs(b), 1e-300)
    rel = np.where(np.abs(a - b) <= 1e-13, 0.0, rel)  # rounding noise around an exact zero
    return float(rel[both].max())


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--baseline-units", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--old-max-rows", type=int, default=1_000_000)
    args = parser.parse_args()

    print(
        f"SIPAS indices: {len(CODES)} criteria in 5 elements + overall, share and score, "
        f"province + {args.units} units; 40 strata x 100 PSUs"
    )
    print(f"{'responses':>10s} {'method':52s} {'seconds':>9s}")
    for rows in args.rows:
        design, answers, units = synthetic(rows, args.units)
        times, cpu = [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = sipas_indices(answers, CODES, ELEMENTS, design, units=units)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        fast = min(times)
        label = f"sipas_indices on cell sums: best of {len(times)}"
        print(f"{rows:>10,d} {label:52s} {fast:9.2f}   ({load()})")
        label = "sipas_indices on cell sums: median"
        print(f"{'':>10s} {label:52s} {statistics.median(times):9.2f}")
        label = "sipas_indices on cell sums: CPU seconds, best"
        print(f"{'':>10s} {label:52s} {min(cpu):9.2f}")

        if rows <= args.old_max_rows:
            start, start_cpu = time.perf_counter(), time.process_time()
            old = sipas_oracle.sipas_indices(answers, CODES, ELEMENTS, design, units=units)
            previous = time.perf_counter() - start
            previous_cpu = time.process_time() - start_cpu
            label = "previous implementation (one design column per index)"
            print(f"{'':>10s} {label:52s} {previous:9.2f}   ({load()})")
            label = "previous implementation: CPU seconds"
            print(f"{'':>10s} {label:52s} {previous_cpu:9.2f}")
            print(f"{'':>10s} {'speed-up over the previous implementation':52s} "
                  f"{previous / fast:8.1f}x")
            label = "largest relative difference, every figure"
            print(f"{'':>10s} {label:52s} {relative_difference(result, old):9.1e}")

        start = time.perf_counter()
        design.means(answers, by=units)
        plain = time.perf_counter() - start

        sample = sorted(set(units))[: args.baseline_units]
        start = time.perf_counter()
        per_unit = {unit: one_unit(design, answers, units == unit) for unit in sample}
        measured = time.perf_counter() - start
        extrapolated = measured / len(sample) * (args.units + 1)
        diff = largest_difference(result, per_unit)

        label = "for scale: one design.means(answers, by=units)"
        print(f"{'':>10s} {label:52s} {plain:9.2f}")
        label = f"baseline: per-unit design calls, {len(sample)} units measured"
        print(f"{'':>10s} {label:52s} {measured:9.2f}")
        label = f"baseline extrapolated to {args.units} units + province"
        print(f"{'':>10s} {label:52s} {extrapolated:9.1f}")
        print(f"{'':>10s} {'speed-up over the baseline':52s} {extrapolated / fast:8.0f}x")
        print(f"{'':>10s} {'largest relative difference, measured units':52s} {diff:9.1e}")


if __name__ == "__main__":
    main()
