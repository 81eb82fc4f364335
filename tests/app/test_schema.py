"""The Alembic revision chain: upgrade from empty, agreement with the models, newer-schema
refusal."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from survey_app.extensions import db
from survey_app.models import Base
from survey_app.schema import SchemaError, check_schema_current, database_revision, upgrade_schema


def test_upgrade_from_empty_matches_models(app_ctx):
    assert database_revision() is not None
    check_schema_current()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_newer_schema_is_refused_with_a_sentence(app_ctx):
    head = database_revision()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    try:
        with pytest.raises(SchemaError, match="newer than this par-survey"):
            upgrade_schema()
        with pytest.raises(SchemaError, match="newer"):
            check_schema_current()
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"),
                               {"head": head})


def test_sample_plan_keeps_a_63_bit_seed(app_ctx):
    from builders import create_round

    from survey_app.models import SampleFrame, SamplePlan

    survey_round = create_round()
    frame = SampleFrame(round_id=survey_round.id, kind="communes", filename="x.csv",
                        content_hash="0" * 64, row_count=0)
    db.session.add(frame)
    db.session.flush()
    seed = 2**63 - 1  # the largest seed sampling.new_seed() can give
    plan = SamplePlan(round_id=survey_round.id, frame_id=frame.id, frame_hash=frame.content_hash,
                      method="srs", n=0, seed=seed)
    db.session.add(plan)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(SamplePlan, plan.id).seed == seed
