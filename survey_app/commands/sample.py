"""``par-survey sample``: the sample size for given options, and a draw stored with its seed."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from sampling.plan import MAX_SEED, METHODS
from survey_app.extensions import db
from survey_app.models import SampleFrame, SurveyRound
from survey_app.refusals import Refused

ALLOCATIONS = ("proportional", "neyman", "equal")


def _size_options(command):
    """Options shared by ``size`` and ``draw`` (the same settings as the web form)."""
    options = [
        click.option(
            "--margin", default=0.05, show_default=True, type=click.FloatRange(0, 1, min_open=True)
        ),
        click.option(
            "--confidence",
            default=0.95,
            show_default=True,
            type=click.FloatRange(0, 1, min_open=True, max_open=True),
        ),
        click.option(
            "--p",
            "p",
            default=0.5,
            show_default=True,
            type=click.FloatRange(0, 1, min_open=True, max_open=True),
            help="Expected proportion.",
        ),
        click.option("--deff", default=1.0, show_default=True, type=click.FloatRange(1.0)),
        click.option(
            "--response-rate",
            default=1.0,
            show_default=True,
            type=click.FloatRange(0, 1, min_open=True),
        ),
        click.option(
            "--slovin", is_flag=True, help="Slovin's n = N / (1 + N e²) instead of Cochran."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group("sample")
def sample_cli() -> None:
    """Sample size and sample draws (cỡ mẫu và rút mẫu)."""


@sample_cli.command("size")
@_size_options
@click.option(
    "--population", type=click.IntRange(1), default=None, help="Frame size N (finite population)."
)
def size_command(margin, confidence, p, deff, response_rate, slovin, population) -> None:
    """Print the sample size n for these options."""
    from sampling import sample_size
    from sampling.size import slovin_size

    try:
        if slovin:
            if population is None:
                raise ValueError(
                    "Công thức Slovin cần --population / Slovin's formula needs --population."
                )
            n = slovin_size(population, margin=margin)
        else:
            n = sample_size(
                margin=margin,
                confidence=confidence,
                p=p,
                population=population,
                deff=deff,
                response_rate=response_rate,
            )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    click.echo(n)


@sample_cli.command("draw")
@click.argument("round_code")
@click.argument("frame_id", type=int)
@click.option(
    "--n",
    "n",
    type=click.IntRange(1),
    default=None,
    help="Sample size (computed from the size options when omitted).",
)
@click.option("--method", type=click.Choice(METHODS), default="srs", show_default=True)
@click.option(
    "--seed",
    type=click.IntRange(0, MAX_SEED),
    default=None,
    help="Seed (a fresh one when omitted).",
)
@click.option("--strata-column", default=None, help="Frame column whose values are the strata.")
@click.option(
    "--per-stratum", is_flag=True, help="Size each stratum separately (Cochran/Slovin per stratum)."
)
@click.option(
    "--allocation", type=click.Choice(ALLOCATIONS), default="proportional", show_default=True
)
@click.option("--sds", default="", help='Stratum SDs for Neyman, e.g. "A=5; B=10".')
@click.option("--minimum", type=click.IntRange(0), default=0, show_default=True)
@click.option("--size-column", default=None, help="Numeric column for PPS (e.g. population).")
@click.option(
    "--replacements",
    type=click.IntRange(0),
    default=5,
    show_default=True,
    help="Replacements per stratum (two_stage: per primary unit).",
)
@click.option(
    "--psu-column", default=None, help="two_stage: frame column naming the primary unit (PSU)."
)
@click.option("--n-psu", type=click.IntRange(1), default=None, help="two_stage: PSUs to select.")
@click.option(
    "--per-psu", type=click.IntRange(1), default=None, help="two_stage: respondents per PSU."
)
@click.option(
    "--psu-size-column",
    default=None,
    help="two_stage: numeric column giving each PSU's size, or communes:<frame id> for the "
    "population in a communes frame (default: rows per PSU).",
)
@click.option(
    "--psu-replacements",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="two_stage: replacement PSUs.",
)
@_size_options
@with_appcontext
def draw_command(
    round_code,
    frame_id,
    n,
    method,
    seed,
    strata_column,
    per_stratum,
    allocation,
    sds,
    minimum,
    size_column,
    replacements,
    psu_column,
    n_psu,
    per_psu,
    psu_size_column,
    psu_replacements,
    margin,
    confidence,
    p,
    deff,
    response_rate,
    slovin,
) -> None:
    """Draw a sample from a stored frame and store the plan with its seed and the frame's hash."""
    from survey_app.operations import sample_plans

    survey_round = db.session.scalar(db.select(SurveyRound).filter_by(code=round_code))
    if survey_round is None:
        raise click.ClickException(f"không có đợt {round_code!r} / no round {round_code!r}.")
    frame = db.session.get(SampleFrame, frame_id)
    if frame is None or frame.round_id != survey_round.id:
        raise click.ClickException(
            f"đợt {round_code} không có khung mẫu {frame_id} / round {round_code} has no "
            f"frame {frame_id}."
        )
    try:
        options = sample_plans.PlanOptions(
            method=method,
            size_mode="fixed" if n else ("slovin" if slovin else "cochran"),
            n=n,
            margin=margin,
            confidence=confidence,
            p=p,
            deff=deff,
            response_rate=response_rate,
            strata_column=strata_column,
            per_stratum=per_stratum,
            allocation=allocation,
            sds=sample_plans.parse_sds(sds),
            minimum=minimum,
            size_column=size_column,
            replacements=replacements,
            psu_column=psu_column,
            n_psu=n_psu,
            per_psu=per_psu,
            psu_size_column=psu_size_column,
            psu_replacements=psu_replacements,
        )
        plan = sample_plans.draw_plan(survey_round, frame, options, seed)
    except Refused as refused:
        db.session.rollback()
        raise click.ClickException(
            "\n".join(refused.lines("vi") + refused.lines("en"))) from None
    db.session.commit()
    click.echo(f"plan {plan.id}: n = {plan.n}, method {plan.method}, seed {plan.seed}")
    click.echo(f"frame {frame.id} hash {plan.frame_hash}")
    first_stage = plan.parameters.get("first_stage")
    if first_stage is not None:
        click.echo(f"primary units ({first_stage['psu_column']}):")
    for label, count in plan.allocation.items():
        click.echo(f"  {label or 'all'}\t{count}")
