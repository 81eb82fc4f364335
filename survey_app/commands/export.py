"""``par-survey export ROUND --format json|csv|xlsx|sav -o FILE``: the round's export, with a
detached ``FILE.sha256`` checksum beside it."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import with_appcontext

from analysis.contract import checksum_text
from survey_app.commands import refused_exit
from survey_app.operations.exports import FORMATS, TABLES, export_file
from survey_app.operations.lookups import round_by_code
from survey_app.refusals import Refused


@click.command("export")
@click.argument("round_code")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True)
@click.option("--table", type=click.Choice(TABLES), default=None,
              help="csv: which table (default criteria); xlsx/csv: 'respondents' for "
                   "respondent-level data (xlsx: with a 'repeats' sheet when forms have "
                   "repeats); csv: 'repeats' for the long table of repeat rows.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: the export's own name in the current folder).")
@click.option("--allow-unpublished", is_flag=True,
              help="Export a round that is not published yet, as a DRAFT (file names end in "
                   "-draft and the contract's software_version carries "
                   "+draft.unpublished-round).")
@with_appcontext
def export(round_code: str, fmt: str, table: str | None, output: str | None,
           allow_unpublished: bool) -> None:
    """Write the results of ROUND_CODE (a published round) to a file."""
    try:
        survey_round = round_by_code(round_code)
    except Refused as refused:
        raise refused_exit(refused) from None
    with click.progressbar(length=4, label="Đang xuất / exporting", file=sys.stderr) as bar:
        def progress(step: int, total: int) -> None:
            bar.update(step - bar.pos)

        try:
            result = export_file(survey_round, fmt, table=table,
                                 allow_unpublished=allow_unpublished,
                                 progress=progress)
        except Refused as refused:
            hint = ("Dùng --allow-unpublished để xuất bản nháp / use --allow-unpublished for a "
                    "draft." if refused.code == "round_not_published" else "")
            raise refused_exit(refused, hint) from None
    path = output or result.filename
    with open(path, "wb") as handle:
        handle.write(result.content)
    with open(path + ".sha256", "w", encoding="utf-8") as handle:
        handle.write(checksum_text(result.content, os.path.basename(path)))
    if not survey_round.is_published:
        click.echo("CẢNH BÁO / WARNING: bản nháp, đợt chưa công bố / DRAFT, the round is not "
                   "published.", err=True)
    click.echo(f"Đã ghi / wrote {path} ({len(result.content):,} bytes), SHA-256 {result.sha256}")
