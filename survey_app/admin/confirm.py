"""Confirmation of irreversible steps without JavaScript: a GET page says what will happen and
carries a POST form (CSRF token, ``confirm=yes``); a POST without ``confirm=yes`` changes nothing
and lands on that page."""

from __future__ import annotations

from flask import render_template, request

from survey_app.admin.forms import ActionForm

CONFIRM_FIELD = "confirm"


def confirmed() -> bool:
    """Whether the POST carries the confirmation the confirmation page's form sends."""
    return request.form.get(CONFIRM_FIELD) == "yes"


def confirmation_page(survey_round, *, kind: str, heading: str, consequences: list[str],
                      action_url: str, button: str, cancel_url: str,
                      hidden: dict | None = None, possible: bool = True):
    """The page: ``consequences`` (sentences with the counts), then the confirming form, or only
    a way back when the step is not ``possible``."""
    return render_template(
        "admin/confirm.html", round=survey_round, kind=kind, heading=heading,
        consequences=consequences, action_url=action_url, button=button,
        cancel_url=cancel_url, hidden=hidden or {}, possible=possible, form=ActionForm(),
    )
