"""Time PPS systematic selection of n = 3,000 from a 10,000,000-row frame.

Run:  python bench/bench_pps.py [rows] [n]

Prints a table with wall time and peak traced memory (tracemalloc, numpy allocations
included) for sampling.select and for two baselines measured in the same run: one
cumulative-sum pass with searchsorted (the minimum work of systematic PPS), and numpy's
Generator.choice with replacement and p=.
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np

from sampling import inclusion_probabilities, select


def measure(label, function):
    tracemalloc.start()
    began = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"| {label:<48} | {seconds:8.3f} | {peak / 2**20:10.1f} |")
    return result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3_000
    sizes = np.random.default_rng(1).lognormal(mean=3.0, sigma=1.0, size=rows)
    print(f"PPS systematic selection, n = {n:,} from {rows:,} rows "
          f"({sizes.nbytes / 2**20:.0f} MiB of sizes, not counted below)\n")
    print(f"| {'what':<48} | {'seconds':>8} | {'peak MiB':>10} |")
    print(f"|{'-' * 50}|{'-' * 10}|{'-' * 12}|")

    def cumulative_sum_pass():
        cumulated = np.cumsum(sizes)
        step = cumulated[-1] / n
        return np.searchsorted(cumulated, (0.5 + np.arange(n)) * step, side="right")

    def numpy_choice_with_replacement():
        rng = np.random.Generator(np.random.PCG64(1))
        return rng.choice(rows, size=n, replace=True, p=sizes / sizes.sum())

    measure("baseline: cumsum + searchsorted (no certainty)", cumulative_sum_pass)
    measure("baseline: Generator.choice(p=..., replace=True)", numpy_choice_with_replacement)
    measure("inclusion_probabilities(sizes, n)", lambda: inclusion_probabilities(sizes, n))
    selection = measure("select(pps_systematic, replacements=0)",
                        lambda: select(rows, n, "pps_systematic", size=sizes, seed=1,
                                       replacements=0))
    measure(f"select(pps_systematic, replacements={n})",
            lambda: select(rows, n, "pps_systematic", size=sizes, seed=1, replacements=n))
    heavy = sizes.copy()
    heavy[:: rows // 20] = sizes.sum() / 100  # 20 units of 1 % of the total each: certainty
    measure("select(pps_systematic), 20 certainty units",
            lambda: select(rows, n, "pps_systematic", size=heavy, seed=1, replacements=0))
    certain = int((selection.probabilities >= 1).sum())
    print(f"\nselected {selection.n:,} rows, {certain} certainty units; "
          f"sum of weights {selection.weights.sum():,.0f} (frame {rows:,})")


if __name__ == "__main__":
    main()
