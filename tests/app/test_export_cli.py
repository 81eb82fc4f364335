"""``par-survey export`` and ``par-survey analyze``."""
from __future__ import annotations

import hashlib
import json

import pytest

from survey_app.commands.analyze import analyze
from survey_app.commands.export import export
from tests.builders import create_scored_round


@pytest.fixture
def scored(app_ctx):
    from survey_app.extensions import db

    objects = create_scored_round(status="closed")
    db.session.commit()
    return objects


def test_unpublished_round_needs_allow_unpublished(runner, scored, tmp_path):
    out = tmp_path / "kq.json"
    refused = runner.invoke(export, ["KQ-2025", "--format", "json", "-o", str(out)])
    assert refused.exit_code == 1 and not out.exists()
    assert "allow-unpublished" in refused.output
    draft = runner.invoke(export, ["KQ-2025", "--format", "json", "-o", str(out),
                                   "--allow-unpublished"])
    assert draft.exit_code == 0, draft.output
    doc = json.loads(out.read_bytes())
    assert doc["provenance"]["software_version"].endswith("+draft.unpublished-round")
    assert doc["round"]["status"] == "draft"
    assert "DRAFT" in draft.output


def test_export_writes_file_and_checksum(runner, scored, tmp_path):
    from survey_app.extensions import db
    from survey_app.operations.rounds import change_status

    change_status(scored["round"], "published")
    db.session.commit()
    for fmt in ("json", "csv", "xlsx", "sav"):
        out = tmp_path / f"kq.{fmt}"
        result = runner.invoke(export, ["KQ-2025", "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, result.output
        digest, name = (tmp_path / f"kq.{fmt}.sha256").read_text(encoding="utf-8").split()
        assert digest == hashlib.sha256(out.read_bytes()).hexdigest() and name == f"kq.{fmt}"
    assert json.loads((tmp_path / "kq.json").read_bytes())["round"]["status"] == "published"


def test_analyze_prints_the_hand_worked_numbers(runner, scored):
    result = runner.invoke(analyze, ["KQ-2025", "--min-n", "3"])
    assert result.exit_code == 0, result.output
    line_8 = next(line for line in result.output.splitlines()
                  if line.strip().startswith("SO-A") and " 8 " in line)
    assert "1.675" in line_8          # 4 points × the SIPAS share 41.875 %
    overall = next(line for line in result.output.splitlines()
                   if "SO-A" in line and "overall" in line)
    assert "41.9" in overall and "44.2" in overall


def test_analyze_can_apply_quality_flags_but_not_to_published_rounds(runner, scored):
    result = runner.invoke(analyze, ["KQ-2025", "--apply-flags"])
    assert result.exit_code == 0, result.output
    assert "quarantined=" in result.output
    from survey_app.extensions import db
    from survey_app.operations.rounds import change_status

    change_status(scored["round"], "published")
    db.session.commit()
    assert runner.invoke(analyze, ["KQ-2025", "--apply-flags"]).exit_code == 1


def test_unknown_round(runner, app_ctx):
    result = runner.invoke(analyze, ["KHONG-CO"])
    assert result.exit_code == 1 and "KHONG-CO" in result.output
