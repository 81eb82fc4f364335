"""Late bounces: delivery status notifications (DSN, RFC 3464) that arrive after the SMTP server
accepted a reminder, read from an mbox file or a single message (.eml).

A DSN is a ``multipart/report; report-type=delivery-status`` message whose
``message/delivery-status`` part has a block per recipient (``Final-Recipient``, ``Action``,
``Status``, ``Diagnostic-Code``) and whose ``message/rfc822`` or ``text/rfc822-headers`` part
carries the original message's headers. It is matched to the reminder by the ``Message-ID`` that
reminder was sent with (:attr:`survey_app.models.Reminder.message_id`, one message per person),
which survives forwarding and address rewriting better than the address. Each failed or delayed
recipient is recorded on the invitation (:class:`survey_app.models.MailBounce`, once per notice);
a permanent failure (``Status: 5.x.x``) makes the disposition ``non_contact`` with a history row
of source ``bounce``; a temporary one (``4.x.x``) is recorded and changes nothing. A notice that
matches no message sent is reported, never dropped silently. Whole addresses are not stored: the
recipient's domain, and the diagnostic with addresses masked.
"""
from __future__ import annotations

import email
import hashlib
import mailbox
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.logmask import mask_text
from survey_app.models import Invitation, MailBounce, Reminder
from survey_app.operations.dispositions import record_bounce
from survey_app.refusals import N_, Refused

STATUS_RE = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")
ADDRESS_RE = re.compile(r"[\w.+'-]+@")
FAILURES = ("failed", "delayed")


@dataclass(frozen=True)
class Notice:
    """One recipient block of a DSN: what happened to the message sent to that address."""

    where: str  # "#3" within an mbox, or the file's name
    domain: str
    action: str
    status: str
    diagnostic: str | None
    message_id: str | None  # of the original message
    key: str

    @property
    def hard(self) -> bool:
        return self.status.startswith("5")


@dataclass(frozen=True)
class Outcome:
    notice: Notice | None
    where: str
    result: str  # hard, soft, unmatched, duplicate, ignored, not_dsn
    invitation_id: int | None = None
    before: str | None = None
    after: str | None = None


NOT_A_REPORT = N_("%(where)s không phải thư báo lỗi gửi (DSN, RFC 3464): không phải "
                  "multipart/report với report-type=delivery-status.")
NO_STATUS_PART = N_("%(where)s không phải thư báo lỗi gửi hợp lệ (DSN, RFC 3464): thiếu phần "
                    "message/delivery-status.")
BAD_RECIPIENT = N_("%(where)s không phải thư báo lỗi gửi hợp lệ (DSN, RFC 3464): một khối người "
                   "nhận thiếu Final-Recipient, Action hoặc Status hợp lệ.")
NO_RECIPIENT = N_("%(where)s không phải thư báo lỗi gửi hợp lệ (DSN, RFC 3464): không có khối "
                  "người nhận nào.")


def _refuse(where: str, message_id: str) -> Refused:
    return Refused(message_id, code="not_a_dsn", arguments={"where": where})


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [b for b in payload if isinstance(b, Message)]
    text = payload if isinstance(payload, str) else ""
    return [HeaderParser().parsestr(block) for block in re.split(r"\r?\n\s*\r?\n", text.strip())
            if block.strip()]


def _original_id(part: Message | None) -> str | None:
    if part is None:
        return None
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
    else:
        raw = part.get_payload(decode=True) or b""
        inner = HeaderParser().parsestr(raw.decode("utf-8", "replace"))
    value = inner.get("Message-ID") if inner is not None else None
    return " ".join(str(value).split()) or None if value else None


def _address(value: str | None) -> str | None:
    """``rfc822; someone@example.org`` → the address, or None."""
    if not value:
        return None
    address = str(value).rpartition(";")[2].strip().strip("<>").strip()
    return address if "@" in address else None


