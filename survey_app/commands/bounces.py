"""``par-survey bounces FILE``: read late bounces (delivery status notifications, RFC 3464) from an
mbox file or a single .eml, record each on the invitation whose reminder it concerns (matched by
the Message-ID the reminder was sent with) and say, one line per notice, what changed."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from survey_app.commands import refused_exit
from survey_app.extensions import db
from survey_app.operations.bounces import Outcome, read_bounces
from survey_app.refusals import Refused


def outcome_line(o: Outcome) -> str:
    n = o.notice
    head = o.where if n is None else f"{o.where}: {n.status} {n.action} @{n.domain}"
    invitation = f"thư mời / invitation #{o.invitation_id}"
    if o.result == "hard" and o.before != o.after:
        return f"{head} → {invitation}: {o.before} → {o.after} (bounce)"
    if o.result == "hard":
        return f"{head} → {invitation}: đã ghi, giữ / recorded, kept {o.after}"
    if o.result == "soft":
        return (f"{head} → {invitation}: lỗi tạm thời đã ghi, giữ / soft bounce recorded, "
                f"kept {o.after}")
    if o.result == "duplicate":
        return f"{head} → {invitation}: đã ghi trước đó / already recorded"
    if o.result == "unmatched":
        return (f"{head}: KHÔNG KHỚP thư nào đã gửi / MATCHES NO message sent (Message-ID "
                f"{n.message_id or '—'})")
    if o.result == "ignored":
        return f"{head}: không phải lỗi, bỏ qua / not a failure, skipped"
    return f"{head}: không phải DSN, bỏ qua / not a DSN, skipped"


@click.command("bounces")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def bounces(path: Path) -> None:
    """Record the late bounces of PATH (an mbox file or one .eml): a permanent failure
    (5.x.x) makes the invitation a non-contact; a temporary one (4.x.x) is only recorded."""
    try:
        outcomes = read_bounces(path)
        db.session.commit()
    except Refused as refused:
        db.session.rollback()
        raise refused_exit(refused) from None
    for outcome in outcomes:
        click.echo(outcome_line(outcome))
    counts = {r: sum(o.result == r for o in outcomes)
              for r in ("hard", "soft", "unmatched", "duplicate")}
    changed = sum(o.result == "hard" and o.before != o.after for o in outcomes)
    click.echo(f"Lỗi vĩnh viễn / hard: {counts['hard']} (đổi thành không liên hệ được / made "
               f"non-contact: {changed}); tạm thời / soft: {counts['soft']}; không khớp / "
               f"unmatched: {counts['unmatched']}; đã ghi trước / already recorded: "
               f"{counts['duplicate']}")
