"""The vocabulary every questionnaire module shares (a leaf: imports nothing of the package)."""

from __future__ import annotations

import re

__all__ = ["LANGUAGES", "is_language", "QUESTION_TYPES", "RESPONDENT_GROUPS", "SIPAS_LEVELS", "SIPAS_PARTS"]

QUESTION_TYPES = ("single", "multiple", "integer", "decimal", "text", "date", "note", "group",
                  "calculate", "hidden", "acknowledge", "time", "datetime", "range", "repeat")
LANGUAGES = ("vi", "en")
SIPAS_PARTS = ("service", "policy")  # Câu 9 part II (the SIPAS index) and part I (policies)
SIPAS_LEVELS = 5  # Rất không hài lòng … Rất hài lòng
# the respondent groups the product knows (survey_app/labels.py names them for display)
RESPONDENT_GROUPS = ("citizen", "delegate", "agency_leader", "commune_leader", "district_leader")


_LANGUAGE_RE = re.compile(r"^[^\x00-\x1f\x7f:]{1,64}$")


def is_language(key: str) -> bool:
    """``vi``, ``en``, ``default`` (an untagged XLSForm column) or a language as written in an
    XLSForm column (``Français (fr)``): 1 to 64 characters, no control character and no ``:``."""
    return isinstance(key, str) and bool(_LANGUAGE_RE.match(key)) and key.strip() == key
