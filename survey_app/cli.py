"""The ``par-survey`` command line: a Flask CLI group whose operator errors are one clear
sentence."""
from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from survey_app.config import ConfigError
from survey_app.models.immutability import ImmutableRecordError
from survey_app.refusals import Refused
from survey_app.schema import SchemaError, check_schema_current, upgrade_schema


def _create_app():
    from survey_app import create_app

    return create_app()


cli = FlaskGroup(
    name="par-survey",
    create_app=_create_app,
    add_default_commands=False,
    load_dotenv=False,
    help="par-survey: khảo sát phục vụ Chỉ số CCHC / surveys for the PAR Index.",
)


@cli.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    revision = upgrade_schema()
    click.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất / database schema is at revision "
               f"{revision}.")


@cli.command("serve")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="gunicorn workers (default: 2 × CPU cores + 1, at most 9).")
@with_appcontext
def serve(port: int, host: str, workers: int | None) -> None:
    """Serve the app under gunicorn."""
    check_schema_current()
    run_gunicorn(host, port, workers)


def run_gunicorn(host: str, port: int, workers: int | None, *,
                 public_base_url: str | None = None) -> None:
    """Replace this process with gunicorn; ``public_base_url`` (the demo's own address) becomes the
    workers' ``PUBLIC_BASE_URL``."""
    if workers is None:
        workers = min(2 * (os.cpu_count() or 1) + 1, 9)
    env = dict(os.environ)
    env.setdefault("PAR_SURVEY_INSTANCE", current_app.instance_path)
    if public_base_url:
        env["PUBLIC_BASE_URL"] = public_base_url
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{host}:{port}",
        "--timeout", "120", "--graceful-timeout", "30", "--access-logfile", "-",
        # Access and error lines with tokens, receipts and resume keys masked and no respondent's
        # address (survey_app/gunicorn_logging.py).
        "--logger-class", "survey_app.gunicorn_logging.PrivateLogger",
        "survey_app.wsgi:app",
    ]
    click.echo(f"Đang phục vụ tại / serving on http://{host}:{port}  (Ctrl+C để dừng / to stop)")
    sys.stdout.flush()
    # Replace this process with gunicorn, so a signal to `par-survey serve` reaches the server
    # itself.
    os.execve(sys.executable, command, env)


def _register_feature_commands() -> None:
    from survey_app.commands import register

    register(cli)


_register_feature_commands()

OPERATOR_ERRORS = (ConfigError, SchemaError, ImmutableRecordError, OperationalError, ArgumentError,
                   ProgrammingError)


def main() -> None:
    """Console entry point: operator errors become one sentence and exit status 1."""
    try:
        cli.main(prog_name="par-survey", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Đã huỷ / aborted.", err=True)
        raise SystemExit(1) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except OPERATOR_ERRORS as exc:
        click.echo(f"Lỗi / error: {describe_operator_error(exc)}", err=True)
        raise SystemExit(1) from None
    except Refused as refused:  # a command that did not say it itself (see commands.refused_exit)
        click.echo(f"Lỗi / error: {refused}", err=True)
        raise SystemExit(1) from None


def describe_operator_error(exc: Exception) -> str:
    if isinstance(exc, (ConfigError, SchemaError, ImmutableRecordError)):
        return str(exc)
    if isinstance(exc, OperationalError):
        return ("không kết nối được cơ sở dữ liệu / cannot reach the database "
                f"({str(exc.orig).strip().splitlines()[0] if exc.orig else exc}).")
    return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
