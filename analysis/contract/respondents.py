"""Respondent-level data for further analysis: CSV, XLSX and SPSS ``.sav`` with Vietnamese labels.

A :class:`Variable` holds a column's values, its Vietnamese label and, for coded answers, the
label of each code. The codebook lists every variable and value label.

Text is never put into a fixed-width NumPy string array (whose width would be set by the longest
answer): text columns stay Python objects, so one very long answer costs its own size only.
Every writer accepts any text ever stored: characters that a format cannot hold are replaced by
U+FFFD (see :func:`~analysis.contract.tables.clean_text`); the SPSS file cuts text longer than
32,767 bytes (SPSS's longest string) with a visible marker; CSV keeps it whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyreadstat

from .tables import clean_text, truncate_text, write_xlsx

_SPSS_NAME = re.compile(r"^[A-Za-z@][A-Za-z0-9_.@#$]*$")
CODEBOOK_HEADERS = ("variable", "label", "type", "value", "value_label")
SAV_MAX_STRING_BYTES = 32767


@dataclass(frozen=True)
class Variable:
    """One respondent-level column: SPSS-safe ``name``, Vietnamese ``label``, ``values``
    (numbers, ``NaN`` for missing, or text) and optional ``value_labels`` (code → label)."""

    name: str
    label: str
    values: Sequence
    value_labels: Mapping[float, str] = field(default_factory=dict)


def _check(variables: Sequence[Variable]) -> int:
    if not variables:
        raise ValueError("Give at least one variable to export.")
    names = [v.name for v in variables]
    bad = [n for n in names if not _SPSS_NAME.match(n) or len(n.encode()) > 64]
    if bad:
        raise ValueError(
            f"Variable names must start with a letter and hold only letters, digits and _ . @ # $ "
            f"(at most 64 bytes): {', '.join(bad)}."
        )
    if len({n.lower() for n in names}) != len(names):
        raise ValueError("Variable names must be unique (SPSS ignores case).")
    lengths = {len(v.values) for v in variables}
    if len(lengths) != 1:
        raise ValueError("Every variable must have one value per respondent.")
    return lengths.pop()


def _is_numeric(v: Variable) -> bool:
    """Numbers (or booleans) only; decided without building a NumPy array of the text."""
    if isinstance(v.values, np.ndarray):
        return v.values.dtype.kind in "biuf"
    return all(isinstance(x, (bool, int, float, np.bool_, np.number)) for x in v.values)


def respondent_frame(variables: Sequence[Variable]) -> pd.DataFrame:
    """The variables as a DataFrame (numeric columns as float, text as str)."""
    _check(variables)
    data = {}
    for v in variables:
        if _is_numeric(v):
            data[v.name] = np.asarray(v.values, dtype=float)
        else:
            data[v.name] = ["" if x is None else str(x) for x in v.values]
    return pd.DataFrame(data)


def respondent_table(variables: Sequence[Variable]) -> tuple[tuple[str, ...], list[list]]:
    """``(headers, rows)`` of the raw codes; missing numbers become None."""
    frame = respondent_frame(variables)
    rows = []
    for record in frame.itertuples(index=False):
        rows.append([None if isinstance(x, float) and np.isnan(x) else
                     (int(x) if isinstance(x, float) and x.is_integer() else x) for x in record])
    return tuple(frame.columns), rows


def codebook(variables: Sequence[Variable]) -> tuple[tuple[str, ...], list[list]]:
    """One row per variable (its label and type) and one per value label."""
    _check(variables)
    rows = []
    for v in variables:
        rows.append([v.name, v.label, "numeric" if _is_numeric(v) else "text", None, None])
        for code, label in v.value_labels.items():
            rows.append([v.name, None, None, code, label])
    return CODEBOOK_HEADERS, rows


def write_respondents_xlsx(variables: Sequence[Variable], target) -> None:
    """Data and codebook as two sheets of one workbook."""
    write_xlsx({"data": respondent_table(variables), "codebook": codebook(variables)}, target)


def write_respondents_sav(variables: Sequence[Variable], path) -> None:
    """SPSS ``.sav`` with Vietnamese variable labels and value labels (UTF-8)."""
    frame = respondent_frame(variables)
    labelled = {v.name: {float(k): _sav_text(str(t)) for k, t in v.value_labels.items()}
                for v in variables if v.value_labels}
    for name in labelled:
        if frame[name].dtype.kind != "f":
            raise ValueError(f"Value labels need numeric codes, but {name!r} holds text.")
    for name in frame.columns:
        if frame[name].dtype.kind not in "biuf":
            frame[name] = [_sav_text(x) for x in frame[name]]
    pyreadstat.write_sav(
        frame, str(path),
        column_labels=[_sav_text(v.label or "") for v in variables],
        variable_value_labels=labelled,
    )


def _sav_text(text: str) -> str:
    """Text SPSS can hold: no NUL or other control character (ReadStat stops at NUL), at most
    32,767 UTF-8 bytes (longer strings are written empty by ReadStat, so they are cut)."""
    return truncate_text(clean_text(text), max_bytes=SAV_MAX_STRING_BYTES)
