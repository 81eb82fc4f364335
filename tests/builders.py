"""Builders for test data: small functions with sensible defaults, overridable by keyword.

Call them inside an app context; they add and flush, the test commits when it needs to.
Other test modules may append their own builders at the end of this file.
"""
from __future__ import annotations

import datetime as dt
import itertools
import threading

from questionnaires import Questionnaire
from survey_app.extensions import db
from survey_app.models import (
    EntryPoint,
    Invitation,
    Province,
    QuestionnaireVersion,
    SurveyRound,
    Unit,
)
from survey_app.operations.documents import publish_questionnaire
from survey_app.operations.fieldwork_setup import create_entry_point, issue_invitation

_serial = itertools.count(1)

SCALE = [
    {"name": "1", "label": {"vi": "Rất không hài lòng", "en": "Very dissatisfied"},
     "coefficient": 0.0},
    {"name": "2", "label": {"vi": "Không hài lòng", "en": "Dissatisfied"}, "coefficient": 0.25},
    {"name": "3", "label": {"vi": "Bình thường", "en": "Neutral"}, "coefficient": 0.5},
    {"name": "4", "label": {"vi": "Hài lòng", "en": "Satisfied"}, "coefficient": 0.75},
    {"name": "5", "label": {"vi": "Rất hài lòng", "en": "Very satisfied"}, "coefficient": 1.0},
    {"name": "dk", "label": {"vi": "Không biết / không trả lời", "en": "Don't know / no answer"},
     "excluded": True},
]


def small_questionnaire_dict(form_id: str | None = None, version: str = "1",
                             group: str = "citizen") -> dict:
    """A three-page questionnaire with skip logic, a constraint, a multiple choice and
    other-specify.

    Page ``profile``: ``age`` (integer 18–110, required), ``gender`` (single, required).
    Page ``service``: ``used_online`` (single yes/no, required), ``online_rating`` (scale, required,
    relevant only when ``used_online`` is ``yes``), ``counter_rating`` (scale, required).
    Page ``wishes``: ``priorities`` (multiple, up to 2, with ``other`` to specify), ``comment``
    (text).
    The id is ``test_form`` for citizens and ``test_form_<group>`` otherwise.
    """
    form_id = form_id or ("test_form" if group == "citizen" else f"test_form_{group}")
    yes_no = [{"name": "yes", "label": {"vi": "Có", "en": "Yes"}},
              {"name": "no", "label": {"vi": "Không", "en": "No"}}]
    return {
        "id": form_id, "version": version, "respondent_group": group, "languages": ["vi", "en"],
        "title": {"vi": "Phiếu thử nghiệm", "en": "Test form"},
        "choice_lists": {"scale": SCALE},
        "pages": [
            {"name": "profile", "title": {"vi": "Thông tin chung", "en": "About you"},
             "questions": [
                {"name": "age", "type": "integer", "required": True,
                 "label": {"vi": "Tuổi", "en": "Age"},
                 "constraint": ". >= 18 and . <= 110",
                 "constraint_message": {"vi": "Tuổi từ 18 đến 110.",
                                        "en": "Age is between 18 and 110."}},
                {"name": "gender", "type": "single", "required": True,
                 "label": {"vi": "Giới tính", "en": "Gender"},
                 "choices": [{"name": "f", "label": {"vi": "Nữ", "en": "Female"}},
                             {"name": "m", "label": {"vi": "Nam", "en": "Male"}}]},
            ]},
            {"name": "service", "title": {"vi": "Dịch vụ", "en": "Service"}, "questions": [
                {"name": "used_online", "type": "single", "required": True, "choices": yes_no,
                 "label": {"vi": "Ông/Bà có nộp hồ sơ trực tuyến không?",
                           "en": "Did you apply online?"}},
                {"name": "online_rating", "type": "single", "required": True, "choices": "scale",
                 "relevant": "${used_online} = 'yes'", "criterion": "8.1",
                 "label": {"vi": "Hài lòng với dịch vụ trực tuyến",
                           "en": "Satisfaction with online service"}},
                {"name": "counter_rating", "type": "single", "required": True, "choices": "scale",
                 "criterion": "8.2",
                 "label": {"vi": "Hài lòng với bộ phận một cửa",
                           "en": "Satisfaction with the one-stop desk"}},
            ]},
            {"name": "wishes", "title": {"vi": "Mong đợi", "en": "Expectations"}, "questions": [
                {"name": "priorities", "type": "multiple", "max_choices": 2, "other_specify": True,
                 "label": {"vi": "Cần ưu tiên cải thiện", "en": "Priorities to improve"},
                 "choices": [{"name": "speed", "label": {"vi": "Thời gian", "en": "Speed"}},
                             {"name": "fees", "label": {"vi": "Phí", "en": "Fees"}},
                             {"name": "staff", "label": {"vi": "Thái độ", "en": "Staff"}},
                             {"name": "other", "label": {"vi": "Khác", "en": "Other"}}]},
                {"name": "comment", "type": "text",
                 "label": {"vi": "Góp ý khác", "en": "Other comments"}},
            ]},
        ],
    }


