"""Seeding a demo province on the embedded database: units, a 2025 round, a sample, invitations,
QR entry points and a few thousand synthetic responses; and, to try the PAR Index, a complete
self-assessment file and last year's results for the round's units. Flushes; the command commits
and writes the files."""
from __future__ import annotations

import csv
import datetime as dt
import io
import secrets

import numpy as np
from sqlalchemy import insert, update

from survey_app.clock import vietnam_today
from survey_app.extensions import db
from survey_app.models import (
    FrameRow, Invitation, Province, RatingCell, Response, SampleFrame, SampleMember, SamplePlan,
    SurveyRound, Unit, UnitSuccession, User,
)
from survey_app.operations.analysis_run import load_round_pack
from survey_app.operations.combined_index import round_units
from survey_app.operations.documents import load_questionnaire, publish_pack, publish_questionnaire
from survey_app.operations.fieldwork_setup import create_entry_point, issue_invitation
from survey_app.operations.invitation_bundles import issue_matrix_bundle
from survey_app.operations.synthetic import synthesize_answers, synthesize_paradata

DEMO_ROUND_CODE = "DEMO-2025"
DEMO_SEED = 20250701
DEMO_PACK = "province_default"
TWO_TIER_START = dt.date(2025, 7, 1)
# The round's fieldwork is placed around the seeding day, so that a demo seeded on any day is open
# and takes answers: it opened this many days before, and closes this many days after.
DEMO_OPENED_DAYS_AGO = 75
DEMO_CLOSES_IN_DAYS = 90
# Synthetic responses arrive over this many days, from two weeks after the round opened.
DEMO_ANSWER_DAYS = 60
DEMO_ANSWERS_START_DAY = 14

