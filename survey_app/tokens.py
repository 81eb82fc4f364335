"""Unguessable tokens and codes, and the keyed hashes under which tokens are stored."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

# 24 bytes = 192 random bits for invitation tokens and resume keys (at least 128 are required).
TOKEN_BYTES = 24
# QR entry codes are public on posters but must not be guessable: 10 bytes = 80 bits, base32-ish.
ENTRY_CODE_BYTES = 10


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_entry_code() -> str:
    return secrets.token_urlsafe(ENTRY_CODE_BYTES).replace("-", "x").replace("_", "y")


def token_hash(token: str, key: str | None = None) -> str:
    """HMAC-SHA256 of a token under the app's token key; the only form in which tokens are
    stored."""
    if key is None:
        key = current_app.config.get("TOKEN_HASH_KEY") or current_app.config["SECRET_KEY"]
    return hmac.new(key.encode(), token.encode(), hashlib.sha256).hexdigest()