def notices(message: Message, where: str) -> list[Notice]:
    """The recipient blocks of a DSN; ``Refused`` with a sentence when it is not one."""
    if message.get_content_type() != "multipart/report" or (
            str(message.get_param("report-type") or "").lower() != "delivery-status"):
        raise _refuse(where, NOT_A_REPORT)
    status_part = original = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status" and status_part is None:
            status_part = part
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = part
    if status_part is None:
        raise _refuse(where, NO_STATUS_PART)
    message_id = _original_id(original)
    own = str(message.get("Message-ID") or "") or hashlib.sha256(
        message.as_bytes()).hexdigest()
    out = []
    for block in _blocks(status_part)[1:]:  # the first block is about the message
        address = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
        action = str(block.get("Action") or "").strip().lower()
        status = (str(block.get("Status") or "").split() or [""])[0]
        if address is None or not action or not STATUS_RE.match(status):
            raise _refuse(where, BAD_RECIPIENT)
        diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split()) or None
        if diagnostic:
            diagnostic = ADDRESS_RE.sub("…@", mask_text(diagnostic))[:500]
        key = hashlib.sha256(f"{own}|{address}|{action}|{status}".encode()).hexdigest()
        out.append(Notice(where, address.rpartition("@")[2].lower()[:255], action, status,
                          diagnostic, message_id, key))
    if not out:
        raise _refuse(where, NO_RECIPIENT)
    return out


def read_messages(path: Path) -> list[tuple[str, Message]]:
    """The messages of an mbox file (``From `` lines) or of a single message file."""
    data = path.read_bytes()
    if not data.strip():
        raise Refused(N_("Tệp %(name)s rỗng."), code="empty_file", arguments={"name": path.name})
    if data.startswith(b"From "):
        box = mailbox.mbox(str(path), create=False)
        try:
            return [(f"{path.name} #{k}", email.message_from_bytes(box.get_bytes(key)))
                    for k, key in enumerate(box.keys(), start=1)]
        finally:
            box.close()
    return [(path.name, email.message_from_bytes(data))]


def record_notice(notice: Notice) -> Outcome:
    """Record one failed or delayed recipient on the invitation its message was sent for."""
    reminder = None
    if notice.message_id:
        reminder = db.session.scalar(
            select(Reminder).where(Reminder.message_id == notice.message_id,
                                   Reminder.channel == "email").order_by(Reminder.id.desc()))
    if reminder is None:
        return Outcome(notice, notice.where, "unmatched")
    invitation = db.session.get(Invitation, reminder.invitation_id)
    before = invitation.disposition
    seen = db.session.scalar(select(MailBounce.id).where(
        MailBounce.reminder_id == reminder.id, MailBounce.notice_key == notice.key))
    if seen is not None:
        return Outcome(notice, notice.where, "duplicate", invitation.id, before, before)
    db.session.add(MailBounce(
        round_id=invitation.round_id, invitation_id=invitation.id, reminder_id=reminder.id,
        notice_key=notice.key, recipient_domain=notice.domain, action=notice.action,
        status=notice.status, hard=notice.hard, diagnostic=notice.diagnostic))
    if notice.hard:
        record_bounce(invitation, " ".join(filter(None, (notice.status, notice.diagnostic))),
                      source="bounce")
    db.session.flush()
    return Outcome(notice, notice.where, "hard" if notice.hard else "soft", invitation.id,
                   before, invitation.disposition)


def read_bounces(path: Path) -> list[Outcome]:
    """Every notice of the file, recorded; ``Refused`` (nothing recorded) when a single message
    is not a DSN or an mbox holds none. Flushes; the caller commits."""
    messages = read_messages(path)
    outcomes: list[Outcome] = []
    found = False
    for where, message in messages:
        try:
            found_notices = notices(message, where)
        except Refused:
            if len(messages) == 1:
                raise
            outcomes.append(Outcome(None, where, "not_dsn"))
            continue
        found = True
        for notice in found_notices:
            if notice.action not in FAILURES:  # delivered, relayed, expanded
                outcomes.append(Outcome(notice, where, "ignored"))
            else:
                outcomes.append(record_notice(notice))
    if not found:
        raise Refused(N_("Tệp %(name)s không chứa thư báo lỗi gửi (DSN) nào."), code="no_dsn",
                      arguments={"name": path.name})
    return outcomes
