"""Respondents answer on their phones: QR entry ``/s/<code>`` and invitations ``/i/<token>``.

Pages are built from the questionnaire definition (``forms.py``), skip logic and validation run on
the server (``navigation.py``) so the form works with JavaScript off; ``static/respond.js`` only adds
a local draft, offline retry and focus on the error summary. Later pages carry the survey's short
title (filter ``short_title``); scales are rows of cells (``forms.is_scale``); dates are typed
dd/mm/yyyy and stored ISO (``forms.parse_typed_date``). A multi-unit invitation (``multi_unit.py``)
lists its units under ``/i/<token>`` and answers each with the same flow under
``/i/<token>/u/<unit id>`` (``unit_grid.py``: the same units' scale items as one table, saved into
each unit's draft). Submission goes through ``operations.submissions.submit``.
"""
from flask import Blueprint

bp = Blueprint("respond", __name__)

from survey_app.respond import media, multi_unit, routes, unit_grid  # noqa: E402,F401  (register routes)
from survey_app.respond.forms import error_links, short_title  # noqa: E402

bp.add_app_template_filter(short_title, "short_title")
bp.add_app_template_filter(error_links, "error_links")
