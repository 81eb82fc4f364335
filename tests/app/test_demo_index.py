"""Issue 10, "Done when": the demo round, exported through the CLI and combined with the
self-assessment file the demo writes, gives a PAR Index for every unit of the round (agencies and
communes), by ``par-survey index`` and on the combined-index page.

A unit without an index fails the test with its "no data" reason (e.g. before the commune forms
carried a criterion 2.3 item, every commune read "chưa có dữ liệu điều tra cho tiêu chí 2.3").
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from survey_app.commands.demo import demo
from survey_app.commands.export import export
from survey_app.commands.index import index
from survey_app.operations.demo import AGENCIES, COMMUNES, DEMO_ROUND_CODE
from tests.builders import create_user, log_in


@pytest.fixture
def seeded(app_ctx, runner):
    """``par-survey demo --no-serve`` on the test database; returns its manifest."""
    result = runner.invoke(demo, ["--no-serve"])
    assert result.exit_code == 0, result.output
    path = Path(app_ctx.instance_path) / "demo-manifest.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _self_assessment_rows(manifest) -> list[dict]:
    with open(manifest["self_assessment"]["path"], encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_demo_self_assessment_is_complete_realistic_and_deterministic(seeded, runner):
    from analysis.combiner import scoring_nodes
    from survey_app.operations.analysis_run import load_round_pack
    from survey_app.operations.demo import demo_round

    manifest = seeded
    assert "par-survey index" in manifest["self_assessment"]["command"]
    assert manifest["self_assessment"]["path"] in manifest["self_assessment"]["command"]
    rows = _self_assessment_rows(manifest)
    pack = load_round_pack(demo_round())
    nodes = {n.code: n for n in scoring_nodes(pack) if n.assessment == "self"}
    types = {code: "agency" for code, _ in AGENCIES} | {code: "commune" for code, _ in COMMUNES}
    expected = {(unit, code) for unit, kind in types.items() for code, node in nodes.items()
                if node.applies(kind, 2025)}
    assert {(r["unit_code"], r["criterion_code"]) for r in rows} == expected
    not_applicable = [r for r in rows if r["points"] == "không áp dụng"]
    assert 0 < len(not_applicable) < len(rows) / 20 and all(r["ly_do"] for r in not_applicable)
    points = [(float(r["points"]), nodes[r["criterion_code"]].max_points) for r in rows
              if r not in not_applicable]
    assert all(0 <= p <= m for p, m in points)
    assert sum(p < m for p, m in points) > len(points) / 2     # most criteria lose some points
    before = Path(manifest["self_assessment"]["path"]).read_bytes()
    again = runner.invoke(demo, ["--no-serve"])                 # data kept, files written again
    assert again.exit_code == 0, again.output
    assert Path(manifest["self_assessment"]["path"]).read_bytes() == before


def test_demo_round_gives_an_index_for_every_unit_by_cli_and_page(seeded, runner, client, tmp_path):
    manifest = seeded
    contract = tmp_path / "contract.json"
    result = runner.invoke(export, [DEMO_ROUND_CODE, "--format", "json", "--allow-unpublished",
                                    "-o", str(contract)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "index.json"
    result = runner.invoke(index, ["--contract", str(contract), "--self-assessment",
                                   manifest["self_assessment"]["path"], "-o", str(out),
                                   "--previous", manifest["previous_results"]["path"]])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    units = {u["unit_code"]: u for u in doc["units"]}
    every = {code for code, _ in AGENCIES} | {code for code, _ in COMMUNES}
    assert set(units) == every
    # last year's results (agencies) give points lost on self-assessed criteria too
    lost = {(r["unit_code"], r["criterion_code"]) for r in doc["points_lost"]}
    assert {unit for unit, _ in lost} <= {code for code, _ in AGENCIES} and len(lost) > 10
    assert any(criterion in ("1.1", "3.1", "7.1") for _, criterion in lost)
    assert {r["unit_code"] for r in doc["below_max"]} == every
    cli_missing = {code: u["reason"] for code, u in units.items() if u["index"] is None}

    user = create_user("council")
    from survey_app.extensions import db

    db.session.commit()
    log_in(client, user)
    sheet = Path(manifest["self_assessment"]["path"]).read_bytes()
    page = client.post(f"/results/{DEMO_ROUND_CODE}/index", content_type="multipart/form-data",
                       data={"csv_file": (io.BytesIO(sheet), "tu-danh-gia.csv")})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="problems"' not in html
    table = html[html.index('id="par-index"'):html.index('id="fields"')]
    rows = re.findall(r'<tr class="(\w+)"><td>[^<]*</td><td>([^<]+)</td>', table)
    assert {code for _, code in rows} == every
    page_missing = {code: status for status, code in rows if status != "ranked"}

    assert not cli_missing and not page_missing, (
        f"no index by par-survey index: {cli_missing}; not ranked on the page: {page_missing}")
