"""``par-survey analyze ROUND``: criterion points and SIPAS indices of a round, as a summary table."""
from __future__ import annotations

import math

import click
from flask.cli import with_appcontext

from survey_app.commands import refused_exit
from survey_app.extensions import db
from survey_app.operations.analysis_run import (
    DEFAULT_MIN_N,
    analyze_round,
    apply_quality_flags,
    gather_round,
)
from survey_app.operations.lookups import round_by_code
from survey_app.refusals import Refused


def _number(value, digits: int = 2) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


@click.command("analyze")
@click.argument("round_code")
@click.option("--apply-flags", is_flag=True,
              help="Compute quality flags and store them as quarantine before analysing "
                   "(not for published rounds).")
@click.option("--min-n", default=DEFAULT_MIN_N, show_default=True, type=click.IntRange(1),
              help="Cells with fewer valid answers are flagged small_cell.")
@with_appcontext
def analyze(round_code: str, apply_flags: bool, min_n: int) -> None:
    """Print the survey points and SIPAS indices of ROUND_CODE (quarantined responses left out)."""
    try:
        survey_round = round_by_code(round_code)
        data = gather_round(survey_round)
        if apply_flags:
            counts = apply_quality_flags(survey_round, data)
            db.session.commit()
            click.echo("Cờ chất lượng / quality flags: "
                       + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        result = analyze_round(survey_round, min_n=min_n, data=data)
    except Refused as refused:
        raise refused_exit(refused) from None
    click.echo(f"Đợt / round {survey_round.code} ({survey_round.status}): {result.responses} phiếu / responses, "
               f"{result.quarantined} bị cách ly / quarantined")
    for row in result.counts:
        if row["unit"] is None:
            rate = _number(100 * row["completed"] / row["invited"], 1) + " %" if row["invited"] else "—"
            click.echo(f"  {row['group']}: {row['completed']} / {row['invited'] or '—'} mời / invited, "
                       f"tỉ lệ / rate {rate}")
    if result.sipas is not None:
        click.echo("\nSIPAS (% hài lòng / satisfied share; điểm 0–100 / score; SE)")
        click.echo(f"  {'đơn vị / unit':<16} {'mã / code':<14} {'share':>7} {'SE':>6} {'score':>7} {'SE':>6} {'n':>5}")
        for index in result.sipas.indices:
            if index.level == "criterion":
                continue
            click.echo(f"  {index.unit or 'TỈNH / PROVINCE':<16} {index.code:<14} "
                       f"{_number(index.share.value, 1):>7} {_number(index.share.se, 1):>6} "
                       f"{_number(index.score.value, 1):>7} {_number(index.score.se, 1):>6} {index.share.n:>5}")
    click.echo("\nĐiểm tiêu chí điều tra / survey-assessed criterion points")
    click.echo(f"  {'đơn vị / unit':<16} {'tiêu chí':<8} {'điểm':>7} {'tối đa':>7} {'SE':>6} {'n':>5}  cờ / flags")
    for cp in result.points:
        click.echo(f"  {cp.unit:<16} {cp.criterion:<8} {cp.points:>7.3f} {cp.max_points:>7.2f} "
                   f"{_number(cp.se, 3):>6} {cp.n:>5}  {','.join(cp.flags)}")
