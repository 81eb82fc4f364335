"""Feature commands of the ``par-survey`` CLI; each module defines one click command or group."""
from __future__ import annotations

import importlib

import click

from survey_app.refusals import Refused

# (module, attribute) pairs, one per feature command.
FEATURE_COMMANDS = [
    ("survey_app.commands.demo", "demo"),
    ("survey_app.commands.questionnaire", "questionnaire_cli"),
    ("survey_app.commands.users", "users_cli"),
    ("survey_app.commands.sample", "sample_cli"),
    ("survey_app.commands.analyze", "analyze"),
    ("survey_app.commands.export", "export"),
    ("survey_app.commands.index", "index"),
    ("survey_app.commands.report", "report"),
    ("survey_app.commands.audit", "audit_cli"),
    ("survey_app.commands.remind", "remind"),
    ("survey_app.commands.bounces", "bounces"),
    ("survey_app.commands.worker", "worker"),
]


def register(group: click.Group) -> None:
    for module_name, attribute in FEATURE_COMMANDS:
        group.add_command(getattr(importlib.import_module(module_name), attribute))


def refused_exit(refused: Refused, hint: str = "") -> click.ClickException:
    """A refusal as the CLI says it (exit status 1): each line in Vietnamese and English."""
    lines = [vi if vi == en else f"{vi} / {en}"
             for vi, en in zip(refused.lines("vi"), refused.lines("en"), strict=True)]
    return click.ClickException("\n".join(lines + ([hint] if hint else [])))
