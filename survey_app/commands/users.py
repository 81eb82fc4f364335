"""``par-survey users``: create and list staff accounts."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.models import ROLES, User


@click.group("users")
def users_cli() -> None:
    """Staff accounts (admin, focal_point, council)."""


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", default=None, help="Display name.")
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
def create_user(username: str, role: str, display_name: str | None, password: str) -> None:
    """Create a staff account."""
    if len(password) < 8:
        raise click.BadParameter("mật khẩu cần ít nhất 8 ký tự / the password needs at least 8 characters.")
    if db.session.scalar(db.select(User).filter_by(username=username)) is not None:
        raise click.ClickException(f"tài khoản {username!r} đã tồn tại / user {username!r} already exists.")
    user = User(username=username, display_name=display_name or username, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Đã tạo / created {username} ({role}).")


@users_cli.command("list")
@with_appcontext
def list_users() -> None:
    """List staff accounts."""
    for user in db.session.scalars(db.select(User).order_by(User.username)):
        click.echo(f"{user.username}\t{user.role}\t{'active' if user.active else 'inactive'}")
