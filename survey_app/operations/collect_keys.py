"""ODK Collect keys (ODK Central's "app users"): the server URL
``PUBLIC_BASE_URL/openrosa/key/<key>`` names the interviewer, so Collect sends no credentials and
works over plain http, where it will not answer a Basic challenge. One unrevoked key per
interviewer: a new key revokes the previous one. The key is shown once; only its keyed hash is
stored. The QR code holds Collect's settings payload (JSON, zlib, base64)."""
from __future__ import annotations

import base64
import json
import secrets
import zlib

from flask import current_app
from sqlalchemy import select, update

from survey_app.extensions import db
from survey_app.models import CollectKey, User
from survey_app.models.base import utcnow
from survey_app.operations.audit import record_event
from survey_app.refusals import N_, Refused
from survey_app.tokens import token_hash

KEY_BYTES = 32
UNKNOWN_KEY = N_("Mã cấu hình ODK Collect này không đúng hoặc đã bị thu hồi. Vui lòng xin giám "
                 "sát viên mã mới.")
NOT_INTERVIEWER = N_("Tài khoản này không phải tài khoản điều tra viên.")
NOT_AN_INTERVIEWER = N_("Chỉ tạo được mã cấu hình ODK Collect cho điều tra viên đang hoạt động.")


def server_url(key: str, base_url: str | None = None) -> str:
    """The server URL Collect is given: ``<base>/openrosa/key/<key>``."""
    base = (base_url or current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    return f"{base}/openrosa/key/{key}"


def settings_payload(url: str, interviewer_name: str) -> str:
    """Collect's QR settings: the JSON settings, zlib-compressed, base64-encoded."""
    settings = {"general": {"server_url": url, "form_update_mode": "match_exactly",
                            "autosend": "wifi_and_cellular"},
                "admin": {},
                "project": {"name": f"par-survey — {interviewer_name}"}}
    document = json.dumps(settings, ensure_ascii=False).encode()
    return base64.b64encode(zlib.compress(document)).decode("ascii")


def _revoke_all(interviewer: User) -> int:
    result = db.session.execute(
        update(CollectKey)
        .where(CollectKey.user_id == interviewer.id, CollectKey.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    return result.rowcount or 0


def new_key(interviewer: User, by: User | None) -> str:
    """Revoke ``interviewer``'s key and make a new one; returns the key (shown once)."""
    if interviewer.role != "interviewer" or not interviewer.active:
        raise Refused(NOT_AN_INTERVIEWER, status=400, code="invalid")
    revoked = _revoke_all(interviewer)
    key = secrets.token_urlsafe(KEY_BYTES)
    db.session.add(CollectKey(user_id=interviewer.id, token_hash=token_hash(key),
                              created_by=by.id if by is not None else None))
    db.session.flush()
    record_event(by, "collect_key.create", "users", str(interviewer.id),
                 {"username": interviewer.username, "revoked_previous": revoked})
    return key


def revoke(interviewer: User, by: User | None) -> int:
    """Revoke ``interviewer``'s key (the number of keys revoked: 0 or 1)."""
    revoked = _revoke_all(interviewer)
    db.session.flush()
    if revoked:
        record_event(by, "collect_key.revoke", "users", str(interviewer.id),
                     {"username": interviewer.username})
    return revoked


def has_key(interviewer_ids: list[int]) -> set[int]:
    """Which of these interviewers have an unrevoked key."""
    if not interviewer_ids:
        return set()
    return set(db.session.scalars(select(CollectKey.user_id).where(
        CollectKey.user_id.in_(interviewer_ids), CollectKey.revoked_at.is_(None))))


def interviewer_of(key: str) -> User:
    """The interviewer an unrevoked key names: ``Refused`` 401 for an unknown or revoked key, 403
    when the account is no longer an active interviewer."""
    if not key or len(key) > 200:
        raise Refused(UNKNOWN_KEY, status=401, code="unauthorised")
    row = db.session.scalar(select(CollectKey).where(CollectKey.token_hash == token_hash(key)))
    if row is None or row.revoked_at is not None:
        raise Refused(UNKNOWN_KEY, status=401, code="unauthorised")
    user = db.session.get(User, row.user_id)
    if user is None or not user.active or user.role != "interviewer":
        raise Refused(NOT_INTERVIEWER, status=403, code="forbidden")
    return user


def interviewer(user_id: int) -> User | None:
    """The active interviewer account ``user_id``, or None."""
    user = db.session.get(User, user_id)
    if user is None or user.role != "interviewer" or not user.active:
        return None
    return user
