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
    sheet.write_text(
        "unit_code,criterion_code,points,ly_do\nSO-A,1.1,3,\n"
        "XA-B,1.1,không áp dụng,Xã không phải lập kế hoạch riêng\n",
        encoding="utf-8",
    )
    out = tmp_path / "index.json"
    result = runner.invoke(
        index, ["--contract", str(contract_file), "--self-assessment", str(sheet), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    units = {u["unit_code"]: u for u in json.loads(out.read_text(encoding="utf-8"))["units"]}
    assert units["SO-A"]["index"] == pytest.approx(58.75, rel=1e-12)
    assert units["SO-A"]["applicable_max"] == pytest.approx(10.0)
    assert units["XA-B"]["index"] == pytest.approx(50.0, rel=1e-12)
    assert units["XA-B"]["applicable_max"] == pytest.approx(6.0)


def test_bad_csv_lists_every_row_exits_1_and_writes_nothing(runner, contract_file, tmp_path):
    sheet = tmp_path / "bad.csv"
    sheet.write_text(
        "unit_code,criterion_code,points\n"
        "SO-A,1.1,9\n"  # row 2: above the maximum 4
        "SO-X,1.1,2\n"  # row 3: unknown unit
        "XA-B,9.9,1\n"  # row 4: unknown criterion
        "XA-B,1.1,nhiều\n",  # row 5: not a number
        encoding="utf-8",
    )
    out = tmp_path / "index.xlsx"
    result = runner.invoke(
        index, ["--contract", str(contract_file), "--self-assessment", str(sheet), "-o", str(out)]
    )
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
    sheet.write_text(
        "unit_code,criterion_code,points,reason\nSO-A,1.1,3,\nXA-B,1.1,KAD,no plan\n",
        encoding="utf-8",
    )
    out = tmp_path / "index.csv"
    result = runner.invoke(
        index, ["--contract", str(contract_file), "--self-assessment", str(sheet), "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "'2'" in result.output
    assert not out.exists()


def _index(runner, contract_file, sheet, out, *extra):
    return runner.invoke(
        index,
        ["--contract", str(contract_file), "--self-assessment", str(sheet), "-o", str(out), *extra],
    )


def test_previous_xlsx_exclusions_and_below_max(runner, contract_file, tmp_path):
    """Last year's result is this command's own XLSX (SO-A 1.1 = 4 of 4); this year SO-A has 3:
    one point lost on a self-assessed criterion, and 1 point below the maximum."""
    last = tmp_path / "last.csv"
    last.write_text(
        "unit_code,criterion_code,points,ly_do\nSO-A,1.1,4,\nXA-B,1.1,KAD,không lập\n",
        encoding="utf-8",
    )
    previous = tmp_path / "chi-so-2024.xlsx"
    assert _index(runner, contract_file, last, previous).exit_code == 0
    sheet = tmp_path / "tu-danh-gia.csv"
    sheet.write_text(
        "unit_code,criterion_code,points,ly_do\nSO-A,1.1,3,\nXA-B,1.1,2,\n", encoding="utf-8"
    )
    exclude = tmp_path / "loai.csv"
    exclude.write_text("unit_code,reason\nSO-A,Báo cáo thiếu trung thực\n", encoding="utf-8")
    out = tmp_path / "index.json"
    result = _index(
        runner, contract_file, sheet, out, "--previous", str(previous), "--exclude", str(exclude)
    )
    assert result.exit_code == 0, result.output
    assert "Không xếp hạng / not ranked: SO-A (Báo cáo thiếu trung thực)" in result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    units = {u["unit_code"]: u for u in doc["units"]}
    assert units["SO-A"]["rank"] is None and units["SO-A"]["status"] == "excluded"
    assert units["SO-A"]["index"] == pytest.approx(58.75, rel=1e-12)
    assert units["XA-B"]["rank"] == 1
    lost = [(r["unit_code"], r["criterion_code"], r["points_lost"]) for r in doc["points_lost"]]
    assert ("SO-A", "1.1", pytest.approx(1.0)) in lost
    assert all(r["unit_code"] != "XA-B" or r["criterion_code"] != "1.1" for r in doc["points_lost"])
    below = {(r["unit_code"], r["criterion_code"]): r["shortfall"] for r in doc["below_max"]}
    assert below[("SO-A", "1.1")] == pytest.approx(1.0) and below[("XA-B", "1.1")] == pytest.approx(
        2.0
    )
    xlsx = tmp_path / "index.xlsx"
    assert _index(runner, contract_file, sheet, xlsx, "--previous", str(previous)).exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["index", "fields", "criteria", "below_max", "points_lost"]
    criteria = list(book["criteria"].values)
    assert criteria[0][:5] == ("unit_code", "criterion_code", "field", "points", "max_points")
    assert {r[1] for r in criteria[1:] if r[0] == "SO-A"} == {"1.1", "1.2", "8"}


def test_unit_without_survey_points_gets_no_data_and_others_an_index(
    runner, contract_file, tmp_path
):
    doc = json.loads(contract_file.read_text(encoding="utf-8"))
    for unit in doc["units"]:
        if unit["code"] == "XA-B":
            unit["criteria"] = [c for c in unit["criteria"] if c["code"] != "8"]
    contract_file.write_text(json.dumps(doc), encoding="utf-8")
    sheet = tmp_path / "tda.csv"
    sheet.write_text("unit_code,criterion_code,points\nSO-A,1.1,3\nXA-B,1.1,2\n", encoding="utf-8")
    out = tmp_path / "index.json"
    result = _index(runner, contract_file, sheet, out)
    assert result.exit_code == 0, result.output
    assert "Chưa có dữ liệu / no data: XA-B (tiêu chí / criteria 8)" in result.output
    units = {u["unit_code"]: u for u in json.loads(out.read_text(encoding="utf-8"))["units"]}
    assert units["XA-B"]["index"] is None and units["XA-B"]["status"] == "no_data"
    assert units["XA-B"]["no_data"] == ["8"] and "8" in units["XA-B"]["reason"]
    assert units["SO-A"]["index"] == pytest.approx(58.75, rel=1e-12) and units["SO-A"]["rank"] == 1


def test_bad_exclusions_and_previous_are_listed_with_their_file(runner, contract_file, tmp_path):
    sheet = tmp_path / "tda.csv"
    sheet.write_text("unit_code,criterion_code,points\nSO-A,1.1,3\nXA-B,1.1,2\n", encoding="utf-8")
    exclude = tmp_path / "loai.csv"
    exclude.write_text("ma_don_vi,ly_do\nSO-A,\n", encoding="utf-8")
    previous = tmp_path / "2024.csv"
    previous.write_text("unit_code,criterion_code,points\nSO-A,1.1,nhiều\n", encoding="utf-8")
    out = tmp_path / "index.csv"
    result = _index(
        runner, contract_file, sheet, out, "--exclude", str(exclude), "--previous", str(previous)
    )
    assert result.exit_code == 1
    assert (
        "tệp loại khỏi xếp hạng / exclusions file, dòng / row 2, cột / column reason"
        in result.output
    )
    assert (
        "kết quả năm trước / last year's results, dòng / row 2, cột / column points"
        in result.output
    )
    assert not out.exists()


def test_report_lists_the_combiners_problems_with_their_file(runner, contract_file, tmp_path):
    """``par-survey report`` with a self-assessment says where each problem is, as ``index``."""
    from survey_app.commands.report import report

    sheet = tmp_path / "tda.csv"
    sheet.write_text("unit_code,criterion_code,points\nSO-A,1.1,3\nXA-B,1.1,2\n", encoding="utf-8")
    previous = tmp_path / "2024.csv"
    previous.write_text("unit_code,criterion_code,points\nSO-A,1.1,nhiều\n", encoding="utf-8")
    out = tmp_path / "report.docx"
    result = runner.invoke(report, ["KQ-2025", "--format", "docx", "-o", str(out),
                                    "--self-assessment", str(sheet), "--previous", str(previous)])
    assert result.exit_code == 1
    assert (
        "kết quả năm trước / last year's results, dòng / row 2, cột / column points"
        in result.output
    )
    assert not out.exists()


def test_unit_nobody_answered_about_gets_no_data(runner, app_ctx, tmp_path):
    """XA-C is assessed by the round (its rating matrix covers communes) but has no answers, so
    the contract does not list it: the index names it "no data" and scores the others."""
    from survey_app.extensions import db
    from survey_app.models import RatingCell
    from tests.builders import create_unit

    made = create_scored_round(status="closed")  # the matrix is frozen once published
    create_unit(made["province"], code="XA-C", name="Xã C", unit_type="commune")
    for unit_type in ("agency", "commune"):
        db.session.add(RatingCell(round_id=made["round"].id, respondent_group="citizen",
                                  unit_type=unit_type, questionnaire_id=made["forms"][0].id,
                                  quota=5))
    db.session.flush()
    from survey_app.operations.rounds import change_status

    change_status(made["round"], "published")
    db.session.commit()
    contract = tmp_path / "contract.json"
    assert runner.invoke(export, ["KQ-2025", "-o", str(contract)]).exit_code == 0
    exported = json.loads(contract.read_text(encoding="utf-8"))["units"]
    assert "XA-C" not in {u["code"] for u in exported}
    sheet = tmp_path / "tda.csv"
    sheet.write_text("unit_code,criterion_code,points\nSO-A,1.1,3\nXA-B,1.1,2\nXA-C,1.1,4\n",
                     encoding="utf-8")
    out = tmp_path / "index.json"
    result = _index(runner, contract, sheet, out)
    assert result.exit_code == 0, result.output
    units = {u["unit_code"]: u for u in json.loads(out.read_text(encoding="utf-8"))["units"]}
    assert units["XA-C"]["status"] == "no_data" and units["XA-C"]["no_data"] == ["1.2", "8"]
    assert units["XA-B"]["rank"] == 1 and units["SO-A"]["index"] == pytest.approx(58.75)
