"""``/openrosa``: the form list, XForm download and submission API, with requests built as the
OpenRosa specification and ODK Collect send them (HTTP Basic, ``X-OpenRosa-Version: 1.0``,
multipart ``xml_submission_file``)."""
from __future__ import annotations

import base64
import hashlib
import io
import uuid
import xml.etree.ElementTree as ET

import pytest

from builders import STAFF_PASSWORD, create_user, open_round_with_entry
from survey_app.extensions import db
from survey_app.models import Response, SurveyRound
from survey_app.operations import cati
from survey_app.operations.fieldwork_setup import issue_invitation

XF = "{http://www.w3.org/2002/xforms}"
LIST = "{http://openrosa.org/xforms/xformsList}"
ANSWERS = {"age": "42", "gender": "f", "used_online": "yes", "online_rating": "4",
           "counter_rating": "5", "priorities": "speed fees", "comment": "Tốt"}


def assign_unit_of(entry, interviewer) -> None:
    """Give ``interviewer`` one sample member's invitation to rate ``entry``'s unit."""
    invitation, _ = issue_invitation(entry.round, entry.questionnaire, entry.unit, "citizen")
    cati.assign(invitation, interviewer, None)


def colleague_of_another_unit(entry):
    """Another unit's entry point in ``entry``'s round, assigned to another interviewer."""
    from builders import create_unit
    from survey_app.operations.fieldwork_setup import create_entry_point

    other_entry = create_entry_point(entry.round, create_unit(entry.round.province,
                                                              name="UBND xã Khác"),
                                     entry.questionnaire)
    colleague = create_user("interviewer")
    assign_unit_of(other_entry, colleague)
    return other_entry, colleague


@pytest.fixture
def world(app_ctx):
    entry = open_round_with_entry()
    interviewer = create_user("interviewer")
    assign_unit_of(entry, interviewer)
    db.session.commit()
    return entry, interviewer


def odk_headers(user=None, password=STAFF_PASSWORD) -> dict:
    headers = {"X-OpenRosa-Version": "1.0", "User-Agent": "org.odk.collect.android/v2024.2.4"}
    if user is not None:
        token = base64.b64encode(f"{user.username}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return headers


def count_responses() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Response))


def fetch_xform(client, user) -> tuple[ET.Element, bytes, str]:
    listing = client.get("/openrosa/formList", headers=odk_headers(user))
    entry = ET.fromstring(listing.data).find(f"{LIST}xform")
    url = entry.findtext(f"{LIST}downloadUrl")
    form = client.get(url.replace("http://localhost", ""), headers=odk_headers(user))
    assert form.status_code == 200
    return ET.fromstring(form.data), form.data, entry.findtext(f"{LIST}hash")


def filled_instance(xform: ET.Element, answers: dict, instance_id: str) -> bytes:
    """The primary instance of ``xform`` with ``answers`` filled in, as Collect sends it."""
    model = xform.find(f"{{http://www.w3.org/1999/xhtml}}head/{XF}model")
    data = model.find(f"{XF}instance")[0]
    for element in data.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in answers:
            element.text = answers[name]
        if name == "instanceID":
            element.text = f"uuid:{instance_id}"
    return ET.tostring(data, encoding="utf-8", xml_declaration=True)


def post_instance(client, user, document: bytes, **files):
    data = {"xml_submission_file": (io.BytesIO(document), "submission.xml", "text/xml"), **files}
    return client.post("/openrosa/submission", data=data, headers=odk_headers(user),
                       content_type="multipart/form-data")


def test_form_list_lists_the_entry_point_forms_with_their_hash(client, world):
    entry, user = world
    response = client.get("/openrosa/formList", headers=odk_headers(user))
    assert response.status_code == 200
    assert response.headers["X-OpenRosa-Version"] == "1.0"
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.headers["Date"]
    forms = ET.fromstring(response.data).findall(f"{LIST}xform")
    assert [form.findtext(f"{LIST}formID") for form in forms] == [f"par-{entry.code}"]
    assert entry.unit.name in forms[0].findtext(f"{LIST}name")
    assert forms[0].findtext(f"{LIST}version") == entry.questionnaire.version
    assert forms[0].find(f"{LIST}manifestUrl") is None  # no media
    root, raw, listed_hash = fetch_xform(client, user)
    assert listed_hash == "md5:" + hashlib.md5(raw).hexdigest()


