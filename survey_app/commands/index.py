"""``par-survey index --contract FILE --self-assessment FILE.csv -o FILE``: the PAR Index of each
unit from survey points (an export contract) and self-assessment points, by ``analysis.combiner``.

Options: ``--exclude FILE.csv`` (units left out of the ranking, with reasons), ``--previous FILE``
(last year's results: its contract JSON, this command's XLSX or JSON output, or a CSV
``unit_code, criterion_code, points``) for the points lost per criterion, ``--pack``.

Any problem in the inputs is listed with its file and CSV row; the command then exits 1 and
writes nothing. A unit without survey data is not a problem: it is written with no index and
the status ``no_data``, and listed on the terminal; when this database holds the contract's
round, its units that nobody answered about (absent from the contract) are scored so too.
"""

from __future__ import annotations

import json
import os

import click
from flask.cli import with_appcontext

from analysis.combiner import NO_DATA, result_json
from survey_app import spreadsheets
from survey_app.commands import refused_exit
from survey_app.operations.combined_index import (
    PROBLEM_FILES,
    assessed_units,
    combine_with_previous,
    combined_index_tables,
    find_pack,
)
from survey_app.refusals import Refused


def _read(path: str | None) -> bytes | None:
    if path is None:
        return None
    with open(path, "rb") as handle:
        return handle.read()


def problem_line(problem) -> str:
    """One problem as the terminal shows it, Vietnamese first."""
    vi_file, en_file = PROBLEM_FILES.get(problem.file or "", ("tệp", "file"))
    where = f"{vi_file} / {en_file}"
    if problem.row is not None:
        where += f", dòng / row {problem.row}"
    if problem.column:
        where += f", cột / column {problem.column}"
    return f"  {where}: {problem.message_vi} / {problem.message_en}"


def combination_refused_exit(refused: Refused) -> Exception:
    """The exception a command raises for a refused combination: the combiner's problems each
    with its file, row and column (printed here, exit status 1), any other refusal as usual."""
    if refused.code != "combiner_problems":
        return refused_exit(refused)
    click.echo(
        f"{len(refused.details)} lỗi, không tính chỉ số / {len(refused.details)} problems, "
        "nothing combined:",
        err=True,
    )
    for problem in refused.details:
        click.echo(problem_line(problem), err=True)
    return SystemExit(1)


@click.command("index")
@click.option(
    "--contract",
    "contract_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Export contract (JSON) of the round.",
)
@click.option(
    "--self-assessment",
    "csv_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="CSV: unit_code, criterion_code, points (or 'không áp dụng' with a reason in "
    "reason / ly_do); survey-assessed criteria only with a source in source / nguon.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Result file: .xlsx (sheets index, fields, criteria, below_max, points_lost), "
    ".json, or .csv (the index table).",
)
@click.option(
    "--exclude",
    "exclude_path",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="CSV: unit_code, reason — units kept out of the ranking (they keep their index).",
)
@click.option(
    "--previous",
    "previous_path",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="Last year's results: contract JSON, this command's .xlsx or .json output, or a "
    "CSV unit_code, criterion_code, points.",
)
@click.option(
    "--pack",
    "pack_source",
    default=None,
    help="Methodology pack file or bundled pack name (default: the pack named in the "
    "contract, from the database).",
)
@with_appcontext
def index(
    contract_path: str,
    csv_path: str,
    output: str,
    exclude_path: str | None,
    previous_path: str | None,
    pack_source: str | None,
) -> None:
    """Combine survey and self-assessment points into the PAR Index."""
    contract = _read(contract_path)
    try:
        pack = find_pack(contract, pack_source)
    except Refused as refused:
        raise refused_exit(refused) from None
    try:
        result, changes = combine_with_previous(
            pack,
            contract,
            _read(csv_path),
            exclusions=_read(exclude_path),
            previous=_read(previous_path),
            previous_name=os.path.basename(previous_path or ""),
            units=assessed_units(contract),
        )
    except Refused as refused:
        raise combination_refused_exit(refused) from None
    extension = os.path.splitext(output)[1].lower()
    if extension == ".xlsx":
        content = spreadsheets.xlsx_bytes(combined_index_tables(result, changes))
    elif extension == ".json":
        content = json.dumps(result_json(result, changes), ensure_ascii=False, indent=2).encode(
            "utf-8"
        )
    else:
        content = spreadsheets.csv_bytes(*combined_index_tables(result)["index"])
    with open(output, "wb") as handle:
        handle.write(content)
    scored = sum(1 for u in result.units if u.index is not None)
    click.echo(
        f"Đã ghi / wrote {output}: {len(result.units)} đơn vị / units, {scored} có chỉ số / "
        "with an index."
    )
    for unit in result.units:
        if unit.status == NO_DATA:
            click.echo(
                f"  Chưa có dữ liệu / no data: {unit.code} (tiêu chí / criteria "
                f"{', '.join(unit.no_data)})"
            )
        elif unit.excluded:
            click.echo(f"  Không xếp hạng / not ranked: {unit.code} ({unit.excluded})")
