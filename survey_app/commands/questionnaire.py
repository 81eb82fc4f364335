"""``par-survey questionnaire``: validate, convert and list questionnaires (uses only ``questionnaires``)."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask.cli import with_appcontext

import questionnaires
from questionnaires import Problem, QuestionnaireError

questionnaire_cli = click.Group(
    "questionnaire", help="Phiếu khảo sát và gói phương pháp / questionnaires and methodology packs."
)


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} lỗi / problem(s).", err=True)


def _load(name_or_file: str) -> questionnaires.Questionnaire:
    if name_or_file in questionnaires.bundled():
        return questionnaires.load_bundled(name_or_file)
    path = Path(name_or_file)
    if not path.is_file():
        raise click.ClickException(
            f"Không có tệp hoặc mẫu '{name_or_file}' / no file or bundled template "
            f"'{name_or_file}' (see `questionnaire list`)."
        )
    return questionnaires.load(path)


@questionnaire_cli.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--pack", "pack_name", default=None,
              help="Check scoring codes against a pack (bundled name or YAML file).")
def validate_command(file: str, pack_name: str | None) -> None:
    """Check FILE (questionnaire .yaml/.xlsx, or a pack .yaml) and print every problem."""
    problems: list[Problem] = []
    is_pack = False
    if file.endswith((".yaml", ".yml")):
        try:
            data = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            data = None  # the loader below reports the error with its line
        is_pack = isinstance(data, dict) and "criteria" in data and "pages" not in data
    try:
        if is_pack:
            pack = questionnaires.load_pack(Path(file))
            click.echo(f"OK: pack {pack.id} {pack.version} ({pack.content_hash[:12]})")
            return
        questionnaire = questionnaires.load(Path(file))
    except QuestionnaireError as error:
        problems = error.problems
    if not problems and pack_name is not None:
        try:
            pack = (questionnaires.load_bundled_pack(pack_name)
                    if pack_name in questionnaires.bundled_packs()
                    else questionnaires.load_pack(Path(pack_name)))
        except QuestionnaireError as error:
            problems = error.problems
        else:
            problems = [Problem(Path(file).name, p.sheet, p.row, p.column, p.message_vi, p.message_en)
                        for p in questionnaires.check_against_pack(questionnaire, pack)]
    if problems:
        _print_problems(problems)
        raise SystemExit(1)
    click.echo(f"OK: {questionnaire.id} {questionnaire.version} "
               f"({len(questionnaire.questions)} questions, {questionnaire.content_hash[:12]})")


@questionnaire_cli.command("import-xlsform")
@click.argument("xlsform", type=click.Path(exists=True, dir_okay=False))
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--respondent-group", default=None,
              type=click.Choice(list(questionnaires.RESPONDENT_GROUPS)),
              help="The respondent group when the form has no par_respondent_group.")
@click.option("--language", default=None, type=click.Choice(["vi", "en"]),
              help="The language of untagged labels when the form has no default_language.")
def import_xlsform_command(xlsform: str, out: str, respondent_group: str | None,
                           language: str | None) -> None:
    """Convert an XLSForm (.xlsx, .xls, .md) to the YAML format in OUT (nothing written on
    error); print what the import decided (notes) and a summary."""
    try:
        imported = questionnaires.import_xlsform(xlsform, respondent_group, language)
    except QuestionnaireError as error:
        _print_problems(error.problems)
        raise SystemExit(1) from None
    questionnaire = imported.questionnaire
    Path(out).write_text(questionnaires.dump_yaml(questionnaire), encoding="utf-8")
    for note in imported.notes:
        click.echo(str(note))
    summary = imported.summary()
    click.echo(f"{questionnaire.id} {questionnaire.version} → {out}: "
               f"questions={summary['questions']} pages={summary['pages']} "
               f"languages={','.join(summary['languages'])} rules={summary['rules']} "
               f"notes={len(imported.notes)}")


@questionnaire_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--respondent-group", default=None,
              type=click.Choice(list(questionnaires.RESPONDENT_GROUPS)),
              help="The respondent group when the form does not name it.")
@click.option("--language", default=None, type=click.Choice(["vi", "en"]),
              help="The language of untagged labels when the form has no default_language.")
@click.option("--publish", is_flag=True, help="Publish the imported version at once.")
@with_appcontext
def import_command(file: str, respondent_group: str | None, language: str | None,
                   publish: bool) -> None:
    """Store FILE (XLSForm .xlsx/.xls or YAML) in the database as a draft questionnaire (the
    staff page's import: same checks, same problems); nothing is stored on error."""
    from survey_app.extensions import db
    from survey_app.operations.questionnaire_library import import_questionnaire, publish_draft
    from survey_app.refusals import Refused

    path = Path(file)
    try:
        row, notes = import_questionnaire(path.name, path.read_bytes(), respondent_group,
                                          language)
        if publish:
            publish_draft(row)
    except Refused as refused:
        db.session.rollback()
        if refused.code == "questionnaire_invalid":
            _print_problems(refused.details)
            raise SystemExit(1) from None
        from survey_app.commands import refused_exit

        raise refused_exit(refused) from None
    db.session.commit()
    for note in notes:
        click.echo(str(note))
    state = "đã công bố / published" if row.is_published else "bản nháp / draft"
    click.echo(f"{row.form_key} {row.version} ({row.content_hash[:12]}): {state}")


@questionnaire_cli.command("export-xlsform")
@click.argument("name_or_file")
@click.argument("out", type=click.Path(dir_okay=False))
def export_xlsform_command(name_or_file: str, out: str) -> None:
    """Write a bundled template (by name) or a questionnaire file as an XLSForm workbook OUT."""
    try:
        questionnaire = _load(name_or_file)
    except QuestionnaireError as error:
        _print_problems(error.problems)
        raise SystemExit(1) from None
    questionnaires.write_xlsform(questionnaire, out)
    click.echo(f"{questionnaire.id} {questionnaire.version} → {out}")


@questionnaire_cli.command("list")
def list_command() -> None:
    """List the bundled questionnaire templates and methodology packs."""
    for name in questionnaires.bundled():
        questionnaire = questionnaires.load_bundled(name)
        click.echo(f"{name}\t{questionnaire.respondent_group}\t{questionnaire.version}\t"
                   f"{questionnaire.title.get('vi')}")
    for name in questionnaires.bundled_packs():
        pack = questionnaires.load_bundled_pack(name)
        click.echo(f"{name}\tpack\t{pack.version}\t{pack.title.get('vi')}")
