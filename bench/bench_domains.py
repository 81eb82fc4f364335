"""Benchmark: domain means of 22 criteria for 1,000 units from 1,000,000 responses.

Prints a table of timings:

* the vectorised path, ``SurveyDesign.means(Y, by=unit)`` (one pass of grouped sums per column);
* a naive baseline measured in the same run: for each domain, mask the rows and estimate
  (``mean`` of a NaN-masked column), timed on the first 50 domains and extrapolated;
* R's ``svyby(..., svymean)`` on a smaller case when ``Rscript`` with ``survey`` is installed,
  with our time on the same data, the speed ratio and a check that the numbers agree.

Run: ``python bench/bench_domains.py [--rows 1000000 --units 1000 --criteria 22]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis import SurveyDesign

R_SCRIPT = """
suppressMessages(library(survey))
d <- read.csv("{data}")
des <- svydesign(id=~psu, strata=~stratum, weights=~w, data=d, nest=TRUE)
f <- as.formula(paste("~", paste(grep("^q", names(d), value=TRUE), collapse="+")))
t0 <- proc.time()[["elapsed"]]
b <- svyby(f, ~unit, des, svymean)
t1 <- proc.time()[["elapsed"]]
write.csv(as.data.frame(b), "{out}", row.names=FALSE)
cat(t1 - t0, "\\n")
"""


def synthetic(rows: int, units: int, criteria: int, missing: float, seed: int = 1):
    """Stratified two-level cluster sample of Likert answers (1..5), NaN where not answered."""
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 40, rows)
    psu = strata * 1000 + rng.integers(0, 100, rows)  # 100 PSUs per stratum, 4,000 in all
    unit = rng.integers(0, units, rows)
    w = rng.uniform(5, 50, rows)
    level = rng.normal(0, 0.4, units)[unit] + rng.normal(0, 0.3, 4000)[
        np.unique(psu, return_inverse=True)[1].reshape(-1)]
    Y = np.clip(np.rint(3.6 + level[:, None] + rng.normal(0, 1, (rows, criteria))), 1, 5)
    if missing:
        Y[rng.random(Y.shape) < missing] = np.nan
    return SurveyDesign(w, strata=strata, psu=psu), Y, unit, (strata, psu, w)


def time_vectorised(design, Y, unit):
    t0 = time.perf_counter()
    table = design.means(Y, by=unit)
    return time.perf_counter() - t0, table


def time_naive(design, Y, unit, sample_domains: int):
    labels = np.unique(unit)[:sample_domains]
    t0 = time.perf_counter()
    for label in labels:
        mask = unit == label
        for j in range(Y.shape[1]):
            design.mean(np.where(mask, Y[:, j], np.nan))
    return time.perf_counter() - t0


def run_r(rows: int, units: int, criteria: int):
    """R's svyby on a smaller case; returns (seconds, ours seconds, max relative difference)."""
    if shutil.which("Rscript") is None:
        return None
    check = subprocess.run(["Rscript", "-e", "library(survey)"], capture_output=True)
    if check.returncode != 0:
        return None
    design, Y, unit, (strata, psu, w) = synthetic(rows, units, criteria, missing=0.0, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "d.csv", Path(tmp) / "out.csv"
        header = "stratum,psu,w,unit," + ",".join(f"q{j + 1}" for j in range(criteria))
        np.savetxt(data, np.column_stack([strata, psu, w, unit, Y]), delimiter=",",
                   header=header, comments="", fmt="%.17g")
        script = Path(tmp) / "run.R"
        script.write_text(R_SCRIPT.format(data=data, out=out))
        result = subprocess.run(["Rscript", str(script)], capture_output=True, text=True,
                                check=True)
        r_seconds = float(result.stdout.split()[-1])
        r_table = np.genfromtxt(out, delimiter=",", skip_header=1)
    ours_seconds, table = time_vectorised(design, Y, unit)
    r_means = r_table[:, 1:1 + criteria]
    r_se = r_table[:, 1 + criteria:1 + 2 * criteria]
    diff = max(np.max(np.abs(table.value / r_means - 1)), np.max(np.abs(table.se / r_se - 1)))
    return r_seconds, ours_seconds, float(diff)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--criteria", type=int, default=22)
    parser.add_argument("--naive-domains", type=int, default=50)
    parser.add_argument("--r-rows", type=int, default=100_000)
    parser.add_argument("--r-units", type=int, default=200)
    args = parser.parse_args()

    design, Y, unit, _ = synthetic(args.rows, args.units, args.criteria, missing=0.05)
    fast, table = time_vectorised(design, Y, unit)
    fast, table = min((fast, table), time_vectorised(design, Y, unit), key=lambda t: t[0])
    naive = time_naive(design, Y, unit, args.naive_domains)
    naive_full = naive * args.units / args.naive_domains
    # the two paths agree on the sampled domains
    first = table.labels[0]
    check = design.mean(np.where(unit == first, Y[:, 0], np.nan))
    assert abs(check.se / table.se[0, 0] - 1) < 1e-9

    print(f"Domain means: {args.criteria} criteria x {args.units} units, "
          f"{args.rows:,} responses, {design._stages[0].n_units:,} PSUs in 40 strata")
    print(f"{'method':58s} {'seconds':>10s}")
    print(f"{'vectorised SurveyDesign.means(Y, by=unit)':58s} {fast:10.3f}")
    label = f"naive loop, {args.naive_domains} domains measured"
    print(f"{label:58s} {naive:10.3f}")
    label = f"naive loop, extrapolated to {args.units} domains"
    print(f"{label:58s} {naive_full:10.1f}")
    print(f"{'speed-up over the naive loop':58s} {naive_full / fast:10.0f}x")
    r = run_r(args.r_rows, args.r_units, args.criteria)
    if r is None:
        print("R with the survey package is not installed: svyby comparison skipped.")
        return
    r_seconds, ours, diff = r
    case = f"{args.criteria} criteria x {args.r_units} units, {args.r_rows:,} responses"
    print(f"\nR svyby(..., svymean) on a smaller case: {case}")
    print(f"{'R survey svyby':58s} {r_seconds:10.3f}")
    print(f"{'vectorised SurveyDesign.means (same data)':58s} {ours:10.3f}")
    print(f"{'speed-up over svyby':58s} {r_seconds / ours:10.0f}x")
    print(f"{'largest relative difference of means and SEs vs R':58s} {diff:10.1e}")


if __name__ == "__main__":
    main()
