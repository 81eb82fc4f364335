"""``par-survey users``: create and list staff accounts, end a user's sessions."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.models import ROLES, Unit, User
from survey_app.passwords import password_problems


@click.group("users")
def users_cli() -> None:
    """Staff accounts (admin, focal_point, council, interviewer)."""


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", default=None, help="Display name.")
@click.option(
    "--unit",
    "unit_code",
    default=None,
    help="Code of the unit a focal point answers for (required for focal_point).",
)
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
def create_user(
    username: str, role: str, display_name: str | None, unit_code: str | None, password: str
) -> None:
    """Create a staff account."""
    problems = password_problems(
        password, username=username, min_length=int(current_app.config["PASSWORD_MIN_LENGTH"])
    )
    if problems:
        raise click.BadParameter(
            " ".join(f"{p.vi} / {p.en}" for p in problems), param_hint="'--password'"
        )
    unit = None
    if role == "focal_point" and not unit_code:
        raise click.BadParameter(
            "đầu mối cần mã đơn vị / a focal point needs the code of its unit.",
            param_hint="'--unit'",
        )
    if unit_code:
        if role != "focal_point":
            raise click.BadParameter(
                "chỉ tài khoản đầu mối (focal_point) gắn với một đơn vị / only a focal_point "
                "account belongs to a unit.",
                param_hint="'--unit'",
            )
        unit = db.session.scalar(db.select(Unit).filter_by(code=unit_code.strip()))
        if unit is None:
            raise click.BadParameter(
                f"không có đơn vị mã {unit_code!r} / no unit has the code {unit_code!r}.",
                param_hint="'--unit'",
            )
    if db.session.scalar(db.select(User).filter_by(username=username)) is not None:
        raise click.ClickException(
            f"tài khoản {username!r} đã tồn tại / user {username!r} already exists."
        )
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        unit_id=unit.id if unit is not None else None,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    where = f", {unit.code}" if unit is not None else ""
    click.echo(f"Đã tạo / created {username} ({role}{where}).")


@users_cli.command("list")
@with_appcontext
def list_users() -> None:
    """List staff accounts."""
    for user in db.session.scalars(db.select(User).order_by(User.username)):
        unit = db.session.get(Unit, user.unit_id).code if user.unit_id is not None else "-"
        click.echo(
            f"{user.username}\t{user.role}\t{unit}\t{'active' if user.active else 'inactive'}"
        )


@users_cli.command("end-sessions")
@click.argument("username")
@with_appcontext
def end_sessions(username: str) -> None:
    """End every session of a staff account (e.g. a lost laptop)."""
    from survey_app.operations.accounts import end_sessions_of

    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None:
        raise click.ClickException(f"không có tài khoản {username!r} / no user {username!r}.")
    ended = end_sessions_of(user)
    db.session.commit()
    click.echo(f"Đã kết thúc / ended {ended} phiên / sessions of {username}.")