AGENCIES = [
    ("SO-NV", "Sở Nội vụ"), ("SO-TP", "Sở Tư pháp"), ("SO-TC", "Sở Tài chính"),
    ("SO-YT", "Sở Y tế"),
    ("SO-GDDT", "Sở Giáo dục và Đào tạo"), ("SO-XD", "Sở Xây dựng"),
    ("SO-NNMT", "Sở Nông nghiệp và Môi trường"), ("SO-CT", "Sở Công Thương"),
    ("SO-KHCN", "Sở Khoa học và Công nghệ"), ("SO-VHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
]
COMMUNES = [
    ("XA-AN-BINH", "Xã An Bình"), ("XA-BINH-MINH", "Xã Bình Minh"), ("XA-HOA-LOC", "Xã Hòa Lộc"),
    ("XA-TAN-PHU", "Xã Tân Phú"), ("XA-THANH-SON", "Xã Thanh Sơn"), ("XA-PHUC-THO", "Xã Phúc Thọ"),
    ("PH-DONG-HAI", "Phường Đông Hải"), ("PH-TAY-HO", "Phường Tây Hồ"),
    ("PH-NAM-THANH", "Phường Nam Thành"),
    ("PH-BAC-SON", "Phường Bắc Sơn"), ("XA-MY-LOC", "Xã Mỹ Lộc"),
    ("DK-HON-NGOC", "Đặc khu Hòn Ngọc"),
]
# District-era units (assessed up to 2024 data), each merged into communes on 1 July 2025.
DISTRICTS = [("HUYEN-DONG", "Huyện Đông", ["XA-AN-BINH", "XA-BINH-MINH", "XA-HOA-LOC"]),
             ("HUYEN-TAY", "Huyện Tây", ["XA-TAN-PHU", "XA-THANH-SON", "XA-PHUC-THO"]),
             ("TP-TRUNG-TAM", "Thành phố Trung Tâm",
              ["PH-DONG-HAI", "PH-TAY-HO", "PH-NAM-THANH", "PH-BAC-SON"])]

# One dossier in this many has an e-mail address on example.org, so `par-survey remind` has a few
# unanswered invitations to write to.
DEMO_EMAIL_EVERY = 40
SIPAS_RESPONSE_RATE = 0.62
OFFICIAL_RESPONSE_RATE = 0.7
OFFICIAL_INVITATIONS_PER_UNIT = 24


def demo_round() -> SurveyRound | None:
    return db.session.scalar(db.select(SurveyRound).filter_by(code=DEMO_ROUND_CODE))


def demo_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """The demo round's opening and closing dates for a demo seeded on ``today``."""
    return (today - dt.timedelta(days=DEMO_OPENED_DAYS_AGO),
            today + dt.timedelta(days=DEMO_CLOSES_IN_DAYS))


def seed_demo(today: dt.date | None = None) -> dict:
    """Create the demo province and round, its fieldwork placed around ``today`` (Vietnam's
    date by default); return what the manifest needs (tokens are only here)."""
    import questionnaires

    opens_on, closes_on = demo_dates(today or vietnam_today())

    rng = np.random.default_rng(DEMO_SEED)
    province = Province(code="DEMO", name="Tỉnh Mẫu (dữ liệu minh hoạ)", valid_from=TWO_TIER_START)
    db.session.add(province)
    db.session.flush()
    units = _create_units(province)

    pack = questionnaires.load_bundled_pack(DEMO_PACK)
    pack_row = publish_pack(pack, pack.to_dict())
    sipas = publish_questionnaire(questionnaires.load_bundled("sipas_2025"))
    delegate_form = publish_questionnaire(questionnaires.load_bundled("delegate_rates_agency_2025"))
    leader_form = publish_questionnaire(
        questionnaires.load_bundled("agency_leader_rates_commune_2025"))

    survey_round = SurveyRound(code=DEMO_ROUND_CODE, province_id=province.id, year=2025,
                               period="Năm 2025",
                               title="Khảo sát CCHC năm 2025 (minh hoạ)", status="open",
                               anonymous=True,
                               methodology_pack_id=pack_row.id, opens_on=opens_on,
                               closes_on=closes_on)
    db.session.add(survey_round)
    db.session.flush()
    for group, unit_type, form, quota in [("citizen", "agency", sipas, 150),
                                          ("citizen", "commune", sipas, 150),
                                          ("delegate", "agency", delegate_form, 20),
                                          ("agency_leader", "commune", leader_form, 20)]:
        db.session.add(RatingCell(round_id=survey_round.id, respondent_group=group,
                                  unit_type=unit_type,
                                  questionnaire_id=form.id, quota=quota))

    rated = [u for u in units.values() if u.unit_type in ("agency", "commune")]
    quality = {u.code: float(rng.uniform(0.55, 0.92)) for u in rated}
    unused: list[dict] = []
    _seed_sipas(survey_round, rated, sipas, quality, rng, unused)
    _seed_officials(survey_round, [u for u in rated if u.unit_type == "agency"], delegate_form,
                    "delegate",
                    quality, rng, unused)
    _seed_officials(survey_round, [u for u in rated if u.unit_type == "commune"], leader_form,
                    "agency_leader", quality, rng, unused)
    entries = [create_entry_point(survey_round, unit, sipas,
                                  counter="Bộ phận Một cửa") for unit in rated]
    return {"round": survey_round, "entries": entries, "unused_invitations": unused}


def _create_units(province: Province) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for code, name in AGENCIES:
        units[code] = Unit(province_id=province.id, code=code, name=name, unit_type="agency",
                           valid_from=dt.date(2020, 1, 1))
    for code, name in COMMUNES:
        units[code] = Unit(province_id=province.id, code=code, name=name, unit_type="commune",
                           valid_from=TWO_TIER_START)
    for code, name, _ in DISTRICTS:
        units[code] = Unit(province_id=province.id, code=code, name=name, unit_type="district",
                           valid_from=dt.date(2020, 1, 1),
                           valid_to=TWO_TIER_START - dt.timedelta(days=1))
    db.session.add_all(units.values())
    db.session.flush()
    for code, _, successors in DISTRICTS:
        for successor in successors:
            db.session.add(UnitSuccession(predecessor_id=units[code].id,
                                          successor_id=units[successor].id,
                                          effective_on=TWO_TIER_START,
                                          share=round(1 / len(successors), 4)))
    return units


PROCEDURES = ("Cấp giấy phép xây dựng", "Đăng ký kinh doanh", "Chứng thực bản sao",
              "Đăng ký khai sinh",
              "Cấp phiếu lý lịch tư pháp", "Đăng ký đất đai")
REPLACEMENTS_PER_STRATUM = 10


def _demo_dossiers(rated, rng) -> list[dict]:
    """A synthetic one-stop-shop frame: dossiers completed in 2025, a few hundred to a few
    thousand a unit."""
    rows = []
    for unit in rated:
        for i in range(int(rng.integers(400, 3000))):
            completed = dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 240)))
            rows.append({"dossier_id": f"{unit.code}-{i + 1:05d}", "unit_code": unit.code,
                         "procedure": PROCEDURES[int(rng.integers(len(PROCEDURES)))],
                         "completed_date": completed.isoformat(),
                         "phone": f"09{int(rng.integers(10**7, 10**8))}"})
            if i % DEMO_EMAIL_EVERY == 0:  # a few citizens left an e-mail address (reserved domain)
                rows[-1]["email"] = f"cong-dan-{unit.code.lower()}-{i + 1}@example.org"
    return rows


