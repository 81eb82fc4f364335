"""Which passwords staff may choose: long enough, not common, not the account name.

The list of common passwords is a short bundled file (``common-passwords.txt``); a password is
compared without case, as typed and with digits and punctuation at either end removed, so
``Password2025!`` is refused like ``password``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")
MAX_LENGTH = 256
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@dataclass(frozen=True)
class PasswordProblem:
    """Why a password is refused, in Vietnamese and English."""

    vi: str
    en: str

    def message(self, language: str = "vi") -> str:
        return self.en if language == "en" else self.vi


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def is_common(password: str) -> bool:
    lowered = password.strip().lower()
    common = common_passwords()
    return lowered in common or _EDGES.sub("", lowered) in common or _EDGES.sub("", lowered) == ""


def password_problems(
    password: str, *, username: str | None = None, min_length: int = 12
) -> list[PasswordProblem]:
    """Every reason ``password`` may not be used (an empty list when it may)."""
    problems = []
    if len(password) < min_length:
        problems.append(
            PasswordProblem(
                f"Mật khẩu cần ít nhất {min_length} ký tự.",
                f"The password needs at least {min_length} characters.",
            )
        )
    if len(password) > MAX_LENGTH:
        problems.append(
            PasswordProblem(
                f"Mật khẩu dài quá {MAX_LENGTH} ký tự.",
                f"The password is longer than {MAX_LENGTH} characters.",
            )
        )
    if password and is_common(password):
        problems.append(
            PasswordProblem(
                "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.",
                "This password is too common and easy to guess; please choose another.",
            )
        )
    elif password and len(set(password)) < 4:
        problems.append(
            PasswordProblem(
                "Mật khẩu cần ít nhất 4 ký tự khác nhau.",
                "The password needs at least 4 different characters.",
            )
        )
    if username and len(username) >= 3 and username.strip().lower() in password.lower():
        problems.append(
            PasswordProblem(
                "Mật khẩu không được chứa tên đăng nhập.",
                "The password must not contain the user name.",
            )
        )
    return problems
