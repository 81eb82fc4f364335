"""``par-survey audit verify``: walk the audit log's hash chain, name every row that breaks it."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.operations.audit import verify_chain


@click.group("audit")
def audit_cli() -> None:
    """Nhật ký kiểm toán / the audit log."""


@audit_cli.command("verify")
@with_appcontext
def verify() -> None:
    """Check the audit log's hash chain; exit status 1 on any edited, deleted or inserted row."""
    report = verify_chain()
    db.session.rollback()  # verify changes nothing; this releases the writers' lock at once
    for finding in report.findings:
        click.echo(finding.sentence())
    if report.findings:
        click.echo(
            f"Nhật ký kiểm toán KHÔNG nguyên vẹn: {len(report.findings)} vấn đề trên {report.rows} "
            f"bản ghi / the audit log is NOT intact: {len(report.findings)} finding(s) in "
            f"{report.rows} rows.",
            err=True,
        )
        raise SystemExit(1)
    last = f"#{report.last_id}" if report.last_id is not None else "-"
    click.echo(
        f"Nhật ký kiểm toán nguyên vẹn: {report.rows} bản ghi, bản ghi cuối {last}, mã băm cuối "
        f"{report.last_hash} / the audit log is intact: {report.rows} rows, last row {last}, "
        f"last hash {report.last_hash}."
    )