def _seed_sipas(survey_round, rated, sipas_row, quality, rng, unused) -> None:
    """A SIPAS frame of completed dossiers, a stratified sample drawn by ``sampling``, invitations
    for every sampled citizen, and the answers of those who responded."""
    import sampling
    from sampling.frames import SIPAS_DOSSIERS, validate_frame

    unit_by_code = {u.code: u for u in rated}
    check = validate_frame(_demo_dossiers(rated, rng), SIPAS_DOSSIERS,
                           known_unit_codes=unit_by_code)
    if not check.ok:
        raise RuntimeError(f"demo frame is invalid: {check.errors[0]}")
    frame = SampleFrame(round_id=survey_round.id, kind="sipas_dossiers",
                        filename="ho-so-mot-cua-2025.csv",
                        content_hash=check.content_hash, row_count=check.row_count)
    db.session.add(frame)
    db.session.flush()
    personal = set(check.personal_columns)
    strata = [row["unit_code"] for row in check.rows]
    db.session.execute(insert(FrameRow), [
        {"frame_id": frame.id, "row_number": number, "unit_id": unit_by_code[row["unit_code"]].id,
         "stratum": row["unit_code"],
         "design": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()
                    if k not in personal},
         "personal": {k: row[k] for k in personal if row.get(k) is not None}}
        for number, row in enumerate(check.rows, start=2)])
    row_ids = db.session.scalars(db.select(FrameRow.id).filter_by(frame_id=frame.id)
                                 .order_by(FrameRow.row_number)).all()

    selection = sampling.select(len(strata), 3300, method="srs", strata=strata, seed=DEMO_SEED,
                                allocation="proportional", minimum=100,
                                replacements=REPLACEMENTS_PER_STRATUM)
    plan = SamplePlan(round_id=survey_round.id, frame_id=frame.id, frame_hash=frame.content_hash,
                      method="srs",
                      n=int(selection.n), seed=DEMO_SEED,
                      parameters={"strata": "unit_code", "allocation": "proportional",
                                  "minimum": 100,
                                  "replacements_per_stratum": REPLACEMENTS_PER_STRATUM},
                      allocation={str(k): int(v) for k, v in (selection.allocation or {}).items()},
                      drawn_at=dt.datetime.combine(survey_round.opens_on, dt.time(9)))
    db.session.add(plan)
    db.session.flush()
    members = [{"plan_id": plan.id, "frame_row_id": row_ids[int(i)], "role": "selected",
                "selection_order": k,
                "stratum": strata[int(i)], "inclusion_probability": float(p),
                "base_weight": float(w),
                "backcheck": False}
               for k, (i, p, w) in enumerate(zip(selection.indices, selection.probabilities,
                                                 selection.weights))]
    replacements = [{"plan_id": plan.id, "frame_row_id": row_ids[int(i)], "role": "replacement",
                     "selection_order": len(members) + k, "stratum": strata[int(i)],
                     "inclusion_probability": None, "base_weight": None, "backcheck": False}
                    for k, i in enumerate(selection.replacements)]
    db.session.execute(insert(SampleMember), members + replacements)
    member_ids = db.session.scalars(db.select(SampleMember.id)
                                    .filter_by(plan_id=plan.id, role="selected")
                                    .order_by(SampleMember.selection_order)).all()

    fieldwork = _Fieldwork(survey_round, sipas_row, "citizen", quality, rng, unused)
    for member_id, member in zip(member_ids, members):
        unit = unit_by_code[member["stratum"]]
        fieldwork.invite(unit, SIPAS_RESPONSE_RATE, stratum=unit.code,
                         base_weight=member["base_weight"],
                         sample_member_id=member_id)
    fieldwork.store_responses()


def _seed_officials(survey_round, units, form_row, group, quality, rng, unused) -> None:
    fieldwork = _Fieldwork(survey_round, form_row, group, quality, rng, unused)
    for unit in units:
        for _ in range(OFFICIAL_INVITATIONS_PER_UNIT):
            fieldwork.invite(unit, OFFICIAL_RESPONSE_RATE, stratum=group, base_weight=1.0)
    fieldwork.store_responses()


