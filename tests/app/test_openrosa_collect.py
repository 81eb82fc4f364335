"""ODK Collect per interviewer: each one's own form list, refusals of other forms, attachments
refused by name, the fieldwork record of a submission, the form list's ``formID`` and
``verbose``, the OpenRosa headers, and a submission whose multipart body is written byte for byte
as Collect writes it."""
from __future__ import annotations

import base64
import io
import uuid
import xml.etree.ElementTree as ET
from email.utils import formatdate

from builders import STAFF_PASSWORD, create_user, open_round_with_entry
from test_openrosa import (  # the requests as Collect builds them
    ANSWERS, LIST, assign_unit_of, colleague_of_another_unit, count_responses, fetch_xform,
    filled_instance, odk_headers, post_instance, world,
)

from survey_app.extensions import db
from survey_app.guards import ODK_SUBMISSION_BYTES
from survey_app.models import CollectSubmission, Response
from survey_app.operations.fieldwork_setup import create_entry_point

__all__ = ["world"]
RESPONSE = "{http://openrosa.org/http/response}"


def listed(client, user, query: str = "") -> list[ET.Element]:
    response = client.get(f"/openrosa/formList{query}", headers=odk_headers(user))
    assert response.status_code == 200
    return ET.fromstring(response.data).findall(f"{LIST}xform")


def message_of(response) -> str:
    return ET.fromstring(response.data).findtext(f"{RESPONSE}message")


def test_each_interviewer_lists_only_the_forms_of_their_assigned_units(client, world):
    entry, user = world
    other_entry, colleague = colleague_of_another_unit(entry)
    idle = create_user("interviewer")
    db.session.commit()
    assert [f.findtext(f"{LIST}formID") for f in listed(client, user)] == [f"par-{entry.code}"]
    assert [f.findtext(f"{LIST}formID") for f in listed(client, colleague)] == [
        f"par-{other_entry.code}"]
    assert listed(client, idle) == []
    for url in (f"/openrosa/forms/par-{other_entry.code}.xml",
                f"/openrosa/forms/par-{other_entry.code}/manifest"):
        refused = client.get(url, headers=odk_headers(user))
        assert refused.status_code == 403 and "không có trong danh sách" in message_of(refused)


def test_the_manifest_of_a_form_is_empty(client, world):
    entry, user = world
    reply = client.get(f"/openrosa/forms/par-{entry.code}/manifest", headers=odk_headers(user))
    assert reply.status_code == 200 and reply.headers["X-OpenRosa-Version"] == "1.0"
    root = ET.fromstring(reply.data)
    assert root.tag == "{http://openrosa.org/xforms/xformsManifest}manifest" and len(root) == 0
    missing = client.get("/openrosa/forms/par-nothere/manifest", headers=odk_headers(user))
    assert missing.status_code == 404


def test_a_submission_for_a_form_not_assigned_is_403_and_nothing_stored(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    stranger = create_user("interviewer")
    db.session.commit()
    response = post_instance(client, stranger, filled_instance(root, ANSWERS, str(uuid.uuid4())))
    assert response.status_code == 403, response.data
    assert b"OpenRosaResponse" in response.data
    assert count_responses() == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(CollectSubmission)) == 0


