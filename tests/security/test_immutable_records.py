"""Published questionnaires, packs and rounds, and a published round's rating matrix, are refused
any change by the database itself (revision 0005), whatever statement asks; drafts stay editable."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, text, update

from builders import create_province, create_questionnaire, create_unit, small_questionnaire_dict
from migrations import record_triggers
from survey_app.extensions import db
from survey_app.models import (
    ImmutableRecordError,
    MethodologyPack,
    PublishedDocumentError,
    QuestionnaireVersion,
    RatingCell,
    SurveyRound,
)
from survey_app.models.base import utcnow
from survey_app.operations.rounds import change_status, create_round, set_rating_cell

QUESTIONNAIRES = QuestionnaireVersion.__table__
PACKS = MethodologyPack.__table__
ROUNDS = SurveyRound.__table__
CELLS = RatingCell.__table__


def _pack(status: str = "published", key: str = "pack-test") -> MethodologyPack:
    pack = MethodologyPack(pack_key=key, version="1", title="Bộ phương pháp thử", content={"a": 1},
                           content_hash="a" * 64, status=status,
                           published_at=utcnow() if status == "published" else None)
    db.session.add(pack)
    db.session.flush()
    return pack


def _draft_questionnaire() -> QuestionnaireVersion:
    row = QuestionnaireVersion(form_key="draft-form", version="1", title="Nháp",
                               respondent_group="delegate", content={"questions": []},
                               content_hash="b" * 64, status="draft")
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def world(app_ctx):
    """A published round (with its pack and a cell on a published questionnaire), a closed round,
    and a draft questionnaire and pack no published round uses; all committed."""
    province = create_province()
    create_unit(province)
    questionnaire = create_questionnaire()
    pack = _pack()
    published = create_round(province, "CONG-BO", 2025, "Năm 2025", "Đợt đã công bố")
    cell = set_rating_cell(published, "citizen", "agency", questionnaire, 30)
    closed = create_round(province, "DA-DONG", 2025, "Năm 2025", "Đợt đã đóng")
    closed_cell = set_rating_cell(closed, "citizen", "agency", questionnaire, 30)
    for status in ("open", "closed"):
        change_status(published, status)
    # The pack is named once the round is closed: it only has to be a published pack here.
    published.methodology_pack_id = pack.id
    change_status(published, "published")
    for status in ("open", "closed"):
        change_status(closed, status)
    other = create_questionnaire(small_questionnaire_dict(form_id="other_form", group="delegate"))
    draft = _draft_questionnaire()
    draft_pack = _pack("draft", key="pack-draft")
    db.session.commit()
    return {
        "questionnaire": questionnaire.id, "pack": pack.id, "round": published.id,
        "cell": cell.id, "closed": closed.id, "closed_cell": closed_cell.id, "other": other.id,
        "draft": draft.id, "draft_pack": draft_pack.id,
    }


def refused(statement, params=None) -> ImmutableRecordError:
    """Run ``statement`` and return the refusal it met; the transaction is rolled back."""
    with pytest.raises(ImmutableRecordError) as caught:
        db.session.execute(statement, params or {})
    db.session.rollback()
    return caught.value


def test_core_update_of_a_published_questionnaire_or_pack_is_refused(world):
    content = dict(db.session.get(QuestionnaireVersion, world["questionnaire"]).content)
    db.session.rollback()
    refusal = refused(update(QUESTIONNAIRES).where(QUESTIONNAIRES.c.id == world["questionnaire"])
                      .values(content={"questions": []}))
    assert "publish a new version" in str(refusal) and "hãy công bố phiên bản mới" in str(refusal)
    assert str(refusal).index("Phiếu hỏi") < str(refusal).index("questionnaire")
    refused(update(QUESTIONNAIRES).where(QUESTIONNAIRES.c.id == world["other"])
            .values(title="Sửa tiêu đề"))
    refused(update(QUESTIONNAIRES).where(QUESTIONNAIRES.c.id == world["other"])
            .values(status="draft"))
    refusal = refused(update(PACKS).where(PACKS.c.id == world["pack"]).values(content={"b": 2}))
    assert refusal.table == "methodology_packs"
    stored = db.session.get(QuestionnaireVersion, world["questionnaire"])
    assert stored.content == content and stored.status == "published"
    assert db.session.get(MethodologyPack, world["pack"]).content == {"a": 1}


def test_delete_of_a_published_document_is_refused(world):
    refused(delete(QUESTIONNAIRES).where(QUESTIONNAIRES.c.id == world["other"]))
    refused(delete(PACKS).where(PACKS.c.id == world["pack"]))
    assert db.session.get(QuestionnaireVersion, world["other"]) is not None
    assert db.session.get(MethodologyPack, world["pack"]) is not None


def test_drafts_stay_editable_and_can_be_published(world):
    db.session.execute(update(QUESTIONNAIRES).where(QUESTIONNAIRES.c.id == world["draft"])
                       .values(content={"questions": ["q1"]}, title="Nháp sửa"))
    db.session.execute(update(PACKS).where(PACKS.c.id == world["draft_pack"])
                       .values(status="published", published_at=utcnow()))
    db.session.commit()
    assert db.session.get(QuestionnaireVersion, world["draft"]).content == {"questions": ["q1"]}
    assert db.session.get(MethodologyPack, world["draft_pack"]).status == "published"
    # Once published it is frozen like the others.
    refused(update(PACKS).where(PACKS.c.id == world["draft_pack"]).values(title="x"))
    db.session.execute(delete(QUESTIONNAIRES).where(QUESTIONNAIRES.c.id == world["draft"]))
    db.session.commit()
    assert db.session.get(QuestionnaireVersion, world["draft"]) is None


def test_a_draft_document_used_by_a_published_round_is_frozen(world):
    db.session.execute(update(ROUNDS).where(ROUNDS.c.id == world["closed"])
                       .values(methodology_pack_id=world["draft_pack"]))
    db.session.execute(update(CELLS).where(CELLS.c.id == world["closed_cell"])
                       .values(questionnaire_id=world["draft"]))
    db.session.commit()
    db.session.execute(update(QUESTIONNAIRES).where(QUESTIONNAIRES.c.id == world["draft"])
                       .values(title="còn sửa được khi đợt chưa công bố"))
    db.session.commit()
    change_status(db.session.get(SurveyRound, world["closed"]), "published")
    db.session.commit()
    refused(update(QUESTIONNAIRES).where(QUESTIONNAIRES.c.id == world["draft"]).values(title="x"))
    refused(update(PACKS).where(PACKS.c.id == world["draft_pack"]).values(content={}))


@pytest.mark.parametrize("status", ["draft", "open", "closed"])
def test_a_published_round_cannot_move_back(world, status):
    refusal = refused(update(ROUNDS).where(ROUNDS.c.id == world["round"]).values(status=status))
    assert "published round cannot be changed" in str(refusal)
    assert db.session.get(SurveyRound, world["round"]).status == "published"


@pytest.mark.parametrize("column, value", [
    ("code", "DOI-MA"), ("year", 2024), ("period", "Quý 1"), ("title", "Tiêu đề khác"),
    ("anonymous", False), ("methodology_pack_id", None), ("closes_on", None),
])
def test_a_published_round_s_defining_columns_are_refused(world, column, value):
    before = db.session.execute(text(f"SELECT {column} FROM survey_rounds WHERE id = :id"),
                                {"id": world["round"]}).scalar()
    refused(update(ROUNDS).where(ROUNDS.c.id == world["round"]).values({column: value}))
    after = db.session.execute(text(f"SELECT {column} FROM survey_rounds WHERE id = :id"),
                               {"id": world["round"]}).scalar()
    assert after == before


def test_a_published_round_s_rating_matrix_is_refused(world):
    refused(update(CELLS).where(CELLS.c.id == world["cell"]).values(quota=99))
    refused(update(CELLS).where(CELLS.c.id == world["cell"])
            .values(questionnaire_id=world["other"]))
    refused(delete(CELLS).where(CELLS.c.id == world["cell"]))
    refused(insert(CELLS).values(round_id=world["round"], respondent_group="delegate",
                                 unit_type="agency", questionnaire_id=world["other"], quota=5))
    # Moving another round's cell into the published round is refused too.
    refused(update(CELLS).where(CELLS.c.id == world["closed_cell"]).values(round_id=world["round"]))
    cell = db.session.get(RatingCell, world["cell"])
    assert (cell.quota, cell.questionnaire_id) == (30, world["questionnaire"])
    assert len(db.session.get(SurveyRound, world["round"]).rating_cells) == 1


def test_a_published_round_cannot_be_deleted(world):
    with db.engine.connect() as connection:
        with pytest.raises(ImmutableRecordError):
            connection.execute(delete(ROUNDS).where(ROUNDS.c.id == world["round"]))
    assert db.session.get(SurveyRound, world["round"]) is not None


def test_closed_rounds_still_change_and_publish(world):
    db.session.execute(update(CELLS).where(CELLS.c.id == world["closed_cell"]).values(quota=40))
    db.session.execute(update(ROUNDS).where(ROUNDS.c.id == world["closed"])
                       .values(title="Đợt đã đóng (sửa tên)"))
    db.session.commit()
    change_status(db.session.get(SurveyRound, world["closed"]), "published")
    db.session.commit()
    stored = db.session.get(SurveyRound, world["closed"])
    assert (stored.status, stored.title) == ("published", "Đợt đã đóng (sửa tên)")
    assert db.session.get(RatingCell, world["closed_cell"]).quota == 40


def test_the_database_refuses_without_the_app(world):
    """A bare DBAPI connection (no SQLAlchemy hook) gets the refusal and its sentence."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with pytest.raises(Exception) as caught:
            cursor.execute(f"UPDATE survey_rounds SET status = 'open' WHERE id = {world['round']}")
        raw.rollback()
    finally:
        raw.close()
    assert "[immutable:survey_rounds]" in str(caught.value)
    assert "a published round cannot be changed" in str(caught.value)
    assert "IntegrityError" in {cls.__name__ for cls in type(caught.value).__mro__}