GOOD_ANSWERS = {"age": "42", "gender": "f", "used_online": "yes", "online_rating": "4",
                "counter_rating": "5", "priorities": ["speed", "fees"], "comment": "Tốt"}


def create_province(**kw) -> Province:
    n = next(_serial)
    values = {"code": f"P{n}", "name": f"Tỉnh thử {n}", "valid_from": dt.date(2025, 7, 1)}
    values.update(kw)
    province = Province(**values)
    db.session.add(province)
    db.session.flush()
    return province


def create_unit(province: Province | None = None, **kw) -> Unit:
    province = province or create_province()
    n = next(_serial)
    values = {"province_id": province.id, "code": f"U{n}", "name": f"Sở thử nghiệm {n}",
              "unit_type": "agency", "valid_from": dt.date(2025, 7, 1)}
    values.update(kw)
    unit = Unit(**values)
    db.session.add(unit)
    db.session.flush()
    return unit


def create_questionnaire(definition: dict | None = None, **kw) -> QuestionnaireVersion:
    """Publish a questionnaire (the small test form unless ``definition`` is given)."""
    definition = definition or small_questionnaire_dict(**kw)
    return publish_questionnaire(Questionnaire.from_dict(definition))


def create_round(status: str = "open", province: Province | None = None, **kw) -> SurveyRound:
    province = province or create_province()
    n = next(_serial)
    values = {"code": f"R{n}", "province_id": province.id, "year": 2025, "period": "2025",
              "title": f"Đợt khảo sát thử {n}", "status": status, "anonymous": True}
    values.update(kw)
    survey_round = SurveyRound(**values)
    db.session.add(survey_round)
    db.session.flush()
    return survey_round


def open_round_with_entry(*, status: str = "open", anonymous: bool = True,
                          definition: dict | None = None,
                          counter: str = "Quầy 1") -> EntryPoint:
    """An open round, a unit, a published questionnaire and a QR entry point serving them."""
    survey_round = create_round(status=status, anonymous=anonymous)
    unit = create_unit(survey_round.province)
    questionnaire = create_questionnaire(definition)
    return create_entry_point(survey_round, unit, questionnaire, counter=counter)


def invitation_for(*, status: str = "open", anonymous: bool = True, definition: dict | None = None,
                   group: str = "delegate", stratum: str | None = "S1",
                   base_weight: float | None = 12.5, survey_round: SurveyRound | None = None,
                   ) -> tuple[Invitation, str]:
    """An invitation (and its token) to rate a new unit in an open round."""
    survey_round = survey_round or create_round(status=status, anonymous=anonymous)
    unit = create_unit(survey_round.province)
    questionnaire = create_questionnaire(definition or small_questionnaire_dict(group=group))
    return issue_invitation(survey_round, questionnaire, unit, group, stratum=stratum,
                            base_weight=base_weight)


# --- staff side (admin pages): accounts, logins, responses, frames -------------------------------

STAFF_PASSWORD = "mat-khau-thu-nghiem"


