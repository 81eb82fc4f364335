"""Two-stage sample design (PSUs by PPS systematic, then SRS within each) through the staff pages
and the CLI: preview of the stage sizes, stored probabilities = product of the stage probabilities,
redraw from the stored seed, clear refusals that store nothing."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from builders import (
    create_province,
    create_round,
    create_unit,
    create_user,
    log_in,
    sipas_frame_csv,
)

from sampling import select_two_stage
from survey_app.commands.sample import sample_cli
from survey_app.extensions import db
from survey_app.models import FrameRow, SampleMember, SamplePlan
from survey_app.operations import sample_plans
from survey_app.operations.frames import import_frame
from survey_app.refusals import Refused

# Six communes with 40, 30, 20, 10, 5 and 3 completed dossiers (108 rows, in this order).
ROWS = {"X0": 40, "X1": 30, "X2": 20, "X3": 10, "X4": 5, "X5": 3}
# Their populations in the communes frame (a second measure of size).
POPULATION = {"X0": 1000, "X1": 3000, "X2": 2000, "X3": 1500, "X4": 1500, "X5": 1000}


@pytest.fixture
def world(app_ctx, client):
    province = create_province()
    for code in ROWS:
        create_unit(province, code=code, name=f"Xã {code}", unit_type="commune")
    survey_round = create_round(status="draft", province=province)
    frame = import_frame(
        survey_round, "sipas_dossiers", "hs.csv", sipas_frame_csv(list(ROWS), list(ROWS.values()))
    )
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    return SimpleNamespace(
        round=survey_round,
        frame=frame,
        plan_url=f"/admin/rounds/{survey_round.id}/frames/{frame.id}/plan",
    )


def communes_frame(world):
    lines = ["ma_don_vi,ten,dan_so"] + [f"{c},Xã {c},{p}" for c, p in POPULATION.items()]
    frame = import_frame(
        world.round, "communes", "xa.csv", ("\n".join(lines) + "\n").encode()
    )
    db.session.commit()
    return frame


FORM = {
    "size_mode": "cochran",
    "margin": "0.05",
    "confidence": "0.95",
    "p": "0.5",
    "deff": "1",
    "response_rate": "1",
    "strata_column": "",
    "allocation": "proportional",
    "minimum": "0",
    "size_column": "",
    "sds": "",
    "method": "two_stage",
    "psu_column": "unit_code",
    "n_psu": "3",
    "per_psu": "4",
    "psu_size_column": "",
    "replacements": "2",
    "psu_replacements": "1",
}


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(db.select(db.func.count(SamplePlan.id))),
        db.session.scalar(db.select(db.func.count(SampleMember.id))),
    )


def shown(html: str, name: str) -> int:
    return int(re.search(rf'data-{name}="(\d+)"', html)[1])


def draw(client, world, **extra) -> SamplePlan:
    reply = client.post(world.plan_url, data={**FORM, "action": "draw", **extra})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return db.session.scalars(db.select(SamplePlan).order_by(SamplePlan.id.desc())).first()


def stored(plan: SamplePlan) -> list[tuple[int, str, str, float | None]]:
    """(frame row number, role, PSU label, inclusion probability) in selection order."""
    return [
        tuple(r)
        for r in db.session.execute(
            db.select(
                FrameRow.row_number,
                SampleMember.role,
                SampleMember.stratum,
                SampleMember.inclusion_probability,
            )
            .join(FrameRow, FrameRow.id == SampleMember.frame_row_id)
            .where(SampleMember.plan_id == plan.id)
            .order_by(SampleMember.selection_order)
        )
    ]


def frame_psus(world) -> list[str]:
    return [
        d["unit_code"]
        for d in db.session.scalars(
            db.select(FrameRow.design)
            .where(FrameRow.frame_id == world.frame.id)
            .order_by(FrameRow.row_number)
        )
    ]


def test_preview_shows_psus_per_psu_and_total_and_draws_nothing(client, world):
    reply = client.post(world.plan_url, data={**FORM, "action": "preview"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    html = reply.get_data(as_text=True)
    assert shown(html, "psu-count") == 6 and shown(html, "n-psu") == 3
    assert shown(html, "per-psu") == 4 and shown(html, "total") == 12
    # By hand: 3 × 40 / 108 > 1, so X0 is a certainty unit; the other two PSUs come from the
    # remaining 68 rows, the largest 2 × 30 / 68 = 0.88 < 1.
    assert shown(html, "certainty") == 1
    assert shown(html, "small-psus") == 1  # X5 has 3 rows < 4: taken whole if selected
    assert "trên / of 108" in html and counts() == (0, 0)


def test_stored_probabilities_are_the_product_of_the_stage_probabilities(client, world):
    plan = draw(client, world, seed="2025")
    assert plan.method == "two_stage" and plan.seed == 2025
    members = stored(plan)
    selected = [m for m in members if m[1] == "selected"]
    spare = [m for m in members if m[1] == "replacement"]
    first = plan.parameters["first_stage"]
    chosen = [label for label, _ in first["selected"]]
    assert len(chosen) == 3 and "X0" in chosen  # the certainty unit is always in

    # Independent of the pure function: first stage by hand (X0 certain, then 2 × M / 68),
    # second stage m / M with m = min(4, M).
    def pi_psu(label):
        return 1.0 if label == "X0" else 2 * ROWS[label] / 68

    for label, pi in first["selected"]:
        assert pi == pytest.approx(pi_psu(label))
    for _, _, label, probability in selected:
        m = min(4, ROWS[label])
        assert probability == pytest.approx(pi_psu(label) * m / ROWS[label])
    assert plan.n == len(selected) == sum(min(4, ROWS[label]) for label in chosen)
    assert plan.allocation == {label: min(4, ROWS[label]) for label in chosen}
    # Members and replacements are exactly what sampling.select_two_stage returns.
    reference = select_two_stage(
        frame_psus(world), 3, 4, seed=2025, psu_replacements=1, replacements=2
    )
    assert [m[0] - 1 for m in selected] == reference.units.indices.tolist()
    assert [m[3] for m in selected] == pytest.approx(reference.units.probabilities.tolist())
    first_stage = dict(
        zip(
            [reference.psu_labels[i] for i in reference.psus.indices],
            reference.psus.probabilities.tolist(),
        )
    )
    assert dict(first["selected"]) == pytest.approx(first_stage)
    conditional = reference.conditional_probabilities.tolist()
    product = [first_stage[m[2]] * c for m, c in zip(selected, conditional)]
    assert [m[3] for m in selected] == pytest.approx(product)
    assert [m[0] - 1 for m in spare] == reference.units.replacements.tolist()
    assert all(label in chosen for _, _, label, _ in spare)
    assert first["replacements"] == [reference.psu_labels[i] for i in reference.psus.replacements]
    weights = db.session.scalars(
        db.select(SampleMember.base_weight).filter_by(plan_id=plan.id, role="selected")
    ).all()
    assert weights == pytest.approx([1 / m[3] for m in selected])


def test_sizes_from_a_communes_frame_drive_the_first_stage(client, world):
    communes = communes_frame(world)
    plan = draw(client, world, seed="77", psu_size_column=f"communes:{communes.id}")
    total = sum(POPULATION.values())  # 10,000; 3 × 3000 / 10,000 = 0.9 < 1: no certainty unit
    for label, pi in plan.parameters["first_stage"]["selected"]:
        assert pi == pytest.approx(3 * POPULATION[label] / total)
    reference = select_two_stage(
        frame_psus(world),
        3,
        4,
        size={c: float(p) for c, p in POPULATION.items()},
        seed=77,
        psu_replacements=1,
        replacements=2,
    )
    selected = [m for m in stored(plan) if m[1] == "selected"]
    assert [m[0] - 1 for m in selected] == reference.units.indices.tolist()
    assert [m[3] for m in selected] == pytest.approx(reference.units.probabilities.tolist())
    assert sample_plans.verify_plan(plan) == plan.n


def test_redraw_with_the_stored_seed_reproduces_the_sample(client, world):
    plan = draw(client, world)  # a fresh seed is chosen and stored
    again = draw(client, world, seed=str(plan.seed))
    assert stored(again) == stored(plan)
    assert again.parameters["first_stage"] == plan.parameters["first_stage"]
    checked = client.post(
        f"/admin/rounds/{world.round.id}/plans/{plan.id}/verify", follow_redirects=True
    )
    assert f"cho đúng {plan.n} đơn vị" in checked.get_data(as_text=True)
    page = client.get(f"/admin/rounds/{world.round.id}/plans/{plan.id}").get_data(as_text=True)
    assert page.count("data-psu=") == 3
    # A tampered first-stage record is detected.
    plan.parameters = {
        **plan.parameters,
        "first_stage": {**plan.parameters["first_stage"], "replacements": []},
    }
    db.session.commit()
    with pytest.raises(Refused, match="Rút lại giai đoạn 1 cho kết quả khác"):
        sample_plans.verify_plan(db.session.get(SamplePlan, plan.id))


@pytest.mark.parametrize(
    "extra, sentence",
    [
        ({"n_psu": "7"}, "lớn hơn số đơn vị cấp 1 có trong khung (6"),
        ({"psu_column": "ma_xa"}, "Lựa chọn không hợp lệ"),
        ({"psu_column": ""}, "Hãy chọn cột đơn vị cấp 1"),
        ({"per_psu": ""}, "Hãy nhập số người mỗi đơn vị cấp 1"),
        ({"strata_column": "unit_code"}, "không dùng cột phân tầng"),
        ({"n_psu": "0"}, "Giá trị phải từ 1 trở lên"),
    ],
)
def test_bad_two_stage_input_is_a_vietnamese_sentence_and_stores_nothing(
    client, world, extra, sentence
):
    for action in ("preview", "draw"):
        reply = client.post(world.plan_url, data={**FORM, **extra, "action": action})
        assert reply.status_code == 400
        assert sentence in reply.get_data(as_text=True)
    assert counts() == (0, 0)


def test_operation_refuses_an_unknown_column_and_inconsistent_sizes(world):
    unknown = sample_plans.PlanOptions(method="two_stage", psu_column="ma_xa", n_psu=2, per_psu=2)
    with pytest.raises(Refused, match="Khung mẫu không có cột “ma_xa”"):
        sample_plans.draw_plan(world.round, world.frame, unknown, seed=1)
    # In a communes frame, a PSU "column" whose size differs between its rows is refused.
    communes = communes_frame(world)
    uneven = sample_plans.PlanOptions(
        method="two_stage", psu_column="name", n_psu=2, per_psu=1, psu_size_column="population"
    )
    for code in ("X1", "X2"):  # give two communes the same name but different populations
        row = db.session.scalar(
            db.select(FrameRow).where(
                FrameRow.frame_id == communes.id, FrameRow.design["unit_code"].as_string() == code
            )
        )
        row.design = {**row.design, "name": "Xã đôi"}
    db.session.flush()
    with pytest.raises(Refused, match="khác với các dòng trước"):
        sample_plans.draw_plan(world.round, communes, uneven, seed=1)
    db.session.rollback()
    assert counts() == (0, 0)


def test_cli_draws_the_same_two_stage_sample_as_the_web_form(client, runner, world):
    web = draw(client, world, seed="31")
    args = [
        "draw",
        world.round.code,
        str(world.frame.id),
        "--method",
        "two_stage",
        "--psu-column",
        "unit_code",
        "--n-psu",
        "3",
        "--per-psu",
        "4",
        "--replacements",
        "2",
        "--psu-replacements",
        "1",
        "--seed",
        "31",
    ]
    result = runner.invoke(sample_cli, args)
    assert result.exit_code == 0, result.output
    assert "method two_stage, seed 31" in result.output
    cli = db.session.scalars(db.select(SamplePlan).order_by(SamplePlan.id.desc())).first()
    assert cli.id != web.id and stored(cli) == stored(web)
    too_many = runner.invoke(sample_cli, [*args[:7], "--n-psu", "9", "--per-psu", "4"])
    assert too_many.exit_code != 0 and "lớn hơn số đơn vị cấp 1" in too_many.output
    unknown = runner.invoke(sample_cli, [*args[:5], "--psu-column", "ma_xa", *args[7:]])
    assert unknown.exit_code != 0 and "không có cột “ma_xa”" in unknown.output
    assert counts()[0] == 2
