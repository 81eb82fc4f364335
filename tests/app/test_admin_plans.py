"""Sample design through the staff pages: n shown before drawing (reference values), draw, redraw
from the stored seed, XLSX list with replacements, invitations shown once, PPS with certainty units."""

from __future__ import annotations

import csv
import io
import re
from types import SimpleNamespace

import pytest
from builders import (
    create_province,
    create_questionnaire,
    create_round,
    create_unit,
    create_user,
    log_in,
    sipas_frame_csv,
)
from openpyxl import load_workbook

from sampling import select
from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    FrameRow,
    Invitation,
    RatingCell,
    SampleFrame,
    SampleMember,
    SamplePlan,
)
from survey_app.operations import sample_plans
from survey_app.refusals import Refused
from survey_app.tokens import token_hash

# Reference values from the issue: Cochran 95 %, ±5 %, p = 0.5 with N = 1,000 → 278; strata of
# N = 500/300/200 and n = 100 → proportional 50/30/20, Neyman (S = 5/10/20) 26/32/42.
SIZES = {"SNV": 500, "STP": 300, "SXD": 200}


@pytest.fixture
def world(app_ctx, client):
    province = create_province()
    units = [create_unit(province, code=code, name=f"Sở {code}") for code in SIZES]
    survey_round = create_round(status="draft", province=province)
    admin = create_user("admin")
    questionnaire = create_questionnaire(group="citizen")
    db.session.commit()
    log_in(client, admin)
    reply = client.post(
        f"/admin/rounds/{survey_round.id}/frames/upload",
        content_type="multipart/form-data",
        data={
            "kind": "sipas_dossiers",
            "file": (io.BytesIO(sipas_frame_csv(list(SIZES), list(SIZES.values()))), "f.csv"),
        },
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    frame = db.session.scalar(db.select(SampleFrame))
    return SimpleNamespace(
        round=survey_round,
        units=units,
        admin=admin,
        frame=frame,
        questionnaire=questionnaire,
        plan_url=f"/admin/rounds/{survey_round.id}/frames/{frame.id}/plan",
    )


BASE = {
    "size_mode": "cochran",
    "margin": "0.05",
    "confidence": "0.95",
    "p": "0.5",
    "deff": "1",
    "response_rate": "1",
    "strata_column": "",
    "allocation": "proportional",
    "minimum": "0",
    "method": "srs",
    "size_column": "",
    "replacements": "5",
    "sds": "",
}


def shown_allocation(html: str) -> dict[str, int]:
    return {label: int(n) for label, n in re.findall(r'data-stratum="([^"]*)">(\d+)<', html)}


def plan_count() -> int:
    return db.session.scalar(db.select(db.func.count(SamplePlan.id)))


def test_preview_shows_cochran_size_and_draws_nothing(client, world):
    reply = client.post(world.plan_url, data={**BASE, "action": "preview"})
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    assert 'data-n="278"' in html and "trên / of 1000" in html
    assert plan_count() == 0
    slovin = client.post(world.plan_url, data={**BASE, "size_mode": "slovin", "action": "preview"})
    assert 'data-n="286"' in slovin.get_data(
        as_text=True
    )  # 1000 / (1 + 1000 × 0.05²) = 285.7 → 286


@pytest.mark.parametrize(
    "allocation, sds, expected",
    [
        ("proportional", "", {"SNV": 50, "STP": 30, "SXD": 20}),
        ("neyman", "SNV=5; STP=10; SXD=20", {"SNV": 26, "STP": 32, "SXD": 42}),
        ("equal", "", {"SNV": 34, "STP": 33, "SXD": 33}),
    ],
)
def test_preview_shows_n_per_stratum(client, world, allocation, sds, expected):
    data = {
        **BASE,
        "size_mode": "fixed",
        "n": "100",
        "strata_column": "unit_code",
        "allocation": allocation,
        "sds": sds,
        "action": "preview",
    }
    html = client.post(world.plan_url, data=data).get_data(as_text=True)
    assert shown_allocation(html) == expected
    assert plan_count() == 0


def test_bad_design_input_is_a_sentence_and_stores_nothing(client, world):
    neyman = {
        **BASE,
        "size_mode": "fixed",
        "n": "100",
        "strata_column": "unit_code",
        "allocation": "neyman",
        "action": "draw",
    }
    reply = client.post(world.plan_url, data=neyman)
    assert reply.status_code == 400 and "Neyman" in reply.get_data(as_text=True)
    too_big = client.post(
        world.plan_url, data={**BASE, "size_mode": "fixed", "n": "1001", "action": "draw"}
    )
    assert too_big.status_code == 400 and "lớn hơn 1000 dòng" in too_big.get_data(as_text=True)
    bad_sd = client.post(world.plan_url, data={**neyman, "sds": "SNV: 5"})
    assert bad_sd.status_code == 400 and "Không đọc được" in bad_sd.get_data(as_text=True)
    floor = client.post(
        world.plan_url, data={**neyman, "allocation": "proportional", "n": "20", "minimum": "10"}
    )
    assert floor.status_code == 400 and "cần 30 đơn vị" in floor.get_data(as_text=True)
    pps = client.post(world.plan_url, data={**BASE, "method": "pps_systematic", "action": "draw"})
    assert pps.status_code == 400 and "cột quy mô" in pps.get_data(as_text=True)
    assert plan_count() == 0 and db.session.scalar(db.select(db.func.count(SampleMember.id))) == 0


def draw(client, world, **extra) -> SamplePlan:
    data = {
        **BASE,
        "size_mode": "fixed",
        "n": "100",
        "strata_column": "unit_code",
        "action": "draw",
    }
    data.update(extra)
    reply = client.post(world.plan_url, data=data)
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return db.session.scalars(db.select(SamplePlan).order_by(SamplePlan.id.desc())).first()


def members(plan: SamplePlan) -> list[tuple[int, str, str]]:
    return [
        tuple(r)
        for r in db.session.execute(
            db.select(FrameRow.row_number, SampleMember.role, SampleMember.stratum)
            .join(FrameRow, FrameRow.id == SampleMember.frame_row_id)
            .where(SampleMember.plan_id == plan.id)
            .order_by(SampleMember.selection_order)
        )
    ]


def test_draw_stores_seed_hash_allocation_and_members(client, world):
    plan = draw(client, world, seed="20251")
    assert plan.seed == 20251 and plan.frame_hash == world.frame.content_hash
    assert plan.allocation == {"SNV": 50, "STP": 30, "SXD": 20} and plan.n == 100
    assert plan.parameters["strata_column"] == "unit_code" and plan.parameters["replacements"] == 5
    drawn = members(plan)
    selected = [m for m in drawn if m[1] == "selected"]
    spare = [m for m in drawn if m[1] == "replacement"]
    assert len(selected) == 100 and len(spare) == 15 and len({m[0] for m in drawn}) == 115
    by_stratum = {label: sum(1 for m in selected if m[2] == label) for label in SIZES}
    assert by_stratum == {"SNV": 50, "STP": 30, "SXD": 20}
    # Rows 1–500 are SNV, 501–800 STP, 801–1000 SXD in the uploaded frame.
    assert all((m[0] <= 500) == (m[2] == "SNV") for m in drawn)
    stored = db.session.scalars(
        db.select(SampleMember).filter_by(plan_id=plan.id, role="selected")
    ).all()
    assert {
        (m.stratum, round(m.inclusion_probability, 12), round(m.base_weight, 9)) for m in stored
    } == {("SNV", 0.1, 10.0), ("STP", 0.1, 10.0), ("SXD", 0.1, 10.0)}
    assert (
        db.session.scalar(db.select(AuditEvent).filter_by(action="plan.draw")).detail["seed"]
        == 20251
    )


def test_redraw_with_the_stored_seed_gives_the_same_members(client, world):
    plan = draw(client, world)  # seed left blank: a fresh one is chosen and stored
    assert 0 < plan.seed <= 2**53 - 1  # exact as a JSON number
    first = members(plan)
    # An independent redraw with the pure function on the frame's stratum labels.
    labels = [
        r.design["unit_code"]
        for r in db.session.scalars(
            db.select(FrameRow).filter_by(frame_id=world.frame.id).order_by(FrameRow.row_number)
        )
    ]
    again = select(
        len(labels),
        {"SNV": 50, "STP": 30, "SXD": 20},
        strata=labels,
        seed=plan.seed,
        replacements=5,
    )
    assert [m[0] - 1 for m in first if m[1] == "selected"] == again.indices.tolist()
    # The same seed through the web page stores the same list; the verify button says so.
    second = draw(client, world, seed=str(plan.seed))
    assert members(second) == first
    checked = client.post(
        f"/admin/rounds/{world.round.id}/plans/{plan.id}/verify", follow_redirects=True
    )
    assert "cho đúng 100 đơn vị" in checked.get_data(as_text=True)
    # A tampered member list is detected.
    member = db.session.scalars(
        db.select(SampleMember).filter_by(plan_id=plan.id, role="selected")
    ).first()
    spare = db.session.scalars(
        db.select(SampleMember).filter_by(plan_id=plan.id, role="replacement")
    ).first()
    member.role, spare.role = "replacement", "selected"
    db.session.commit()
    with pytest.raises(Refused, match="Rút lại cho kết quả khác với mẫu đã lưu"):
        sample_plans.verify_plan(db.session.get(SamplePlan, plan.id))


def test_selected_list_downloads_as_xlsx_with_replacements(client, world):
    plan = draw(client, world, seed="7")
    reply = client.get(f"/admin/rounds/{world.round.id}/plans/{plan.id}/members.xlsx")
    assert reply.status_code == 200 and reply.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(reply.data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:6] == ("order", "role", "stratum", "frame_row", "unit_code", "unit_name")
    assert "phone" in header and "inclusion_probability" in header
    assert len(rows) == 1 + 115
    roles = [r[1] for r in rows[1:]]
    assert roles == ["selected"] * 100 + ["replacement"] * 15
    row_numbers = [r[3] for r in rows[1:]]
    assert row_numbers == [m[0] for m in members(plan)]
    name_at = header.index("name")
    assert all(r[name_at] == f"Người dân {r[3]}" for r in rows[1:])


def test_invitations_are_shown_once_and_stored_hashed(client, world):
    plan = draw(client, world, seed="11")
    cell = RatingCell(
        round_id=world.round.id,
        respondent_group="citizen",
        unit_type="agency",
        questionnaire_id=world.questionnaire.id,
        quota=10,
    )
    db.session.add(cell)
    db.session.commit()
    url = f"/admin/rounds/{world.round.id}/plans/{plan.id}/invitations"
    reply = client.post(url, data={"cell_id": cell.id, "output": "csv"})
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    table = list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert len(table) == 100
    tokens = [row["link"].rsplit("/i/", 1)[1] for row in table]
    assert all(row["link"].startswith("http://localhost/i/") for row in table)
    stored = db.session.scalars(db.select(Invitation)).all()
    assert {inv.token_hash for inv in stored} == {token_hash(t) for t in tokens}
    assert not {inv.token_hash for inv in stored} & set(tokens)
    by_member = {inv.sample_member_id: inv for inv in stored}
    weights = {
        m.id: m.base_weight
        for m in db.session.scalars(db.select(SampleMember).filter_by(role="selected"))
    }
    assert set(by_member) == set(weights)
    assert all(by_member[k].base_weight == weights[k] and by_member[k].stratum for k in weights)
    again = client.post(url, data={"cell_id": cell.id, "output": "csv"}, follow_redirects=True)
    assert "đã có thư mời" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 100
    cards = client.post(
        url, data={"cell_id": cell.id, "output": "cards", "include_replacements": "y"}
    )
    html = cards.get_data(as_text=True)
    assert html.count("<svg") == 15 and "/static/print.css" in html and "Sở SNV" in html
    assert "<style" not in html  # the A4 layout is in print.css: the CSP forbids inline styles


def test_focal_point_cannot_design_or_draw(client, world, app_ctx):
    focal = create_user("focal_point", unit=world.units[0])
    db.session.commit()
    client.post("/auth/logout")
    log_in(client, focal)
    reply = client.post(world.plan_url, data={**BASE, "action": "draw"})
    assert reply.status_code == 403 and plan_count() == 0


def test_pps_draw_gives_certainty_units_probability_one(client, app_ctx):
    # Reference (the issue; R sampling::inclusionprobabilities): sizes 10, 20, …, 90, 500 with n = 4
    # give 0.0667 … 0.6 for the first nine and 1 for the 500.
    province = create_province()
    populations = [10, 20, 30, 40, 50, 60, 70, 80, 90, 500]
    for i, _ in enumerate(populations):
        create_unit(province, code=f"X{i:02d}", name=f"Xã {i}", unit_type="commune")
    survey_round = create_round(status="draft", province=province)
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    lines = ["ma_don_vi,ten,dan_so"] + [f"X{i:02d},Xã {i},{p}" for i, p in enumerate(populations)]
    client.post(
        f"/admin/rounds/{survey_round.id}/frames/upload",
        content_type="multipart/form-data",
        data={"kind": "communes", "file": (io.BytesIO("\n".join(lines).encode()), "xa.csv")},
    )
    frame = db.session.scalar(db.select(SampleFrame))
    reply = client.post(
        f"/admin/rounds/{survey_round.id}/frames/{frame.id}/plan",
        data={
            **BASE,
            "size_mode": "fixed",
            "n": "4",
            "method": "pps_systematic",
            "size_column": "population",
            "replacements": "2",
            "action": "draw",
        },
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    chosen = db.session.execute(
        db.select(FrameRow.size, SampleMember.inclusion_probability)
        .join(FrameRow, FrameRow.id == SampleMember.frame_row_id)
        .where(SampleMember.role == "selected")
    ).all()
    assert len(chosen) == 4
    probabilities = {size: probability for size, probability in chosen}
    assert probabilities[500.0] == 1.0
    for size, probability in probabilities.items():
        if size != 500.0:
            assert probability == pytest.approx(3 * size / 450)  # e.g. 90 → 0.6, 10 → 0.0667


def test_every_staff_page_renders_for_an_admin(client, world):
    plan = draw(client, world, seed="5")
    round_id = world.round.id
    pages = [
        "/admin/",
        "/admin/rounds/new",
        f"/admin/rounds/{round_id}",
        f"/admin/rounds/{round_id}/frames/upload",
        f"/admin/rounds/{round_id}/frames/{world.frame.id}",
        f"/admin/rounds/{round_id}/plans/{plan.id}",
        f"/admin/rounds/{round_id}/entry-points",
        f"/admin/rounds/{round_id}/monitor",
        "/admin/monitor",
        f"/admin/rounds/{round_id}/entry-points/posters",
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'name="csrf_token"' in page.get_data(as_text=True) or url.endswith("posters"), url
    plan_page = client.get(f"/admin/rounds/{round_id}/plans/{plan.id}").get_data(as_text=True)
    assert f'data-seed="{plan.seed}"' in plan_page and world.frame.content_hash in plan_page
    assert client.get(f"/admin/rounds/{round_id}/plans/999").status_code == 404


def test_backcheck_marks_a_share_of_each_stratum(client, world):
    plan = draw(client, world, seed="9")
    reply = client.post(
        f"/admin/rounds/{world.round.id}/plans/{plan.id}/backcheck", data={"fraction": "0.1"}
    )
    assert reply.status_code == 302
    marked = db.session.execute(
        db.select(SampleMember.stratum, SampleMember.role).filter_by(
            plan_id=plan.id, backcheck=True
        )
    ).all()
    # ceil(10 % of 50 / 30 / 20) per stratum, selected members only
    assert sorted(s for s, _ in marked) == ["SNV"] * 5 + ["STP"] * 3 + ["SXD"] * 2
    assert {role for _, role in marked} == {"selected"}
    db.session.expire_all()
    assert db.session.get(SamplePlan, plan.id).parameters["backcheck"]["fraction"] == 0.1
    bad = client.post(
        f"/admin/rounds/{world.round.id}/plans/{plan.id}/backcheck",
        data={"fraction": "2"},
        follow_redirects=True,
    )
    assert "Giá trị phải từ 0.01 đến 1.0" in bad.get_data(as_text=True)
    assert sample_plans.verify_plan(db.session.get(SamplePlan, plan.id)) == plan.n
