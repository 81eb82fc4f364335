"""Configuration read from the environment, with safe defaults for the embedded database."""
from __future__ import annotations

import os

DEV_SECRET = "dev-only-not-secret"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


class ConfigError(RuntimeError):
    """An operator error in the configuration: reported as one sentence, never a traceback."""


class Config:
    """Settings for the app; tests subclass it or pass a mapping to ``create_app``."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    # Keyed hashes of invitation tokens and resume keys use their own key when one is given.
    TOKEN_HASH_KEY = os.environ.get("TOKEN_HASH_KEY")
    PRODUCTION = os.environ.get("PAR_SURVEY_ENV", "development") == "production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None → SQLite in the instance folder
    # PostgreSQL: a pooled connection idle for more than DATABASE_PING_AFTER_IDLE_SECONDS is
    # pinged on checkout, and recycled after DATABASE_POOL_RECYCLE_SECONDS; a connection attempt
    # gives up after DATABASE_CONNECT_TIMEOUT_SECONDS (survey_app.database).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_recycle": int(os.environ.get("DATABASE_POOL_RECYCLE_SECONDS", "1800")),
    }
    DATABASE_PING_AFTER_IDLE_SECONDS = float(os.environ.get("DATABASE_PING_AFTER_IDLE_SECONDS",
                                                            "1"))
    DATABASE_CONNECT_TIMEOUT_SECONDS = int(os.environ.get("DATABASE_CONNECT_TIMEOUT_SECONDS", "5"))
    # A database that cannot answer, or a full disk: 503 with Retry-After (survey_app.unavailable).
    RETRY_AFTER_UNAVAILABLE = int(os.environ.get("RETRY_AFTER_UNAVAILABLE", "10"))
    RETRY_AFTER_STORAGE_FULL = int(os.environ.get("RETRY_AFTER_STORAGE_FULL", "300"))
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000"))
    # CSRF tokens must outlive a long questionnaire left open for hours.
    WTF_CSRF_TIME_LIMIT = int(os.environ.get("WTF_CSRF_TIME_LIMIT", str(24 * 3600)))
    BABEL_DEFAULT_LOCALE = "vi"
    # Times are stored in UTC and shown to people in Vietnam's time (UTC+7 all year).
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    SMALL_CELL_N = int(os.environ.get("SMALL_CELL_N", "30"))
    # Invitation files (PDF cards, XLSX lists) hold live links; kept this many days, then deleted.
    INVITATION_FILE_DAYS = int(os.environ.get("INVITATION_FILE_DAYS", "7"))
    # Request bodies: uploads (frames, self-assessment CSV) and everything else (survey_app.guards).
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(64 * 1024 * 1024)))
    MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(512 * 1024)))
    MAX_CONTENT_LENGTH = max(MAX_UPLOAD_BYTES, MAX_REQUEST_BYTES)
    # Uploaded frames: an XLSX may unpack to at most this many bytes; at most this many rows.
    UPLOAD_MAX_UNPACKED_BYTES = int(os.environ.get("UPLOAD_MAX_UNPACKED_BYTES",
                                                   str(100 * 1024 * 1024)))
    UPLOAD_MAX_ROWS = int(os.environ.get("UPLOAD_MAX_ROWS", "500000"))

    # Fieldwork (survey_app/operations/reminders.py, mail.py): tokens sealed for reminders under
    # their own key; reminders per invitation at most; SMTP server and e-mails sent per minute.
    TOKEN_SEAL_KEY = os.environ.get("TOKEN_SEAL_KEY")
    REMINDER_MAX_PER_INVITATION = int(os.environ.get("REMINDER_MAX_PER_INVITATION", "3"))
    SMTP_HOST = os.environ.get("SMTP_HOST")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "0"))  # 0: 25, 587 (starttls) or 465 (tls)
    SMTP_SECURITY = os.environ.get("SMTP_SECURITY", "starttls")
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM")
    MAIL_PER_MINUTE = int(os.environ.get("MAIL_PER_MINUTE", "60"))
    SMTP_TIMEOUT_SECONDS = float(os.environ.get("SMTP_TIMEOUT_SECONDS", "30"))

    # Long jobs (survey_app/jobs.py): threads of the web worker, or RQ workers when REDIS_URL is
    # set (`par-survey worker`); the queue's name and the longest a job may run.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOB_QUEUE = os.environ.get("JOB_QUEUE", "par-survey")
    JOB_TIMEOUT_SECONDS = int(os.environ.get("JOB_TIMEOUT_SECONDS", str(24 * 3600)))

    # Staff sessions (survey_app/auth.py): kept on the server, ended by log-out, idle and absolute
    # time-outs; the session cookie is Secure in production and never sent by other sites' forms.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)  # always on in production
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_NAME = "par_session"
    # Failed logins allowed per account name and per client address within the window.
    LOGIN_MAX_FAILURES_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_ACCOUNT", "5"))
    LOGIN_MAX_FAILURES_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_ADDRESS", "20"))
    LOGIN_WINDOW_MINUTES = int(os.environ.get("LOGIN_WINDOW_MINUTES", "15"))
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "12"))
    # Behind a TLS proxy: how many proxies set X-Forwarded-For / -Proto / -Host / -Port / -Prefix.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0"))
    PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST", "0"))
    PROXY_FIX_X_PORT = int(os.environ.get("PROXY_FIX_X_PORT", "0"))
    PROXY_FIX_X_PREFIX = int(os.environ.get("PROXY_FIX_X_PREFIX", "0"))
    # Strict-Transport-Security max-age, sent in production only (0 turns it off).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))


def normalise_database_url(url: str) -> str:
    """Map the common ``postgres://`` and ``postgresql://`` forms onto the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def check_production_settings(config) -> None:
    """Refuse to start in production mode with the development secret or none at all."""
    if not config.get("PRODUCTION"):
        return
    secret = config.get("SECRET_KEY")
    if not secret or secret == DEV_SECRET or len(secret) < 32:
        raise ConfigError(
            "Chế độ production cần SECRET_KEY thật (ít nhất 32 ký tự) / "
            "production mode needs a real SECRET_KEY of at least 32 characters."
        )
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        raise ConfigError(
            "Chế độ production cần DATABASE_URL / production mode needs DATABASE_URL (PostgreSQL)."
        )