class _Fieldwork:
    """Invitations to one questionnaire, answered at a given rate; a few unused ones go to the
    manifest."""

    UNUSED_KEPT = 3

    def __init__(self, survey_round, form_row, group, quality, rng, unused: list) -> None:
        self.survey_round, self.form_row, self.group = survey_round, form_row, group
        self.questionnaire = load_questionnaire(form_row)
        self.quality, self.rng, self.unused = quality, rng, unused
        self.kept = 0
        self.response_rows: list[dict] = []

    def invite(self, unit, response_rate: float, *, stratum: str, base_weight: float,
               sample_member_id: int | None = None) -> None:
        invitation, token = issue_invitation(self.survey_round, self.form_row, unit, self.group,
                                             stratum=stratum, base_weight=base_weight,
                                             sample_member_id=sample_member_id)
        if self.rng.random() < response_rate:
            invitation.status, invitation.disposition = "used", "complete"
            invitation.sealed_token = None
            # no day of use in an anonymous round: it could be matched with the response's day
            invitation.used_on = None if self.survey_round.anonymous else (
                self.survey_round.opens_on + dt.timedelta(days=DEMO_ANSWERS_START_DAY))
            self.response_rows.append(_response_row(
                self.survey_round, self.form_row, self.questionnaire, unit, self.group,
                self.quality[unit.code], self.rng, stratum=stratum, base_weight=base_weight))
        elif self.kept < self.UNUSED_KEPT:
            self.unused.append(unused_invitation_entry(invitation, token))
            self.kept += 1

    def store_responses(self) -> None:
        db.session.execute(insert(Response), self.response_rows)
        db.session.flush()  # the sampled members who answered are complete too (AAPOR 1.1)
        db.session.execute(
            update(SampleMember).where(SampleMember.id.in_(
                db.select(Invitation.sample_member_id).where(
                    Invitation.round_id == self.survey_round.id, Invitation.status == "used")))
            .values(disposition="complete").execution_options(synchronize_session=False))


def unused_invitation_entry(invitation, token: str) -> dict:
    """What the manifest says of an unused invitation (its token is known only here)."""
    form = invitation.questionnaire
    return {"token": token, "questionnaire_id": form.form_key,
            "questionnaire_version": form.version,
            "respondent_group": invitation.respondent_group}


def fresh_unused_invitations(survey_round) -> list[dict]:
    """Tokens are never stored, so a later demo run issues one new unused invitation per
    questionnaire."""
    unused, seen_forms = [], set()
    for invitation in db.session.scalars(db.select(Invitation).filter_by(round_id=survey_round.id)
                                         .order_by(Invitation.id)):
        if invitation.questionnaire_id in seen_forms:
            continue
        seen_forms.add(invitation.questionnaire_id)
        new, token = issue_invitation(survey_round, invitation.questionnaire, invitation.rated_unit,
                                      invitation.respondent_group, stratum=invitation.stratum,
                                      base_weight=invitation.base_weight)
        unused.append(unused_invitation_entry(new, token))
    return unused


def issue_demo_bundle(survey_round) -> dict:
    """A new multi-unit invitation (a delegate rates every agency through one link) on each demo
    run, as the manifest tells it (its token is known only here)."""
    bundle, token, units = issue_matrix_bundle(survey_round, "delegate", "agency",
                                               stratum="delegate", base_weight=1.0)
    return {"token": token, "questionnaire_id": bundle.questionnaire.form_key,
            "questionnaire_version": bundle.questionnaire.version, "respondent_group": "delegate",
            "units": [{"code": unit.code, "name": unit.name} for unit in units]}


def _response_row(survey_round, form_row, questionnaire, unit, group, quality, rng, *, stratum,
                  base_weight):
    speeder = rng.random() < 0.03
    straight = rng.random() < 0.03
    for _ in range(5):
        answers = synthesize_answers(questionnaire, rng, quality, straight_line=straight)
        if not questionnaire.validate(answers):
            answers = questionnaire.clean(answers)
            break
    else:
        raise RuntimeError(f"synthetic answers to {questionnaire.id} keep failing validation: "
                           f"{questionnaire.validate(answers)[:3]}")
    submitted = survey_round.opens_on + dt.timedelta(
        days=DEMO_ANSWERS_START_DAY + int(rng.integers(0, DEMO_ANSWER_DAYS)))
    return {"submission_id": _uuid(rng), "receipt": secrets.token_hex(5).upper(),
            "round_id": survey_round.id,
            "questionnaire_id": form_row.id, "rated_unit_id": unit.id, "respondent_group": group,
            "channel": "demo", "stratum": stratum, "base_weight": base_weight, "answers": answers,
            "paradata": synthesize_paradata(questionnaire, rng, speeder=speeder),
            "quality_flags": [],
            "quarantined": False, "submitted_on": submitted}


