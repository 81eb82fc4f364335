"""``par-survey sample size`` and ``sample draw`` against reference values and the stored plan."""

from __future__ import annotations

import pytest
from builders import create_province, create_round, create_unit, sipas_frame_csv

from survey_app.commands.sample import sample_cli
from survey_app.extensions import db
from survey_app.models import SampleMember, SamplePlan
from survey_app.operations.frames import import_frame


@pytest.mark.parametrize(
    "args, expected",
    [
        ([], "385"),  # 95 %, ±5 %, p = 0.5 (Cochran)
        (["--population", "1000"], "278"),  # with the finite population correction
        (["--population", "38000", "--slovin"], "396"),  # Slovin, HCMC 2018 frame size
        (["--population", "1000", "--response-rate", "0.5"], "556"),
    ],
)
def test_size_prints_reference_values(runner, args, expected):
    result = runner.invoke(sample_cli, ["size", *args])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected


def test_size_rejects_bad_options_with_a_sentence(runner):
    result = runner.invoke(sample_cli, ["size", "--slovin"])
    assert result.exit_code != 0 and "Slovin" in result.output
    assert runner.invoke(sample_cli, ["size", "--margin", "0"]).exit_code != 0


@pytest.fixture
def stored_frame(app_ctx):
    province = create_province()
    for code in ("A", "B"):
        create_unit(province, code=code)
    survey_round = create_round(status="draft", province=province, code="SIPAS-CLI")
    frame = import_frame(
        survey_round, "sipas_dossiers", "f.csv", sipas_frame_csv(["A", "B"], [60, 40])
    )
    db.session.commit()
    return frame


def test_draw_stores_the_plan_and_repeats_with_the_seed(runner, stored_frame):
    args = [
        "draw",
        "SIPAS-CLI",
        str(stored_frame.id),
        "--n",
        "10",
        "--strata-column",
        "unit_code",
        "--seed",
        "4242",
        "--replacements",
        "2",
    ]
    first = runner.invoke(sample_cli, args)
    assert first.exit_code == 0, first.output
    assert (
        "n = 10" in first.output
        and "seed 4242" in first.output
        and stored_frame.content_hash in first.output
    )
    assert "A\t6" in first.output and "B\t4" in first.output
    assert runner.invoke(sample_cli, args).exit_code == 0
    plans = db.session.scalars(db.select(SamplePlan).order_by(SamplePlan.id)).all()
    assert len(plans) == 2 and plans[0].allocation == {"A": 6, "B": 4}
    lists = [
        db.session.scalars(
            db.select(SampleMember.frame_row_id)
            .filter_by(plan_id=p.id)
            .order_by(SampleMember.selection_order)
        ).all()
        for p in plans
    ]
    assert lists[0] == lists[1] and len(lists[0]) == 14


def test_draw_reports_unknown_round_and_too_large_n(runner, stored_frame):
    missing = runner.invoke(sample_cli, ["draw", "NOPE", str(stored_frame.id), "--n", "5"])
    assert missing.exit_code == 1 and "NOPE" in missing.output
    too_big = runner.invoke(sample_cli, ["draw", "SIPAS-CLI", str(stored_frame.id), "--n", "500"])
    assert too_big.exit_code == 1 and "lớn hơn 100 dòng" in too_big.output
    assert db.session.scalar(db.select(db.func.count(SamplePlan.id))) == 0
