"""ODK Collect keys (like ODK Central's app users): the routes under ``/openrosa/key/<key>/``
serve what the Basic routes serve, for the key's interviewer, with no credentials; unknown,
revoked and no-longer-interviewer keys are refused with nothing stored; the supervisor's page
makes a key (revoking the previous one) and shows the QR settings once; the key is never logged
in clear; the demo's key works."""
from __future__ import annotations

import base64
import json
import re
import uuid
import xml.etree.ElementTree as ET
import zlib
from email.utils import formatdate
from html import unescape
from urllib.parse import urlparse

from builders import create_user, log_in
from test_openrosa import (  # the requests as Collect builds them
    ANSWERS, LIST, colleague_of_another_unit, count_responses, filled_instance, odk_headers, world,
)

from survey_app.extensions import db
from survey_app.logmask import mask_target, mask_text
from survey_app.models import AuditEvent, CollectKey, CollectSubmission, Response
from survey_app.operations import collect_keys
from survey_app.operations.posters import qr_inline_svg

__all__ = ["world"]
RESPONSE = "{http://openrosa.org/http/response}"
COLLECT = {"X-OpenRosa-Version": "1.0", "Date": "", "Accept-Encoding": "gzip",
           "User-Agent": "Dalvik/2.1.0 (Linux; U; Android 13) org.odk.collect.android/v2024.3.1"}


def key_of(user) -> str:
    key = collect_keys.new_key(user, None)
    db.session.commit()
    return key


def path_of(key: str) -> str:
    return f"/openrosa/key/{key}"


def collect_headers() -> dict:
    return {**COLLECT, "Date": formatdate(usegmt=True)}


def form_ids(reply) -> list[str]:
    assert reply.status_code == 200, reply.data
    return [f.findtext(f"{LIST}formID")
            for f in ET.fromstring(reply.data).findall(f"{LIST}xform")]


def message_of(reply) -> str:
    return ET.fromstring(reply.data).findtext(f"{RESPONSE}message")


def multipart(document: bytes) -> tuple[bytes, str]:
    """The body as Collect (OkHttp) writes it: the instance in ``xml_submission_file``."""
    boundary = str(uuid.uuid4())
    body = (f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="xml_submission_file"; '
            f'filename="Khảo sát_2026-12-01_10-05-33.xml"\r\n'
            f"Content-Type: text/xml\r\nContent-Length: {len(document)}\r\n\r\n").encode() \
        + document + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def key_xform(client, key: str) -> ET.Element:
    listing = client.get(f"{path_of(key)}/formList", headers=collect_headers())
    url = ET.fromstring(listing.data).find(f"{LIST}xform").findtext(f"{LIST}downloadUrl")
    assert url.startswith(f"http://localhost{path_of(key)}/forms/"), url
    form = client.get(url.replace("http://localhost", ""), headers=collect_headers())
    assert form.status_code == 200 and "Authorization" not in form.request.headers
    return ET.fromstring(form.data)


def post_by_key(client, key: str, document: bytes):
    body, content_type = multipart(document)
    return client.post(f"{path_of(key)}/submission", data=body,
                       headers={**collect_headers(), "Content-Type": content_type})


def counts() -> tuple[int, int]:
    return count_responses(), db.session.scalar(
        db.select(db.func.count()).select_from(CollectSubmission))


def test_the_form_list_by_key_is_the_interviewers_own_as_by_basic(client, world):
    entry, user = world
    other_entry, colleague = colleague_of_another_unit(entry)
    db.session.commit()
    key, colleague_key = key_of(user), key_of(colleague)
    by_key = form_ids(client.get(f"{path_of(key)}/formList", headers=collect_headers()))
    by_basic = form_ids(client.get("/openrosa/formList", headers=odk_headers(user)))
    assert by_key == by_basic == [f"par-{entry.code}"]
    assert form_ids(client.get(f"{path_of(colleague_key)}/formList",
                               headers=collect_headers())) == [f"par-{other_entry.code}"]
    key_xform(client, key)
    manifest = client.get(f"{path_of(key)}/forms/par-{entry.code}/manifest",
                          headers=collect_headers())
    assert manifest.status_code == 200 and manifest.headers["X-OpenRosa-Version"] == "1.0"
    refused = client.get(f"{path_of(key)}/forms/par-{other_entry.code}.xml",
                         headers=collect_headers())
    assert refused.status_code == 403 and "không có trong danh sách" in message_of(refused)


