"""The audit log: the one place that writes audit events, chaining each to the one before, and the
walk that verifies the chain.

Each row's ``row_hash`` is SHA-256 over the previous row's ``row_hash`` (64 zeros for the first
row), a newline and the row's canonical content (:func:`canonical_content`). Writers serialise on
the ``audit_chain_head`` row: its UPDATE comes first, so PostgreSQL's row lock (or SQLite's
writer lock) is held from before the previous hash is read until the transaction ends, and two
writers can never chain onto the same row.

The chain shows edits, deletions and insertions made behind the application's back (the database
refuses UPDATE and DELETE on the table, so that takes dropping a trigger). Someone able to
rewrite every row from the change onwards, and the head, can forge a consistent chain: record the
head hash that ``par-survey audit verify`` prints elsewhere (a signed report, an e-mail) to fix it
in time.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from survey_app.extensions import db
from survey_app.models import AuditChainHead, AuditEvent, User
from survey_app.models.base import utcnow

GENESIS = "0" * 64


def canonical_content(event_id: int, at, user_id: int | None, action: str, object_type: str,
                      object_id: str | None, detail) -> str:
    """The text a row's hash covers (chain format 1; migration 0005 holds a copy of it)."""
    content = {
        "id": event_id,
        "at": at.isoformat(timespec="microseconds"),
        "user_id": user_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode("utf-8")).hexdigest()


def event_hash(event) -> str:
    """The hash a stored row should carry, from its ``prev_hash`` and content."""
    return chain_hash(event.prev_hash, canonical_content(
        event.id, event.at, event.user_id, event.action, event.object_type, event.object_id,
        event.detail,
    ))


