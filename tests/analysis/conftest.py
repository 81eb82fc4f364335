"""Reference data for the design tests: R's survey data sets and golden values (no R needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import SurveyDesign

REFERENCE = Path(__file__).parent / "reference"


def load_csv(name: str) -> pd.DataFrame:
    """A data set exported from R (``reference/export-datasets.R``); NA becomes NaN."""
    return pd.read_csv(REFERENCE / f"{name}.csv")


@pytest.fixture(scope="session")
def reference_csv():
    """``reference_csv(name)`` reads ``reference/<name>.csv``."""
    return load_csv


@pytest.fixture(scope="session")
def golden() -> dict:
    """R survey 4.1 values written by ``reference/r-survey-oracle.R``."""
    return json.loads((REFERENCE / "r-survey-golden.json").read_text())


@pytest.fixture(scope="session")
def api() -> dict:
    return {name: load_csv(name) for name in ("apisrs", "apistrat", "apiclus1", "apiclus2")}


@pytest.fixture(scope="session")
def designs(api) -> dict:
    """The api designs of the oracle script, by the names it uses."""
    srs, strat, c1, c2 = (api[k] for k in ("apisrs", "apistrat", "apiclus1", "apiclus2"))
    stages = np.column_stack([c2.dnum, c2.snum])
    return {
        "dsrs": (SurveyDesign(None, fpc=srs.fpc), srs),
        "dstrat": (SurveyDesign(strat.pw, strata=strat.stype, fpc=strat.fpc), strat),
        "dstratwr": (SurveyDesign(strat.pw, strata=strat.stype), strat),
        "dclus1": (SurveyDesign(c1.pw, psu=c1.dnum, fpc=c1.fpc), c1),
        "dclus1wr": (SurveyDesign(c1.pw, psu=c1.dnum), c1),
        "dclus2": (SurveyDesign(None, psu=stages, fpc=np.column_stack([c2.fpc1, c2.fpc2])), c2),
        "dclus2wr": (SurveyDesign(c2.pw, psu=stages), c2),
    }


@pytest.fixture(scope="session")
def likert() -> pd.DataFrame:
    d0 = load_csv("likert_fixture")
    d0["crit"] = d0[["q1", "q2", "q3"]].mean(axis=1)
    d0["idx"] = (d0["crit"] - 1) / 4 * 100
    d0["t2b"] = (d0["q1"] >= 4).astype(float)
    return d0