def create_user(role: str = "admin", unit: Unit | None = None, **kw):
    from survey_app.models import User

    n = next(_serial)
    user = User(username=kw.pop("username", f"{role}{n}"),
                display_name=kw.pop("display_name", f"Cán bộ {n}"),
                role=role, unit_id=unit.id if unit is not None else None, **kw)
    user.set_password(STAFF_PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def log_in(client, user) -> None:
    """Log ``user`` in through the login form (CSRF is off in tests)."""
    page = client.post("/auth/login", data={"username": user.username, "password": STAFF_PASSWORD})
    assert page.status_code == 302, page.get_data(as_text=True)


def create_response(survey_round: SurveyRound, unit: Unit, questionnaire: QuestionnaireVersion,
                    group: str = "citizen", **kw):
    """A submitted response (answers are not looked at by the staff pages)."""
    import uuid

    from survey_app.models import Response

    n = next(_serial)
    values = {"submission_id": str(uuid.uuid4()), "receipt": f"RC{n:08d}",
              "round_id": survey_round.id,
              "questionnaire_id": questionnaire.id, "rated_unit_id": unit.id,
              "respondent_group": group,
              "channel": "qr", "answers": {}, "submitted_on": dt.date(2025, 9, 1)}
    values.update(kw)
    response = Response(**values)
    db.session.add(response)
    db.session.flush()
    return response


def sipas_frame_csv(unit_codes: list[str], rows_per_unit: int | list[int], *,
                    named: bool = True) -> bytes:
    """A valid SIPAS dossier frame (CSV bytes) with ``rows_per_unit`` dossiers for each unit
    code."""
    counts = rows_per_unit if isinstance(rows_per_unit, list) else [rows_per_unit] * len(unit_codes)
    lines = ["ma_ho_so,ma_don_vi,thu_tuc,ngay_tra_ket_qua,ho_ten,so_dien_thoai"]
    serial = 0
    for code, count in zip(unit_codes, counts):
        for _ in range(count):
            serial += 1
            name = f"Người dân {serial}" if named else ""
            lines.append(f"HS{serial:07d},{code},Cấp giấy phép,15/08/2025,{name},09{serial:08d}")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- results and exports

RESULTS_PACK = {
    "id": "test_pack", "version": "1", "title": {"vi": "Bộ tiêu chí thử", "en": "Test pack"},
    "unit_types": ["agency", "commune"], "total_points": 10, "survey_points": 6,
    "criteria": [
        {"code": "1", "title": {"vi": "Chỉ đạo, điều hành", "en": "Direction"}, "max_points": 6,
         "assessment": "self", "children": [
             {"code": "1.1", "title": {"vi": "Kế hoạch", "en": "Plan"}, "max_points": 4},
             {"code": "1.2", "title": {"vi": "Đánh giá của đại biểu", "en": "Delegates' rating"},
              "max_points": 2, "assessment": "survey"}]},
        {"code": "8", "title": {"vi": "Tác động đến người dân", "en": "Impact on citizens"},
         "max_points": 4,
         "assessment": "survey", "sipas": "share"},
    ],
}


def _scale_question(name: str) -> dict:
    return {"name": name, "type": "single", "choices": "scale",
            "label": {"vi": f"Ông/Bà hài lòng ở mức nào về {name}?",
                      "en": f"How satisfied are you with {name}?"}}


def results_sipas_dict() -> dict:
    """A SIPAS-like citizen form: elements ``g_a`` (items a1, a2) and ``g_b`` (b1); the pack's
    criterion ``8`` is scored from their overall SIPAS index."""
    return {
        "id": "sipas_test", "version": "1", "respondent_group": "citizen",
        "languages": ["vi", "en"],
        "sipas": {"service": ["g_a", "g_b"]},
        "title": {"vi": "Phiếu SIPAS thử", "en": "Test SIPAS form"},
        "choice_lists": {"scale": SCALE},
        "pages": [{"name": "satisfaction", "title": {"vi": "Hài lòng", "en": "Satisfaction"},
                   "questions": [
            {"name": "g_a", "type": "group", "label": {"vi": "Tiếp cận", "en": "Access"},
             "questions": [_scale_question("a1"), _scale_question("a2")]},
            {"name": "g_b", "type": "group", "label": {"vi": "Thủ tục", "en": "Procedure"},
             "questions": [_scale_question("b1")]},
            {"name": "comment", "type": "text", "label": {"vi": "Góp ý", "en": "Comment"}},
        ]}],
    }


def results_delegate_dict() -> dict:
    """A delegates' form with one question ``d1`` scoring criterion ``1.2`` (A 1, B .6, C .2, D
    0)."""
    choices = [{"name": n, "label": {"vi": f"Mức {n}", "en": f"Level {n}"}, "coefficient": c}
               for n, c in (("A", 1.0), ("B", 0.6), ("C", 0.2), ("D", 0.0))]
    choices.append({"name": "dk", "label": {"vi": "Không biết", "en": "Don't know"},
                    "excluded": True})
    return {
        "id": "delegate_test", "version": "1", "respondent_group": "delegate",
        "languages": ["vi", "en"],
        "title": {"vi": "Phiếu đại biểu thử", "en": "Test delegates' form"},
        "pages": [{"name": "rating", "title": {"vi": "Đánh giá", "en": "Rating"}, "questions": [
            {"name": "d1", "type": "single", "choices": choices, "criterion": "1.2",
             "label": {"vi": "Chỉ đạo, điều hành CCHC", "en": "Direction of reform"}}]}],
    }


def create_scored_response(survey_round: SurveyRound, unit: Unit,
                           questionnaire: QuestionnaireVersion,
                           group: str, **kw):
    """A submitted response with the given answers, design variables and flags."""
    import uuid

    from survey_app.models import Response

    n = next(_serial)
    values = {"submission_id": str(uuid.uuid4()), "receipt": f"KQ{n:08d}",
              "round_id": survey_round.id,
              "questionnaire_id": questionnaire.id, "rated_unit_id": unit.id,
              "respondent_group": group,
              "channel": "invitation", "answers": {}, "submitted_on": dt.date(2025, 10, 1)}
    values.update(kw)
    response = Response(**values)
    db.session.add(response)
    db.session.flush()
    return response


DELEGATE_ANSWERS = (("A", "A", False), ("A", "B", False), ("A", "C", False), ("A", "D", True),
                    ("B", "A", False), ("B", "D", False))


def create_scored_round(status: str = "published", code: str = "KQ-2025", year: int = 2025, *,
                        province=None, units=None, delegate_answers=DELEGATE_ANSWERS):
    """A round with known answers and weights (see tests/app/test_results_numbers.py for the
    hand-worked figures): units ``SO-A`` (agency) and ``XA-B`` (commune), a citizen SIPAS form and
    a delegates' form, one quarantined response, one unused invitation. ``delegate_answers`` lists
    (unit "A" or "B", answer to d1, quarantined); pass ``province`` and ``units`` to add a round
    for the same units. Returns a dict of objects."""
    from questionnaires.packs import load_pack

    from survey_app.operations.documents import publish_pack

    province = province or create_province(name="Tỉnh Kiểm Thử")
    unit_a, unit_b = units or (create_unit(province, code="SO-A", name="Sở A", unit_type="agency"),
                               create_unit(province, code="XA-B", name="Xã B", unit_type="commune"))
    pack = publish_pack(load_pack(RESULTS_PACK), RESULTS_PACK)
    survey_round = create_round(status="open", province=province, code=code, year=year,
                                methodology_pack_id=pack.id, opens_on=dt.date(year, 9, 1),
                                closes_on=dt.date(year, 11, 30))
    sipas = create_questionnaire(results_sipas_dict())
    delegate = create_questionnaire(results_delegate_dict())
    citizen_rows = [  # unit, stratum, base weight, answers
        (unit_a, "S1", 10.0, {"a1": "5", "a2": "5", "b1": "5"}),
        (unit_a, "S2", 30.0, {"a1": "1", "a2": "1", "b1": "1"}),
        (unit_a, "S2", 30.0, {"a1": "4", "a2": "3", "b1": "dk", "comment": "=HYPERLINK(\"x\")"}),
        (unit_b, "B", 5.0, {"a1": "4", "a2": "4", "b1": "4"}),
        (unit_b, "B", 5.0, {"a1": "2", "a2": "2", "b1": "2"}),
    ]
    for unit, stratum, weight, answers in citizen_rows:
        create_scored_response(survey_round, unit, sipas, "citizen", stratum=stratum,
                               base_weight=weight,
                        answers=answers, paradata={"total_seconds": 300.0})
    # one sampled citizen of S1 did not answer: the S1 respondent then carries weight 20
    invitation, _ = issue_invitation(survey_round, sipas, unit_a, "citizen", stratum="S1",
                                     base_weight=10.0)
    revoked, _ = issue_invitation(survey_round, sipas, unit_a, "citizen", stratum="S2",
                                  base_weight=30.0)
    revoked.status = "revoked"
    for which, answer, quarantined in delegate_answers:
        unit = unit_a if which == "A" else unit_b
        create_scored_response(survey_round, unit, delegate, "delegate", answers={"d1": answer},
                        quarantined=quarantined, quality_flags=["speeder"] if quarantined else [],
                        paradata={"total_seconds": 120.0})
    db.session.flush()
    if status != "open":
        from survey_app.operations.rounds import change_status

        change_status(survey_round, "closed")
        if status == "published":
            change_status(survey_round, "published")
    return {"round": survey_round, "province": province, "units": (unit_a, unit_b), "pack": pack,
            "forms": (sipas, delegate),
            "invitation": invitation}


def post_together(app, payloads: list[dict]) -> list:
    """POST every payload to the submissions API at once (one thread and client each, released
    together by a barrier); the ``(status, json)`` replies in payload order."""
    barrier = threading.Barrier(len(payloads))
    replies: list = [None] * len(payloads)

    def worker(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        reply = client.post("/api/v1/submissions", json=payloads[i])
        replies[i] = (reply.status_code, reply.get_json())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(reply is not None for reply in replies), "a request did not finish"
    return replies


def open_scored_round_as_admin(client) -> dict:
    """:func:`create_scored_round` left open (responses can still arrive), committed, and an
    admin logged in on ``client``; the round's objects."""
    made = create_scored_round(status="open")
    user = create_user("admin")
    db.session.commit()
    log_in(client, user)
    return made


def published_round_as_council(client) -> dict:
    """:func:`create_scored_round` published, committed, and a council member logged in on
    ``client``; the round's objects."""
    made = create_scored_round(status="published")
    user = create_user("council")
    db.session.commit()
    log_in(client, user)
    return made
