"""``par-survey index --contract FILE --self-assessment FILE.csv -o FILE``: the PAR Index of each
unit from survey points (an export contract) and self-assessment points, by ``analysis.combiner``.

Any problem in the inputs is listed with its CSV row; the command then exits 1 and writes nothing.
"""
from __future__ import annotations

import io
import json
import os

import click
from flask.cli import with_appcontext

from analysis.combiner import CombinerError, combine
from survey_app.operations.combined_index import combined_index_tables, find_pack


@click.command("index")
@click.option("--contract", "contract_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Export contract (JSON) of the round.")
@click.option("--self-assessment", "csv_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV: unit_code, criterion_code, points (or 'không áp dụng').")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Result file: .xlsx (sheets index and fields), .json, or .csv (the index table).")
@click.option("--pack", "pack_source", default=None,
              help="Methodology pack file or bundled pack name (default: the pack named in the contract, "
                   "from the database).")
@with_appcontext
def index(contract_path: str, csv_path: str, output: str, pack_source: str | None) -> None:
    """Combine survey and self-assessment points into the PAR Index."""
    with open(contract_path, "rb") as handle:
        contract = handle.read()
    with open(csv_path, "rb") as handle:
        self_assessment = handle.read()
    try:
        pack = find_pack(contract, pack_source)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        result = combine(pack, contract, self_assessment)
    except CombinerError as exc:
        click.echo(f"{len(exc.problems)} lỗi, không tính chỉ số / {len(exc.problems)} problems, "
                   "nothing combined:", err=True)
        for problem in exc.problems:
            where = f"dòng / row {problem.row}" if problem.row is not None else "tệp / file"
            column = f", cột / column {problem.column}" if problem.column else ""
            click.echo(f"  {where}{column}: {problem.message_vi} / {problem.message_en}", err=True)
        raise SystemExit(1) from None
    tables = combined_index_tables(result)
    extension = os.path.splitext(output)[1].lower()
    if extension == ".xlsx":
        from analysis.contract import write_xlsx

        buffer = io.BytesIO()
        write_xlsx(tables, buffer)
        content = buffer.getvalue()
    elif extension == ".json":
        headers, rows = tables["index"]
        content = json.dumps({"round": result.round_code, "year": result.year,
                              "pack": {"id": result.pack_id, "version": result.pack_version},
                              "units": [dict(zip(headers, row)) for row in rows]},
                             ensure_ascii=False, indent=2).encode("utf-8")
    else:
        from analysis.contract import csv_bytes

        content = csv_bytes(*tables["index"])
    with open(output, "wb") as handle:
        handle.write(content)
    click.echo(f"Đã ghi / wrote {output}: {len(result.units)} đơn vị / units.")
