"""``par-survey index``: survey points (contract) + self-assessment CSV → PAR Index.

Hand-worked: the test pack has 10 points: 1.1 (self, 4), 1.2 (survey, 2) and 8 (survey, 4).
SO-A has survey points 1.2 = 1.2 and 8 = 1.675 (the SIPAS share 41.875 % of 4 points, see
test_results_numbers.py); with 1.1 = 3 its index is (3 + 1.2 + 1.675) / 10 = 58.75 %. XA-B has
1.2 = 1.0, 8 = 2.0 and 1.1 "không áp dụng", so 1.1 leaves the denominator: (1.0 + 2.0) / 6 = 50 %.
"""
from __future__ import annotations

import json

import pytest

from survey_app.commands.export import export
from survey_app.commands.index import index
from tests.builders import create_scored_round


@pytest.fixture
def contract_file(app_ctx, runner, tmp_path):
    from survey_app.extensions import db

    create_scored_round(status="published")
    db.session.commit()
    path = tmp_path / "contract.json"
    result = runner.invoke(export, ["KQ-2025", "--format", "json", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_index_combines_with_the_not_applicable_rule(runner, contract_file, tmp_path):
    sheet = tmp_path / "tu-danh-gia.csv"
    sheet.write_text("unit_code,criterion_code,points\nSO-A,1.1,3\nXA-B,1.1,không áp dụng\n", encoding="utf-8")
    out = tmp_path / "index.json"
    result = runner.invoke(index, ["--contract", str(contract_file), "--self-assessment", str(sheet),
                                   "-o", str(out)])
    assert result.exit_code == 0, result.output
    units = {u["unit_code"]: u for u in json.loads(out.read_text(encoding="utf-8"))["units"]}
    assert units["SO-A"]["index"] == pytest.approx(58.75, rel=1e-12)
    assert units["SO-A"]["applicable_max"] == pytest.approx(10.0)
    assert units["XA-B"]["index"] == pytest.approx(50.0, rel=1e-12)
    assert units["XA-B"]["applicable_max"] == pytest.approx(6.0)


def test_bad_csv_lists_every_row_exits_1_and_writes_nothing(runner, contract_file, tmp_path):
    sheet = tmp_path / "bad.csv"
    sheet.write_text("unit_code,criterion_code,points\n"
                     "SO-A,1.1,9\n"          # row 2: above the maximum 4
                     "SO-X,1.1,2\n"          # row 3: unknown unit
                     "XA-B,9.9,1\n"          # row 4: unknown criterion
                     "XA-B,1.1,nhiều\n",     # row 5: not a number
                     encoding="utf-8")
    out = tmp_path / "index.xlsx"
    result = runner.invoke(index, ["--contract", str(contract_file), "--self-assessment", str(sheet),
                                   "-o", str(out)])
    assert result.exit_code == 1
    for row in ("row 2", "row 3", "row 4", "row 5"):
        assert row in result.output
    assert "9.9" in result.output and "SO-X" in result.output
    assert not out.exists()


def test_contract_of_another_version_is_refused(runner, contract_file, tmp_path):
    doc = json.loads(contract_file.read_text(encoding="utf-8"))
    doc["contract_version"] = "2"
    contract_file.write_text(json.dumps(doc), encoding="utf-8")
    sheet = tmp_path / "ok.csv"
    sheet.write_text("unit_code,criterion_code,points\nSO-A,1.1,3\nXA-B,1.1,KAD\n", encoding="utf-8")
    out = tmp_path / "index.csv"
    result = runner.invoke(index, ["--contract", str(contract_file), "--self-assessment", str(sheet),
                                   "-o", str(out)])
    assert result.exit_code == 1
    assert "'2'" in result.output
    assert not out.exists()
