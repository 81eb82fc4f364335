"""Writes a big round fast: ``n`` SIPAS responses bulk-inserted through a round's QR entry points.

Each rated unit with an entry point gets a pool of answer sets synthesised at the unit's own
quality by :mod:`survey_app.operations.synthetic` and checked by the questionnaire (so the results
page analyses them like real answers: every SIPAS item rated 1..5, a few excluded answers, some
speeders and straight-liners in the paradata); rows cycle through the pools, spread over the
round's fieldwork days, and go in by chunks of ``chunk`` rows, one transaction each.

    from big_round import write_big_round
    seconds = write_big_round("sqlite:///…/par-survey.sqlite", "DEMO-2025", 100_000)
"""
from __future__ import annotations

import datetime as dt
import time
import uuid

import numpy as np

POOL_PER_UNIT = 24


def _answer_pool(questionnaire, rng, quality: float, size: int) -> list[tuple[dict, dict]]:
    from survey_app.operations.synthetic import synthesize_answers, synthesize_paradata

    pool = []
    while len(pool) < size:
        straight = rng.random() < 0.03
        answers = synthesize_answers(questionnaire, rng, quality, straight_line=straight)
        if questionnaire.validate(answers):
            continue
        paradata = synthesize_paradata(questionnaire, rng, speeder=rng.random() < 0.03)
        pool.append((questionnaire.clean(answers), paradata))
    return pool


def write_big_round(url: str, round_code: str, n: int, *, seed: int = 18,
                    chunk: int = 10_000) -> float:
    """Insert ``n`` responses into round ``round_code`` of the database at ``url`` (its QR entry
    points name the units and the questionnaire); return the seconds it took."""
    from sqlalchemy import MetaData, Table, create_engine, insert, select

    import questionnaires

    started = time.perf_counter()
    engine = create_engine(url)
    meta = MetaData()
    responses = Table("responses", meta, autoload_with=engine)
    rounds = Table("survey_rounds", meta, autoload_with=engine)
    entries = Table("entry_points", meta, autoload_with=engine)
    forms = Table("questionnaire_versions", meta, autoload_with=engine)
    with engine.connect() as connection:
        survey_round = connection.execute(
            select(rounds.c.id, rounds.c.opens_on).where(rounds.c.code == round_code)).one()
        points = connection.execute(
            select(entries.c.id, entries.c.unit_id, entries.c.questionnaire_id, forms.c.form_key)
            .join(forms, forms.c.id == entries.c.questionnaire_id)
            .where(entries.c.round_id == survey_round.id, entries.c.revoked.is_(False))
            .order_by(entries.c.id)).all()
    if not points:
        raise SystemExit(f"round {round_code} has no entry point to answer through")
    rng = np.random.default_rng(seed)
    loaded = {key: questionnaires.load_bundled(key) for key in {p.form_key for p in points}}
    pools = [_answer_pool(loaded[p.form_key], rng, float(rng.uniform(0.55, 0.92)),
                          POOL_PER_UNIT) for p in points]
    first_day = survey_round.opens_on or dt.date.today()
    days = max(1, (dt.date.today() - first_day).days + 1)
    prefix = uuid.uuid4().hex[:6].upper()
    shares = rng.dirichlet(np.full(len(points), 4.0))  # busier and quieter units
    which = rng.choice(len(points), size=n, p=shares)
    pick = rng.integers(0, POOL_PER_UNIT, size=n)
    day = rng.integers(0, days, size=n)
    for start in range(0, n, chunk):
        rows = []
        for i in range(start, min(n, start + chunk)):
            point = points[which[i]]
            answers, paradata = pools[which[i]][pick[i]]
            rows.append({
                "submission_id": str(uuid.uuid4()), "receipt": f"B{prefix}{i:09d}",
                "round_id": survey_round.id, "questionnaire_id": point.questionnaire_id,
                "rated_unit_id": point.unit_id, "respondent_group": "citizen", "channel": "qr",
                "entry_point_id": point.id, "answers": answers, "paradata": paradata,
                "quality_flags": [], "quarantined": False,
                "submitted_on": first_day + dt.timedelta(days=int(day[i])),
            })
        with engine.begin() as connection:
            connection.execute(insert(responses), rows)
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE responses"))
    engine.dispose()
    return time.perf_counter() - started
