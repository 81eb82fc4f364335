"""``par-survey report ROUND --format docx|pdf [--lang vi|en] -o FILE``: the survey results report
of a round, built from its export contract and stamped with the contract's SHA-256;
``--format xlsx`` the officials' ranking workbook, ``--format unit-sheets`` one PDF page per unit.

With ``--self-assessment FILE.csv`` (and optionally ``--previous`` and ``--exclude``, as
``par-survey index`` reads them) the report adds the PAR Index ranking tables and points lost.
A round not yet published gives a report marked as a draft."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey_app.commands.index import combination_refused_exit
from survey_app.operations.lookups import round_by_code
from survey_app.refusals import Refused

FORMATS = ("docx", "pdf", "xlsx", "unit-sheets")


def _read(path: str | None) -> bytes | None:
    if path is None:
        return None
    with open(path, "rb") as handle:
        return handle.read()


@click.command("report")
@click.argument("round_code")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="pdf", show_default=True,
              help="docx/pdf: the results report; xlsx: the officials' ranking workbook; "
                   "unit-sheets: one PDF page per unit.")
@click.option("--lang", type=click.Choice(("vi", "en")), default="vi", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: the report's own name in the current folder).")
@click.option("--self-assessment", "csv_path", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Self-assessment CSV: adds the PAR Index ranking tables.")
@click.option("--previous", "previous_path", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Last year's results (with --self-assessment): points lost.")
@click.option("--exclude", "exclude_path", type=click.Path(exists=True, dir_okay=False),
              default=None, help="CSV of units kept out of the ranking (with --self-assessment).")
@with_appcontext
def report(round_code: str, fmt: str, lang: str, output: str | None, csv_path: str | None,
           previous_path: str | None, exclude_path: str | None) -> None:
    """Write the results report of ROUND_CODE (Word or PDF), officials' workbook or unit sheets."""
    import os

    from survey_app.operations.reports import report_sources
    from survey_app.reports.render import officials_xlsx_file, report_file, unit_sheets_file

    if (previous_path or exclude_path) and not csv_path:
        raise click.UsageError("--previous / --exclude need --self-assessment.")
    try:
        survey_round = round_by_code(round_code)
        sources = report_sources(
            survey_round, self_assessment=_read(csv_path), previous=_read(previous_path),
            previous_name=os.path.basename(previous_path or ""), exclusions=_read(exclude_path))
    except Refused as refused:
        raise combination_refused_exit(refused) from None
    if fmt == "xlsx":
        result = officials_xlsx_file(sources, lang)
    elif fmt == "unit-sheets":
        result = unit_sheets_file(sources, lang)
    else:
        result = report_file(sources, fmt, lang)
    path = output or result.filename
    with open(path, "wb") as handle:
        handle.write(result.content)
    if survey_round.status != "published":
        click.echo("CẢNH BÁO / WARNING: bản nháp, đợt chưa công bố / DRAFT, the round is not "
                   "published.", err=True)
    click.echo(f"Đã ghi / wrote {path} ({len(result.content):,} bytes); "
               f"contract SHA-256 {sources.sha256}")
