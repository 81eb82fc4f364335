"""The vocabulary every questionnaire module shares (a leaf: imports nothing of the package)."""

from __future__ import annotations

__all__ = ["LANGUAGES", "QUESTION_TYPES", "RESPONDENT_GROUPS", "SIPAS_LEVELS", "SIPAS_PARTS"]

QUESTION_TYPES = ("single", "multiple", "integer", "decimal", "text", "date", "note", "group",
                  "calculate", "hidden", "acknowledge", "time", "datetime", "range", "repeat")
LANGUAGES = ("vi", "en")
SIPAS_PARTS = ("service", "policy")  # Câu 9 part II (the SIPAS index) and part I (policies)
SIPAS_LEVELS = 5  # Rất không hài lòng … Rất hài lòng
# the respondent groups the product knows (survey_app/labels.py names them for display)
RESPONDENT_GROUPS = ("citizen", "delegate", "agency_leader", "commune_leader", "district_leader")
