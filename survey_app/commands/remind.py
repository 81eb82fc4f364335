"""``par-survey remind ROUND [--dry-run]``: e-mail every unanswered invitation of the round that
may still be reminded (the same job as the monitor's button), from cron."""
from __future__ import annotations

import sys
from collections import Counter

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app.commands import refused_exit
from survey_app.extensions import db
from survey_app.operations import mail_jobs, reminders
from survey_app.operations.lookups import round_by_code
from survey_app.operations.mail import smtp_settings
from survey_app.refusals import Refused


@click.command("remind")
@click.argument("round_code")
@click.option("--dry-run", is_flag=True,
              help="Say who would be written to, per unit; send and record nothing.")
@with_appcontext
def remind(round_code: str, dry_run: bool) -> None:
    """Send ROUND_CODE's invitations and reminders by e-mail (SMTP_* and MAIL_FROM from the
    environment), at most MAIL_PER_MINUTE a minute and REMINDER_MAX_PER_INVITATION each."""
    try:
        survey_round = round_by_code(round_code)
        reminders.check_can_remind(survey_round)
        if dry_run:
            selection = reminders.select_candidates(survey_round)
            with_mail = [c for c in selection.candidates if c.email]
            for unit, n in sorted(Counter(c.unit.code for c in with_mail).items()):
                click.echo(f"{unit}: {n}")
            click.echo(f"Sẽ gửi / would send: {len(with_mail)}; không có địa chỉ / without an "
                       f"address: {len(selection.candidates) - len(with_mail)}; đã nhắc đủ / at "
                       f"the limit: {selection.at_limit}; không có liên kết / without a link: "
                       f"{selection.without_link}")
            return
        settings = smtp_settings()
        job = mail_jobs.request_reminder_mail(survey_round, None)
        db.session.commit()
    except Refused as refused:
        db.session.rollback()
        raise refused_exit(refused) from None
    job_id = job.id
    click.echo(f"Gửi qua / sending through {settings.host}:{settings.port} "
               f"({settings.security}), tối đa / at most {settings.per_minute}/min: "
               f"{job.progress_total}", err=True)
    with click.progressbar(length=job.progress_total, label="Đang gửi / sending",
                           file=sys.stderr) as bar:
        mail_jobs.run_mail_job(current_app._get_current_object(), job_id,
                               progress=lambda j: bar.update(1))
    db.session.expire_all()
    finished = db.session.get(type(job), job_id)
    click.echo(f"Đã gửi / sent: {finished.sent}; lỗi / failed: {finished.failed}")
    if finished.status == "failed":
        raise click.ClickException(finished.message or "mail job failed")