def test_orm_edits_are_refused_with_a_sentence(world):
    survey_round = db.session.get(SurveyRound, world["round"])
    survey_round.code = "DOI-MA"
    with pytest.raises(ImmutableRecordError, match="published round cannot be changed"):
        db.session.flush()
    db.session.rollback()
    questionnaire = db.session.get(QuestionnaireVersion, world["questionnaire"])
    questionnaire.status = "draft"
    with pytest.raises(PublishedDocumentError):
        db.session.flush()
    db.session.rollback()


def test_a_staff_page_that_hits_the_refusal_shows_the_sentence(app, world):
    def edit_published_round():
        db.session.execute(update(ROUNDS).where(ROUNDS.c.id == world["round"]).values(year=1999))
        db.session.commit()
        return "changed"

    app.add_url_rule("/test-only/edit-round", "edit_round", edit_published_round)
    app.add_url_rule("/api/v1/test-only/edit-round", "api_edit_round", edit_published_round)
    page = app.test_client().get("/test-only/edit-round")
    assert page.status_code == 409
    assert "Đợt khảo sát đã công bố không sửa" in page.get_data(as_text=True)
    answer = app.test_client().get("/api/v1/test-only/edit-round")
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "immutable_record"
    assert error["message_vi"].startswith("Đợt khảo sát đã công bố")
    assert error["message_en"].startswith("A published round cannot be changed")
    assert db.session.get(SurveyRound, world["round"]).year == 2025


def test_the_triggers_exist_at_the_head_revision(app_ctx):
    """A later revision that rebuilds a table (SQLite batch mode) must recreate its triggers."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    present = set(db.session.execute(text(query)).scalars())
    expected = set(record_triggers.trigger_names(dialect))
    assert len(expected) >= 11
    assert expected <= present


def test_emptying_a_table_of_protected_rows_is_refused(world):
    """TRUNCATE on PostgreSQL; SQLite has none, its way of emptying a table is an unqualified
    DELETE (whose truncate shortcut SQLite skips when the table has triggers)."""
    wipe = "TRUNCATE {} CASCADE" if db.engine.dialect.name == "postgresql" else "DELETE FROM {}"
    for table in ("survey_rounds", "methodology_packs", "audit_events"):
        with pytest.raises(ImmutableRecordError):
            db.session.execute(text(wipe.format(table)))
        db.session.rollback()
    assert db.session.get(SurveyRound, world["round"]) is not None
