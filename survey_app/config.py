"""Configuration read from the environment, with safe defaults for the embedded database."""
from __future__ import annotations

import os

DEV_SECRET = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """An operator error in the configuration: reported as one sentence, never a traceback."""


class Config:
    """Settings for the app; tests subclass it or pass a mapping to ``create_app``."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    # Keyed hashes of invitation tokens and resume keys use their own key when one is given.
    TOKEN_HASH_KEY = os.environ.get("TOKEN_HASH_KEY")
    PRODUCTION = os.environ.get("PAR_SURVEY_ENV", "development") == "production"
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None → SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000"))
    # CSRF tokens must outlive a long questionnaire left open for hours.
    WTF_CSRF_TIME_LIMIT = int(os.environ.get("WTF_CSRF_TIME_LIMIT", str(24 * 3600)))
    BABEL_DEFAULT_LOCALE = "vi"
    LANGUAGES = ("vi", "en")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    SMALL_CELL_N = int(os.environ.get("SMALL_CELL_N", "30"))
    # Request bodies: uploads (frames, self-assessment CSV) and everything else (survey_app.guards).
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(64 * 1024 * 1024)))
    MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(512 * 1024)))
    MAX_CONTENT_LENGTH = max(MAX_UPLOAD_BYTES, MAX_REQUEST_BYTES)
    # Uploaded frames: an XLSX may unpack to at most this many bytes; at most this many rows.
    UPLOAD_MAX_UNPACKED_BYTES = int(os.environ.get("UPLOAD_MAX_UNPACKED_BYTES",
                                                   str(100 * 1024 * 1024)))
    UPLOAD_MAX_ROWS = int(os.environ.get("UPLOAD_MAX_ROWS", "500000"))


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
