"""Staff login, logout, password change and role checks.

The signed session cookie holds only a random session id; the session itself is a row on the
server (``StaffSession``), checked on every request for its idle and absolute time-outs, and
deleted by logging out or changing the password. Failed logins are rate limited per account name
and per address (``survey_app.operations.accounts``).
"""

from __future__ import annotations

import datetime as dt
import functools

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from survey_app.extensions import db
from survey_app.i18n import current_lang
from survey_app.operations import accounts
from survey_app.security import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")

SESSION_KEY = "sid"
# Where each role starts: the rounds it runs, the fieldwork it follows, the results it reads.
STAFF_HOMES = {"admin": "admin.rounds_list", "focal_point": "admin.monitor_rounds",
               "council": "results.rounds", "interviewer": "interviewer.cases"}


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired()])
    password = PasswordField("Mật khẩu", validators=[DataRequired()])


class PasswordForm(FlaskForm):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired()])
    new = PasswordField("Mật khẩu mới", validators=[DataRequired()])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[DataRequired()])


def _timeouts() -> tuple[dt.timedelta, dt.timedelta]:
    config = current_app.config
    return (
        dt.timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
        dt.timedelta(hours=int(config["SESSION_MAX_HOURS"])),
    )


@bp.before_app_request
def load_user() -> None:
    g.user = None
    g.session_ended = False
    session_id = session.get(SESSION_KEY)
    if session_id is None:
        return
    row = accounts.find_session(session_id)
    idle, absolute = _timeouts()
    if row is None or accounts.session_expired(row, idle=idle, absolute=absolute):
        if row is not None:
            accounts.end_session(session_id)
            db.session.commit()
        session.pop(SESSION_KEY, None)
        g.session_ended = True
        return
    if not row.user.active:
        return
    if accounts.touch_session(row):
        db.session.commit()
    g.user = row.user


def staff_home(user) -> str:
    """The address of the page a staff member starts from (the landing page for no one)."""
    if user is None or user.role not in STAFF_HOMES:
        return url_for("main.index")
    return url_for(STAFF_HOMES[user.role])


@bp.app_context_processor
def staff_home_link() -> dict:
    return {"staff_home": lambda: staff_home(g.get("user"))}


def login_required(*roles: str):
    """Require a logged-in user, and one of ``roles`` when given (403 otherwise)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.get("user") is None:
                if g.get("session_ended"):
                    flash(_("Phiên đăng nhập đã kết thúc. Vui lòng đăng nhập lại."), "warning")
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _limited_page(form, minutes: int):
    flash(_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(n)s phút.", n=minutes), "error")
    return render_template("auth/login.html", form=form), 429


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        limits = accounts.LoginLimits.from_config(current_app.config)
        result = accounts.authenticate(
            form.username.data, form.password.data, request.remote_addr, limits
        )
        if result.user is not None:
            accounts.purge_sessions(_timeouts()[1])
            session_id = accounts.start_session(result.user)
            db.session.commit()
            language = session.get("lang")
            session.clear()
            if language:
                session["lang"] = language
            session[SESSION_KEY] = session_id
            return redirect(safe_next(request.args.get("next")) or staff_home(result.user))
        db.session.commit()  # the failure is counted
        if result.refused == "limited":
            return _limited_page(form, result.retry_minutes)
        flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    accounts.end_session(session.get(SESSION_KEY))
    db.session.commit()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect(url_for("main.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required()
def change_password():
    form = PasswordForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        limits = accounts.LoginLimits.from_config(current_app.config)
        wait = accounts.limited_for(g.user.username, request.remote_addr, limits)
        if wait:
            problems.append(
                _("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(n)s phút.", n=wait)
            )
            status = 429
        elif not g.user.check_password(form.current.data):
            accounts.record_failure(g.user.username, request.remote_addr, limits)
            db.session.commit()
            problems.append(_("Mật khẩu hiện tại không đúng."))
            status = 400
        elif form.new.data != form.confirm.data:
            problems.append(_("Hai lần nhập mật khẩu mới không giống nhau."))
            status = 400
        elif form.new.data == form.current.data:
            problems.append(_("Mật khẩu mới phải khác mật khẩu hiện tại."))
            status = 400
        else:
            refused = accounts.change_password(
                g.user,
                form.new.data,
                min_length=int(current_app.config["PASSWORD_MIN_LENGTH"]),
                keep_session=session.get(SESSION_KEY),
            )
            if not refused:
                from survey_app.operations.rounds import record_audit

                record_audit(g.user, "password_changed", g.user)
                db.session.commit()
                flash(
                    _("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã kết thúc."), "ok"
                )
                return redirect(url_for("main.index"))
            db.session.rollback()
            problems.extend(problem.message(current_lang()) for problem in refused)
            status = 400
    return render_template("auth/password.html", form=form, problems=problems), status