def _uuid(rng) -> str:
    import uuid

    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def ensure_admin(password: str | None = None) -> tuple[User, str]:
    """The demo admin account, with a fresh random password each time the demo runs."""
    password = password or secrets.token_urlsafe(9)
    user = db.session.scalar(db.select(User).filter_by(username="admin"))
    if user is None:
        user = User(username="admin", display_name="Quản trị Sở Nội vụ (demo)", role="admin")
        db.session.add(user)
    user.set_password(password)
    db.session.flush()
    return user, password


# --------------------------------------------------------------------------- PAR Index inputs

# "Không áp dụng" the demo gives now and then, with the reason a unit would write: (criterion,
# unit type) → reason. Only criteria of the pack that apply to that unit type are used.
DEMO_NOT_APPLICABLE = {
    ("6.2", "agency"): "Sở không có đơn vị sự nghiệp công lập trực thuộc trong năm đánh giá.",
    ("2.1", "commune"): "Trong năm, UBND xã không ban hành văn bản quy phạm pháp luật nào.",
    ("4.2", "commune"): "Xã mới thành lập từ 1/7/2025, chưa có nhiệm vụ được phân cấp, ủy quyền.",
}
NOT_APPLICABLE_SHARE = 0.3
SELF_ASSESSMENT_HEADER = ("unit_code", "criterion_code", "points", "ly_do")


def _quarter_points(max_points: float, share: float) -> float:
    """Points as units give them: a share of the maximum rounded down to a quarter point."""
    return float(np.floor(max_points * min(max(share, 0.0), 1.0) * 4) / 4)


def demo_self_assessment(survey_round) -> str:
    """A complete self-assessment CSV for the round's units, as ``par-survey index`` reads it:
    every self-assessed criterion of the pack that applies to the unit, points below or at the
    maximum, and a few "không áp dụng" with their reasons (:data:`DEMO_NOT_APPLICABLE`).
    Deterministic: drawn from its own stream of the demo seed."""
    from analysis.combiner import scoring_nodes

    pack = load_round_pack(survey_round)
    nodes = [n for n in scoring_nodes(pack) if n.assessment == "self"]
    rng = np.random.default_rng([DEMO_SEED, 2])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SELF_ASSESSMENT_HEADER)
    for unit in round_units(survey_round):
        level = float(rng.uniform(0.7, 0.95))
        for node in nodes:
            if not node.applies(unit.unit_type, survey_round.year):
                continue
            reason = DEMO_NOT_APPLICABLE.get((node.code, unit.unit_type))
            if reason and rng.random() < NOT_APPLICABLE_SHARE:
                writer.writerow((unit.code, node.code, "không áp dụng", reason))
                continue
            points = _quarter_points(node.max_points, level + float(rng.normal(0, 0.12)))
            writer.writerow((unit.code, node.code, f"{points:g}", ""))
    return out.getvalue()


def demo_previous_results(survey_round) -> str:
    """Last year's published points as a CSV ``unit_code, criterion_code, points`` (what an official
    types in from last year's decision in the product's first year) for the round's agencies, on
    every scoring node of the pack, self-assessed and survey-assessed. Communes exist only since
    1 July 2025, so they have no previous year. Deterministic from the demo seed."""
    from analysis.combiner import scoring_nodes

    pack = load_round_pack(survey_round)
    nodes = scoring_nodes(pack)
    rng = np.random.default_rng([DEMO_SEED, 3])
    year = survey_round.year - 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("unit_code", "criterion_code", "points"))
    for unit in round_units(survey_round):
        if unit.valid_from is not None and unit.valid_from > dt.date(year, 12, 31):
            continue
        level = float(rng.uniform(0.7, 0.95))
        for node in nodes:
            if node.applies(unit.unit_type, year):
                points = _quarter_points(node.max_points, level + float(rng.normal(0, 0.1)))
                writer.writerow((unit.code, node.code, f"{points:g}"))
    return out.getvalue()
