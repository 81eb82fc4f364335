"""Invitation tokens sealed for sending reminders: AES-256-GCM under ``TOKEN_SEAL_KEY``.

The database keeps a token only as a keyed hash (``survey_app.tokens``), which cannot give the
link back; a reminder needs the link. So the token is also sealed under a key of its own, bound
to its invitation (the invitation id is the associated data, so a sealed value copied to another
row does not open), and the seal is emptied once the invitation is used or revoked. A copy of the
database alone, or with the hash key, yields no link. Without ``TOKEN_SEAL_KEY`` a development
key is derived from ``SECRET_KEY``; production refuses to send reminders without one.
"""
from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

NONCE_BYTES = 12


def _key() -> bytes:
    secret = current_app.config.get("TOKEN_SEAL_KEY")
    if not secret:
        secret = "seal-key-for-development:" + current_app.config["SECRET_KEY"]
    return hashlib.sha256(secret.encode()).digest()


def has_seal_key() -> bool:
    """A key of its own is set, or this is not production (where a derived one is refused)."""
    return bool(current_app.config.get("TOKEN_SEAL_KEY")) or not current_app.config.get(
        "PRODUCTION")


def seal(token: str, invitation_id: int) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key()).encrypt(nonce, token.encode(), str(invitation_id).encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(sealed: str | None, invitation_id: int) -> str | None:
    """The token, or ``None`` when nothing is sealed or the seal does not open under this key."""
    if not sealed:
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        plain = AESGCM(_key()).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                       str(invitation_id).encode())
    except (InvalidTag, ValueError):
        return None
    return plain.decode()