def test_the_xform_parses_and_has_the_questions_and_the_unit_in_its_id(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    data = root.find(f"{{http://www.w3.org/1999/xhtml}}head/{XF}model/{XF}instance")[0]
    assert data.get("id") == f"par-{entry.code}"
    names = {element.tag.rsplit("}", 1)[-1] for element in data.iter()}
    assert set(ANSWERS) <= names and "instanceID" in names
    bound = {bind.get("nodeset") for bind in root.iter(f"{XF}bind")}
    assert any(nodeset.endswith("/age") for nodeset in bound)


def test_a_submission_is_stored_and_a_resend_is_stored_once(client, world):
    entry, user = world
    head = client.open("/openrosa/submission", method="HEAD", headers=odk_headers(user))
    assert head.status_code == 204 and int(head.headers["X-OpenRosa-Accept-Content-Length"]) > 0
    root, _, _ = fetch_xform(client, user)
    instance_id = str(uuid.uuid4())
    document = filled_instance(root, ANSWERS, instance_id)
    first = post_instance(client, user, document)
    assert first.status_code == 201, first.data
    assert b"<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\">" in first.data
    assert first.headers["X-OpenRosa-Version"] == "1.0"
    again = post_instance(client, user, document)  # the reply was lost: Collect sends it again
    assert again.status_code == 202, again.data
    assert count_responses() == 1
    row = db.session.scalar(db.select(Response))
    assert row.submission_id == instance_id and row.rated_unit_id == entry.unit_id
    assert row.channel == "odk"
    assert row.answers["age"] == 42 and row.answers["priorities"] == ["speed", "fees"]


def test_a_closed_round_is_refused_in_an_openrosa_body(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    db.session.get(SurveyRound, entry.round_id).status = "closed"
    db.session.commit()
    response = post_instance(client, user, filled_instance(root, ANSWERS, str(uuid.uuid4())))
    assert response.status_code == 410
    message = ET.fromstring(response.data).findtext("{http://openrosa.org/http/response}message")
    assert "đã đóng" in message
    assert count_responses() == 0
    listing = client.get("/openrosa/formList", headers=odk_headers(user))
    assert ET.fromstring(listing.data).findall(f"{LIST}xform") == []


def test_no_or_wrong_credentials_and_other_roles_are_refused(client, world):
    entry, user = world
    for headers in (odk_headers(), odk_headers(user, password="wrong")):
        response = client.get("/openrosa/formList", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Basic realm="par-survey"')
    admin = create_user("admin")
    db.session.commit()
    assert client.get("/openrosa/formList", headers=odk_headers(admin)).status_code == 403
    assert client.post("/openrosa/submission", headers=odk_headers()).status_code == 401


def test_malformed_xml_or_a_doctype_is_refused_and_nothing_stored(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    good = filled_instance(root, ANSWERS, str(uuid.uuid4())).decode()
    declaration, rest = good.split("\n", 1)
    with_entity = (f'{declaration}\n<!DOCTYPE data [<!ENTITY x "42">]>\n'
                   + rest.replace(">42<", ">&x;<"))
    for document in (good[:-20].encode(), with_entity.encode(), b"not xml"):
        response = post_instance(client, user, document)
        assert response.status_code == 400, response.data
        assert b"OpenRosaResponse" in response.data
    assert post_instance(client, user, b"").status_code == 400
    no_file = client.post("/openrosa/submission", data={}, headers=odk_headers(user))
    assert no_file.status_code == 400
    assert count_responses() == 0


def test_a_submission_for_an_unknown_form_is_404(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    document = filled_instance(root, ANSWERS, str(uuid.uuid4())).replace(
        f'id="par-{entry.code}"'.encode(), b'id="par-nothere"')
    assert post_instance(client, user, document).status_code == 404
    assert count_responses() == 0


def test_wrong_passwords_are_rate_limited_like_the_login_page(client, world, app):
    entry, user = world
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        wrong = client.get("/openrosa/formList", headers=odk_headers(user, password="wrong"))
        assert wrong.status_code == 401
    limited = client.get("/openrosa/formList", headers=odk_headers(user))  # even the right one
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert b"OpenRosaResponse" in limited.data


def test_a_resend_after_the_round_closed_gets_the_first_receipt(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    document = filled_instance(root, ANSWERS, str(uuid.uuid4()))
    assert post_instance(client, user, document).status_code == 201
    db.session.get(SurveyRound, entry.round_id).status = "closed"
    db.session.commit()
    assert post_instance(client, user, document).status_code == 202
    assert count_responses() == 1


def test_invalid_answers_are_refused_with_the_reason_and_nothing_stored(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    document = filled_instance(root, {**ANSWERS, "age": "7"}, str(uuid.uuid4()))
    response = post_instance(client, user, document)
    assert response.status_code == 422 and b"OpenRosaResponse" in response.data
    assert count_responses() == 0
