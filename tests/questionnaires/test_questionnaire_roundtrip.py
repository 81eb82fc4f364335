"""Round-trip properties: YAML → model → YAML, dict/JSON → model, XLSForm → model → XLSForm."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from strategies import questionnaires

import questionnaires as qn

_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_SETTINGS
@given(questionnaires())
def test_yaml_round_trip(q):
    text = qn.dump_yaml(q)
    again = qn.load(text)
    assert again == q
    assert qn.dump_yaml(again) == text
    assert again.content_hash == q.content_hash


@_SETTINGS
@given(questionnaires())
def test_json_model_round_trip(q):
    data = json.loads(json.dumps(q.to_dict(), ensure_ascii=False))
    assert qn.Questionnaire.from_dict(data) == q


def _sheet_values(path: Path) -> dict[str, list[tuple]]:
    workbook = openpyxl.load_workbook(path)
    values = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}
    workbook.close()
    return values


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(questionnaires())
def test_xlsform_round_trip(q):
    with tempfile.TemporaryDirectory() as folder:
        first = Path(folder) / "first.xlsx"
        second = Path(folder) / "second.xlsx"
        qn.write_xlsform(q, first)
        imported = qn.read_xlsform(first)
        assert imported == q
        qn.write_xlsform(imported, second)
        assert _sheet_values(second) == _sheet_values(first)


def test_content_hash_changes_with_content():
    q = qn.load_bundled("delegate_rates_agency_2025")
    data = q.to_dict()
    data["choice_lists"]["abcd"][1]["coefficient"] = 0.5
    changed = qn.Questionnaire.from_dict(data)
    assert changed != q
    assert changed.content_hash != q.content_hash
    assert len(q.content_hash) == 64 and int(q.content_hash, 16) >= 0