def test_a_submission_by_key_as_collect_sends_it_is_stored_once(client, world):
    entry, user = world
    key = key_of(user)
    head = client.head(f"{path_of(key)}/submission", headers=collect_headers())
    assert head.status_code == 204 and head.headers["X-OpenRosa-Accept-Content-Length"]
    document = filled_instance(key_xform(client, key), ANSWERS, str(uuid.uuid4()))
    first = post_by_key(client, key, document)
    again = post_by_key(client, key, document)
    assert (first.status_code, again.status_code) == (201, 202), first.data
    stored = db.session.scalars(db.select(Response)).all()
    assert len(stored) == 1 and stored[0].channel == "odk"
    assert stored[0].receipt in message_of(first) and stored[0].receipt in message_of(again)
    record = db.session.scalars(db.select(CollectSubmission)).one()
    assert record.interviewer_id == user.id


def test_unknown_revoked_and_no_longer_interviewer_keys_are_refused_nothing_stored(client,
                                                                                     world):
    entry, user = world
    key = key_of(user)
    document = filled_instance(key_xform(client, key), ANSWERS, str(uuid.uuid4()))
    unknown = post_by_key(client, key[:-2] + "xx", document)
    assert unknown.status_code == 401 and "thu hồi" in message_of(unknown)
    assert "WWW-Authenticate" not in unknown.headers  # Collect would ask for a password
    collect_keys.revoke(user, None)
    db.session.commit()
    for reply in (post_by_key(client, key, document),
                  client.get(f"{path_of(key)}/formList", headers=collect_headers())):
        assert reply.status_code == 401 and b"OpenRosaResponse" in reply.data
    fresh = key_of(user)
    user.active = False
    db.session.commit()
    inactive = post_by_key(client, fresh, document)
    assert inactive.status_code == 403 and "điều tra viên" in message_of(inactive)
    user.active, user.role = True, "focal_point"
    db.session.commit()
    assert post_by_key(client, fresh, document).status_code == 403
    assert counts() == (0, 0)


def test_the_key_is_stored_only_as_its_keyed_hash(app_ctx):
    user = create_user("interviewer")
    key = key_of(user)
    row = db.session.scalars(db.select(CollectKey)).one()
    assert len(key) >= 43 and row.token_hash != key and key not in row.token_hash
    assert row.user_id == user.id and row.revoked_at is None


def created_page(client, round_id: int, user) -> tuple[str, str]:
    reply = client.post(f"/admin/rounds/{round_id}/interviewers/{user.id}/collect-key")
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    html = reply.get_data(as_text=True)
    url = unescape(re.search(r'id="collect-server-url">([^<]+)<', html).group(1))
    return html, url