def test_an_attachment_is_refused_by_name_and_the_form_goes_through_without_it(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    document = filled_instance(root, ANSWERS, str(uuid.uuid4()))
    photo = (io.BytesIO(b"\x89PNG\r\n"), "1733051234567.jpg", "image/jpeg")
    refused = post_instance(client, user, document, **{"1733051234567.jpg": photo})
    assert refused.status_code == 400 and "1733051234567.jpg" in message_of(refused)
    audit = (io.BytesIO(b"event,node,start,end\nform start,,1,\n"), "audit.csv", "text/csv")
    refused = post_instance(client, user, document, **{"audit.csv": audit})
    assert refused.status_code == 400 and "audit.csv" in message_of(refused)
    assert "meta/audit" in message_of(refused)
    assert count_responses() == 0
    assert post_instance(client, user, document).status_code == 201
    assert count_responses() == 1


def test_a_resend_with_other_answers_is_409_and_the_first_answers_stay(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    instance_id = str(uuid.uuid4())
    assert post_instance(client, user, filled_instance(root, ANSWERS, instance_id)).status_code \
        == 201
    changed = post_instance(client, user,
                            filled_instance(root, {**ANSWERS, "age": "43"}, instance_id))
    assert changed.status_code == 409 and instance_id in message_of(changed)
    assert count_responses() == 1
    assert db.session.scalar(db.select(Response.answers))["age"] == 42


def edited(document: bytes, deprecated_id: str, new_id: str) -> bytes:
    """``document`` edited in Collect: a new instanceID, the old one in meta/deprecatedID."""
    root = ET.fromstring(document)
    meta = next(e for e in root.iter() if e.tag.endswith("meta"))
    instance = next(e for e in meta if e.tag.endswith("instanceID"))
    instance.text = f"uuid:{new_id}"
    ET.SubElement(meta, instance.tag.replace("instanceID", "deprecatedID")).text = \
        f"uuid:{deprecated_id}"
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def test_an_edit_of_a_stored_form_is_409_and_an_edit_of_an_unsent_one_is_stored(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    first_id, never_sent = str(uuid.uuid4()), str(uuid.uuid4())
    original = filled_instance(root, ANSWERS, first_id)
    assert post_instance(client, user, original).status_code == 201
    refused = post_instance(client, user, edited(original, first_id, str(uuid.uuid4())))
    assert refused.status_code == 409 and first_id in message_of(refused)
    assert count_responses() == 1
    alone = edited(filled_instance(root, ANSWERS, never_sent), never_sent, str(uuid.uuid4()))
    assert post_instance(client, user, alone).status_code == 201
    assert count_responses() == 2


def test_the_fieldwork_record_of_an_anonymous_round_keeps_the_day_only(client, world):
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    document = filled_instance(root, ANSWERS, str(uuid.uuid4()))
    assert post_instance(client, user, document).status_code == 201
    assert post_instance(client, user, document).status_code == 202  # a resend: no second row
    record = db.session.scalar(db.select(CollectSubmission))
    response = db.session.scalar(db.select(Response))
    assert db.session.scalar(db.select(db.func.count()).select_from(CollectSubmission)) == 1
    assert (record.interviewer_id, record.entry_point_id) == (user.id, entry.id)
    assert record.received_on == response.submitted_on
    assert (record.received_at, record.instance_id, record.response_id) == (None, None, None)
    assert response.invitation_id is None and "interviewer" not in str(response.paradata)


def test_the_fieldwork_record_of_a_named_round_links_the_instance(client, app_ctx):
    entry = open_round_with_entry(anonymous=False)
    user = create_user("interviewer")
    assign_unit_of(entry, user)
    db.session.commit()
    root, _, _ = fetch_xform(client, user)
    instance_id = str(uuid.uuid4())
    assert post_instance(client, user, filled_instance(root, ANSWERS, instance_id)).status_code \
        == 201
    record = db.session.scalar(db.select(CollectSubmission))
    response = db.session.scalar(db.select(Response))
    assert record.instance_id == instance_id and record.response_id == response.id
    assert record.received_at is not None and response.channel == "odk"


def test_form_id_filter_and_verbose_description(client, world):
    entry, user = world
    other_entry = create_entry_point(entry.round, entry.unit, entry.questionnaire,
                                     counter="Quầy 2")
    db.session.commit()
    assert len(listed(client, user)) == 2
    only = listed(client, user, f"?formID=par-{other_entry.code}")
    assert [f.findtext(f"{LIST}formID") for f in only] == [f"par-{other_entry.code}"]
    assert listed(client, user, "?formID=par-nothere") == []
    assert only[0].find(f"{LIST}descriptionText") is None
    verbose = listed(client, user, f"?formID=par-{entry.code}&verbose=true")
    assert verbose[0].findtext(f"{LIST}descriptionText") == entry.round.title
    assert all(f.find(f"{LIST}manifestUrl") is None for f in verbose)  # no media files


def test_submission_responses_carry_the_openrosa_headers(client, world):
    entry, user = world
    head = client.open("/openrosa/submission", method="HEAD", headers=odk_headers(user))
    root, _, _ = fetch_xform(client, user)
    post = post_instance(client, user, filled_instance(root, ANSWERS, str(uuid.uuid4())))
    bad = post_instance(client, user, b"not xml")
    for response in (head, post, bad):
        assert response.headers["X-OpenRosa-Version"] == "1.0"
        assert int(response.headers["X-OpenRosa-Accept-Content-Length"]) == ODK_SUBMISSION_BYTES
        assert response.headers["Date"].endswith(" GMT")
        assert response.headers["Content-Language"] in ("vi", "en")
    assert (head.status_code, post.status_code, bad.status_code) == (204, 201, 400)


def test_a_body_over_the_limit_is_413_in_an_openrosa_body(client, world, monkeypatch):
    from survey_app import guards

    entry, user = world
    monkeypatch.setattr(guards, "ODK_SUBMISSION_BYTES", 4000)  # kilobytes, not megabytes
    response = post_instance(client, user, b"<data>" + b"x" * 8000 + b"</data>")
    assert response.status_code == 413
    assert "quá lớn" in message_of(response) and response.headers["X-OpenRosa-Version"] == "1.0"
    assert count_responses() == 0


def test_a_submission_written_byte_for_byte_as_collect_sends_it(client, world):
    """Collect (OkHttp) posts ``multipart/form-data`` with the instance file named after the
    instance folder, the OpenRosa and Date headers and Basic credentials; the reply is lost and
    it sends the same bytes again."""
    entry, user = world
    root, _, _ = fetch_xform(client, user)
    document = filled_instance(root, ANSWERS, str(uuid.uuid4()))
    boundary = str(uuid.uuid4())
    body = (f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="xml_submission_file"; '
            f'filename="Khảo sát_2026-12-01_10-05-33.xml"\r\n'
            f"Content-Type: text/xml\r\nContent-Length: {len(document)}\r\n\r\n").encode() \
        + document + f"\r\n--{boundary}--\r\n".encode()
    token = base64.b64encode(f"{user.username}:{STAFF_PASSWORD}".encode()).decode()
    headers = {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True),
               "User-Agent": "Dalvik/2.1.0 (Linux; U; Android 13) "
                             "org.odk.collect.android/v2024.3.1",
               "Accept-Encoding": "gzip", "Authorization": f"Basic {token}",
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    first = client.post("/openrosa/submission", data=body, headers=headers)
    again = client.post("/openrosa/submission", data=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 202), first.data
    receipt = db.session.scalar(db.select(Response.receipt))
    assert receipt in message_of(first) and receipt in message_of(again)
    assert count_responses() == 1


def test_the_demo_interviewer_lists_the_forms_of_their_cases_units(client, app_ctx):
    from survey_app.commands.demo import interviewer_entry
    from survey_app.models import EntryPoint, InterviewerAssignment, Invitation
    from survey_app.operations.demo import seed_demo

    seeded = seed_demo()
    account = interviewer_entry(seeded["round"], "http://127.0.0.1:5000")
    db.session.commit()
    assert account["username"] == "dieutravien"
    assert account["odk_server_url"] == "http://127.0.0.1:5000/openrosa"
    token = base64.b64encode(f"{account['username']}:{account['password']}".encode()).decode()
    reply = client.get("/openrosa/formList", headers={"X-OpenRosa-Version": "1.0",
                                                      "Authorization": f"Basic {token}"})
    assert reply.status_code == 200
    listed_ids = {f.findtext(f"{LIST}formID")
                  for f in ET.fromstring(reply.data).findall(f"{LIST}xform")}
    case_units = set(db.session.scalars(
        db.select(Invitation.rated_unit_id).join(
            InterviewerAssignment, InterviewerAssignment.invitation_id == Invitation.id)))
    expected = {f"par-{e.code}" for e in db.session.scalars(db.select(EntryPoint))
                if e.unit_id in case_units}
    assert listed_ids == expected and 0 < len(listed_ids) < len(seeded["entries"])


def test_collects_first_unauthenticated_requests_are_challenged_and_not_counted(client, world,
                                                                                app):
    """Collect sends each request first without credentials and answers the Basic challenge:
    those first requests are no failed logins, however many there are."""
    from survey_app.models import LoginFailure

    entry, user = world
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"] + 1):
        head = client.open("/openrosa/submission", method="HEAD",
                           headers={"X-OpenRosa-Version": "1.0"})
        assert head.status_code == 401
        assert head.headers["WWW-Authenticate"] == 'Basic realm="par-survey", charset="UTF-8"'
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginFailure)) == 0
    assert client.open("/openrosa/submission", method="HEAD",
                       headers=odk_headers(user)).status_code == 204
