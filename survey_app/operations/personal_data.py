"""Personal data of a frame (names, phones, e-mails) on staff pages: masked by default, shown in
full only to the roles that contact respondents, on request, and every showing audited.

Only ``PERSONAL_DATA_ROLES`` may see it: the Sở Nội vụ staff (``admin``) who hand out invitations
and call respondents. Focal points are the units being assessed (seeing who was drawn invites
pre-selected or pressed respondents) and the appraisal council reads results only.
"""
from __future__ import annotations

import re

from survey_app.models import SampleFrame, User
from survey_app.operations.audit import record_event

PERSONAL_DATA_ROLES = ("admin",)
BULLET = "•"


def mask_name(value: str) -> str:
    """``Nguyễn Văn An`` → ``Ng••• V•• A``: a few letters, never the length of a word."""
    words = value.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][:1] + BULLET * 3
    masked = [words[0][:2] + BULLET * 3]
    masked += [word[:1] + BULLET * 2 for word in words[1:-1]]
    masked.append(words[-1][:1])
    return " ".join(masked)


def mask_phone(value: str) -> str:
    """``0912345123`` → ``09•••••123``: the network prefix and the last three digits."""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 6:
        return BULLET * max(len(digits), 3)
    return digits[:2] + BULLET * (len(digits) - 5) + digits[-3:]


def mask_email(value: str) -> str:
    """``an.nguyen@example.vn`` → ``a•••@example.vn``."""
    local, at, domain = value.partition("@")
    if not at:
        return mask_other(value)
    return local[:1] + BULLET * 3 + "@" + domain


def mask_other(value: str) -> str:
    return value[:1] + BULLET * 3 if value else ""


_MASKS = {"name": mask_name, "phone": mask_phone, "email": mask_email}


def mask(column: str, value) -> str:
    """The masked text of a personal ``column``'s value (empty for no value)."""
    if value is None or value == "":
        return ""
    return _MASKS.get(column, mask_other)(str(value))


def may_see(user: User | None) -> bool:
    return user is not None and user.role in PERSONAL_DATA_ROLES


def record_showing(user: User, frame: SampleFrame, rows: int, *, page: str,
                   plan_id: int | None = None) -> None:
    """Audit that ``user`` saw ``rows`` rows of ``frame``'s personal data in full (the event's
    time is when)."""
    detail = {"rows": rows, "page": page, "round": frame.round_id}
    if plan_id is not None:
        detail["plan"] = plan_id
    record_event(user, "frame.personal_shown", "sample_frames", str(frame.id), detail)
