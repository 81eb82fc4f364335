"""Revision 0011 widens the responses' channel check to ``odk`` and back on both databases,
keeping the rows, the indexes, the links that point at a response and the record triggers."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from builders import create_response, create_round, create_user, open_round_with_entry
from survey_app.extensions import db
from survey_app.models import ImmutableRecordError
from survey_app.operations.fieldwork_setup import issue_invitation


def triggers() -> set[str]:
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return set(connection.execute(text(query)).scalars())


def indexes_of_responses() -> set[tuple]:
    inspector = sa.inspect(db.engine)
    found = {(i["name"], tuple(i["column_names"]), bool(i["unique"]))
             for i in inspector.get_indexes("responses")}
    found |= {(u["name"], tuple(u["column_names"]), True)
              for u in inspector.get_unique_constraints("responses")}
    return {(name, columns, unique) for name, columns, unique in found
            if not (name or "").startswith("sqlite_autoindex")}


def insert_response(channel: str, ids) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO responses (submission_id, receipt, round_id, questionnaire_id, "
            "rated_unit_id, respondent_group, channel, answers, paradata, quality_flags, "
            "quarantined, submitted_on) VALUES (:sid, :receipt, :round, :q, :unit, 'citizen', "
            ":channel, '{}', '{}', '[]', :no, '2026-12-01')"),
            {"sid": str(uuid.uuid4()), "receipt": uuid.uuid4().hex[:12], "round": ids[0],
             "q": ids[1], "unit": ids[2], "channel": channel, "no": False})


def test_0011_widens_the_channel_check_and_the_downgrade_narrows_it(empty_database_url,
                                                                     tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_test_app

    app = make_test_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0010")
        entry = open_round_with_entry()
        survey_round, unit, questionnaire = entry.round, entry.unit, entry.questionnaire
        kept = create_response(survey_round, unit, questionnaire, channel="api_entry")
        invitation, _ = issue_invitation(survey_round, questionnaire, unit, "citizen")
        interviewer = create_user("interviewer")
        db.session.flush()
        db.session.execute(text(
            "INSERT INTO call_attempts (round_id, invitation_id, interviewer_id, outcome, "
            "response_id) VALUES (:round, :invitation, :user, 'complete', :response)"),
            {"round": survey_round.id, "invitation": invitation.id, "user": interviewer.id,
             "response": kept.id})
        ids = (survey_round.id, questionnaire.id, unit.id)
        published = create_round(status="published")
        db.session.commit()
        kept_id, published_id = kept.id, published.id
        db.session.remove()
        before_triggers, before_indexes = triggers(), indexes_of_responses()
        assert before_triggers and before_indexes
        with pytest.raises(sa.exc.IntegrityError):
            insert_response("odk", ids)

        upgrade(directory=directory, revision="0011")  # later revisions add their own indexes
        assert triggers() == before_triggers
        assert indexes_of_responses() == before_indexes
        insert_response("odk", ids)
        with pytest.raises(sa.exc.IntegrityError):
            insert_response("fax", ids)
        with db.engine.connect() as connection:
            assert connection.execute(text(
                "SELECT response_id FROM call_attempts")).scalar_one() == kept_id
            assert connection.execute(text(
                "SELECT channel FROM responses WHERE id = :id"), {"id": kept_id}).scalar_one() \
                == "api_entry"
        with pytest.raises(ImmutableRecordError):  # the record triggers still refuse
            db.session.execute(text("UPDATE survey_rounds SET title = 'khác' WHERE id = :id"),
                               {"id": published_id})
        db.session.rollback()
        db.session.remove()

        downgrade(directory=directory, revision="0010")
        assert triggers() == before_triggers
        assert indexes_of_responses() == before_indexes
        with db.engine.connect() as connection:
            channels = connection.execute(text(
                "SELECT channel FROM responses ORDER BY id")).scalars().all()
            assert channels == ["api_entry", "api_entry"]  # the odk row as it was before 0011
            assert connection.execute(text(
                "SELECT response_id FROM call_attempts")).scalar_one() == kept_id
            assert "collect_submissions" not in sa.inspect(connection).get_table_names()
        with pytest.raises(sa.exc.IntegrityError):
            insert_response("odk", ids)
        with pytest.raises(ImmutableRecordError):
            db.session.execute(text("DELETE FROM survey_rounds WHERE id = :id"),
                               {"id": published_id})
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