def _lock_head() -> tuple[int | None, str]:
    """Lock the chain head and return (last event id, last hash), creating the head if missing."""
    table = AuditChainHead.__table__
    lock = (
        update(table)
        .where(table.c.id == 1)
        .values(event_id=table.c.event_id)
        .returning(table.c.event_id, table.c.row_hash)
    )
    head = db.session.execute(lock).one_or_none()
    if head is None:
        # Only an emptied database has no head (the migration makes it): start it from the
        # table's last row, and let a concurrent writer that made it first win.
        last = db.session.execute(
            select(AuditEvent.id, AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
        ).one_or_none()
        values = {"id": 1, "event_id": last[0] if last else None,
                  "row_hash": last[1] if last else GENESIS}
        dialect = db.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        db.session.execute(insert(table).values(**values).on_conflict_do_nothing())
        head = db.session.execute(lock).one()
    return head[0], head[1]


def _next_event_id() -> int:
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(
            select(func.nextval(func.pg_get_serial_sequence("audit_events", "id")))
        )
    # SQLite hands out max(id) + 1 itself; the writer lock is held, so no one else can.
    return (db.session.scalar(select(func.max(AuditEvent.id))) or 0) + 1


def record_event(user: User | None, action: str, object_type: str, object_id: str | None,
                 detail: dict | None = None) -> AuditEvent:
    """Append one audit event to the chain and flush it (the caller's transaction commits)."""
    # The stored form of ``detail`` (JSON), so the hash covers exactly what is read back.
    detail = json.loads(json.dumps(detail or {}))
    _, prev_hash = _lock_head()
    event = AuditEvent(
        id=_next_event_id(),
        at=utcnow(),
        user_id=user.id if user is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        prev_hash=prev_hash,
    )
    event.row_hash = event_hash(event)
    db.session.add(event)
    db.session.flush()
    table = AuditChainHead.__table__
    db.session.execute(
        update(table).where(table.c.id == 1).values(event_id=event.id, row_hash=event.row_hash)
    )
    return event


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the chain; ``event_id`` is None for the chain as a whole."""

    event_id: int | None
    kind: str  # edited | inserted | missing | head
    vi: str
    en: str

    def sentence(self) -> str:
        where = f"#{self.event_id}" if self.event_id is not None else "chuỗi / chain"
        return f"{where}: {self.vi} / {self.en}"


@dataclass
class ChainReport:
    rows: int = 0
    last_id: int | None = None
    last_hash: str = GENESIS
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_chain(batch: int = 1000) -> ChainReport:
    """Walk the audit log in id order and report every row that does not fit the chain.

    Holds the writers' lock on the chain head while it reads (the caller's transaction ends it),
    so the head and the rows are read at one moment even while events are being written.
    """
    table = AuditChainHead.__table__
    db.session.execute(update(table).where(table.c.id == 1).values(event_id=table.c.event_id))
    report = ChainReport()
    findings: dict[int | None, list[Finding]] = {}

    def add(finding: Finding) -> None:
        findings.setdefault(finding.event_id, []).append(finding)

    position_of_hash: dict[str, int] = {GENESIS: -1}
    ids: list[int] = []
    prev_hash, prev_id = GENESIS, None
    columns = [getattr(AuditEvent, name) for name in (
        "id", "at", "user_id", "action", "object_type", "object_id", "detail", "prev_hash",
        "row_hash")]
    query = select(*columns).order_by(AuditEvent.id).execution_options(yield_per=batch)
    for event in db.session.execute(query):
        if event.row_hash != event_hash(event):
            add(Finding(event.id, "edited",
                        "nội dung hoặc mã băm của bản ghi đã bị sửa (mã băm không khớp nội dung)",
                        "the row's content or hash was edited (its hash does not match its "
                        "content)"))
        if event.prev_hash != prev_hash:
            earlier = position_of_hash.get(event.prev_hash)
            if earlier is not None:
                # It chains onto an earlier row: the rows in between were slipped in.
                for inserted_id in ids[earlier + 1:]:
                    findings[inserted_id] = [
                        f for f in findings.get(inserted_id, []) if f.kind != "missing"
                    ]
                    add(Finding(inserted_id, "inserted",
                                f"bản ghi được chèn vào giữa chuỗi (bản ghi #{event.id} nối vào "
                                "bản ghi trước nó)",
                                f"the row was inserted into the chain (row #{event.id} chains to "
                                "the row before it)"))
            elif prev_id is None:
                add(Finding(event.id, "missing",
                            "thiếu các bản ghi trước bản ghi này (đã bị xoá)",
                            "rows before this one are missing (deleted)"))
            else:
                add(Finding(event.id, "missing",
                            f"chuỗi đứt trước bản ghi này: bản ghi giữa #{prev_id} và #{event.id} "
                            f"đã bị xoá, hoặc bản ghi #{prev_id} bị viết lại",
                            f"the chain breaks before this row: a row between #{prev_id} and "
                            f"#{event.id} was deleted, or row #{prev_id} was rewritten"))
        position_of_hash.setdefault(event.row_hash, len(ids))
        ids.append(event.id)
        prev_hash, prev_id = event.row_hash, event.id
        report.rows += 1
    report.last_id, report.last_hash = prev_id, prev_hash
    _check_head(ids, prev_id, prev_hash, add)
    report.findings = [f for event_id in sorted(findings, key=lambda i: (i is None, i or 0))
                       for f in findings[event_id]]
    return report


def _check_head(ids: list[int], last_id: int | None, last_hash: str, add) -> None:
    head = db.session.execute(
        select(AuditChainHead.event_id, AuditChainHead.row_hash).where(AuditChainHead.id == 1)
    ).one_or_none()
    if head is None:
        if ids:
            add(Finding(None, "head", "thiếu bản ghi đầu chuỗi (audit_chain_head)",
                        "the chain head (audit_chain_head) is missing"))
        return
    head_id, head_hash = head
    if head_id == last_id:
        if head_hash != last_hash:
            add(Finding(last_id, "edited",
                        "bản ghi cuối không khớp mã băm đầu chuỗi đã lưu (bị viết lại)",
                        "the last row does not match the hash the chain head recorded (rewritten)"))
        return
    if head_id is not None and head_id in ids:
        for inserted_id in ids[ids.index(head_id) + 1:]:
            add(Finding(inserted_id, "inserted",
                        f"bản ghi nằm sau đầu chuỗi (#{head_id}), không do ứng dụng ghi",
                        f"the row lies after the chain head (#{head_id}): the application did "
                        "not write it"))
        return
    if head_id is None:
        add(Finding(None, "head", "đầu chuỗi ghi nhận nhật ký rỗng nhưng bảng có bản ghi",
                    "the chain head records an empty log, yet the table has rows"))
        return
    after_vi = f" sau #{last_id}" if last_id is not None else ""
    after_en = f"after #{last_id} " if last_id is not None else ""
    add(Finding(None, "missing",
                f"thiếu các bản ghi{after_vi}: đầu chuỗi ghi nhận bản ghi cuối là #{head_id} "
                "(đã bị xoá)",
                f"rows {after_en}are missing: the chain head records #{head_id} as the last "
                "row (deleted)"))