def test_the_supervisor_makes_a_key_revoking_the_previous_and_sees_it_once(client, world, app):
    entry, user = world
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    page = client.get(f"/admin/rounds/{entry.round_id}/interviewers").get_data(as_text=True)
    assert "Tạo mã cấu hình ODK Collect" in page
    _, first_url = created_page(client, entry.round_id, user)
    html, second_url = created_page(client, entry.round_id, user)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert first_url != second_url and second_url.startswith(f"{base}/openrosa/key/")
    first, second = (urlparse(u).path for u in (first_url, second_url))
    assert client.get(f"{first}/formList", headers=collect_headers()).status_code == 401
    assert form_ids(client.get(f"{second}/formList", headers=collect_headers())) == [
        f"par-{entry.code}"]
    keys = db.session.scalars(db.select(CollectKey).order_by(CollectKey.id)).all()
    assert [k.revoked_at is None for k in keys] == [False, True]
    assert keys[1].created_by == admin.id
    # the QR code is Collect's settings payload for this URL (base64 of zlib of the JSON)
    payload = collect_keys.settings_payload(second_url, user.display_name)
    assert qr_inline_svg(payload, size_mm=70) in html
    settings = json.loads(zlib.decompress(base64.b64decode(payload)))
    assert settings == {"general": {"server_url": second_url, "form_update_mode": "match_exactly",
                                    "autosend": "wifi_and_cellular"},
                        "admin": {}, "project": {"name": f"par-survey — {user.display_name}"}}
    assert "Thu hồi" in html
    revoked = client.post(f"/admin/rounds/{entry.round_id}/interviewers/{user.id}/collect-key/"
                          "revoke")
    assert revoked.status_code == 303
    assert client.get(f"{second}/formList", headers=collect_headers()).status_code == 401
    actions = db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.action.like("collect_key.%")).order_by(AuditEvent.id)).all()
    assert actions == ["collect_key.create", "collect_key.create", "collect_key.revoke"]
    assert not any(urlparse(u).path.rsplit("/", 1)[1] in json.dumps(e.detail)
                   for u in (first_url, second_url)
                   for e in db.session.scalars(db.select(AuditEvent)))


def test_only_an_active_interviewer_gets_a_key(client, world):
    entry, _ = world
    admin = create_user("admin")
    focal = create_user("focal_point")
    db.session.commit()
    log_in(client, admin)
    reply = client.post(f"/admin/rounds/{entry.round_id}/interviewers/{focal.id}/collect-key")
    assert reply.status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(CollectKey)) == 0


def test_the_key_is_masked_in_logged_paths():
    key = "Zq3_-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab"
    assert mask_target(f"/openrosa/key/{key}/formList") == "/openrosa/key/…/formList"
    assert mask_target(f"/openrosa/key/{key}/submission") == "/openrosa/key/…/submission"
    assert mask_target(f"http://10.0.0.5:5000/openrosa/key/{key}/forms/par-x.xml") == \
        "http://10.0.0.5:5000/openrosa/key/…/forms/par-x.xml"
    assert key not in mask_text(f"Error handling request /openrosa/key/{key}/submission")


def test_the_demo_interviewers_key_url_lists_their_forms(client, app_ctx):
    from survey_app.commands.demo import interviewer_entry
    from survey_app.operations.demo import seed_demo

    seeded = seed_demo()
    account = interviewer_entry(seeded["round"], "http://192.168.1.20:5000")
    db.session.commit()
    url = account["odk_key_server_url"]
    assert url.startswith("http://192.168.1.20:5000/openrosa/key/")
    by_key = form_ids(client.get(f"{urlparse(url).path}/formList", headers=collect_headers()))
    token = base64.b64encode(f"{account['username']}:{account['password']}".encode()).decode()
    by_basic = form_ids(client.get("/openrosa/formList", headers={
        "X-OpenRosa-Version": "1.0", "Authorization": f"Basic {token}"}))
    assert by_key == by_basic and by_key


def test_the_key_page_speaks_one_language(client, world):
    from flask_babel import refresh
    from test_staff_language import page_problems

    entry, user = world
    admin = create_user("admin")
    db.session.commit()
    log_in(client, admin)
    for lang, wanted in (("vi", "Mã này chỉ hiển thị một lần"), ("en", "shown only once")):
        refresh()  # the test's app context would keep the first request's locale
        reply = client.post(f"/admin/rounds/{entry.round_id}/interviewers/{user.id}/collect-key"
                            f"?lang={lang}")
        page = reply.get_data(as_text=True)
        assert wanted in page and page_problems(page, lang) == []
    refresh()
    english = client.get(f"/admin/rounds/{entry.round_id}/interviewers?lang=en").get_data(
        as_text=True)
    assert "Make an ODK Collect configuration key" in english and "In use" in english
