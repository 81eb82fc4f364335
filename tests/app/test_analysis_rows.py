"""A round's responses are parsed once per process and only new ones are read after a change;
the arrays handed to the analysis are still those of a full read after a new response, a
quarantine decision, a deleted response or a response changed in place (a stale or misaligned
kept row fails these tests)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.builders import create_scored_response, open_scored_round_as_admin

PAGE = "/results/KQ-2025?min_n=3"


@pytest.fixture
def parsed(monkeypatch):
    """How many responses each gather parsed (chunks of fewer than ``CHUNK`` responses)."""
    from survey_app.operations import analysis_rows

    sizes = []
    real = analysis_rows.parse_rows

    def counting(rows, forms):
        if rows:
            sizes.append(len(rows))
        return real(rows, forms)

    monkeypatch.setattr(analysis_rows, "parse_rows", counting)
    return sizes


@pytest.fixture
def scored(client, app_ctx):
    return open_scored_round_as_admin(client)


def _fields(data) -> dict:
    """Every array of a RoundData as plain lists (NaN as None), to compare two gathers."""
    def plain(value):
        if isinstance(value, np.ndarray):
            return [None if isinstance(v, float) and np.isnan(v) else v
                    for v in value.ravel().tolist()] + [value.shape]
        if isinstance(value, dict):
            return [(key, plain(v)) for key, v in value.items()]
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return {name: plain(getattr(data, name)) for name in data.__dataclass_fields__}


def _full_read(survey_round):
    """The round gathered from scratch (nothing kept)."""
    from survey_app.operations.analysis_rows import forget_rows
    from survey_app.operations.analysis_run import gather_round

    forget_rows()
    return gather_round(survey_round)


def _results(survey_round):
    from survey_app.operations.analysis_cache import cached_analysis

    result = cached_analysis(survey_round, min_n=3)
    return ([repr(cp) for cp in result.points], [repr(cp) for cp in result.points_all],
            repr(result.sipas), result.counts, result.quarantined, result.responses)


def _fresh_results(survey_round):
    from survey_app.operations.analysis_rows import forget_rows
    from survey_app.operations.analysis_run import analyze_round

    forget_rows()
    result = analyze_round(survey_round, min_n=3)
    return ([repr(cp) for cp in result.points], [repr(cp) for cp in result.points_all],
            repr(result.sipas), result.counts, result.quarantined, result.responses)


def test_a_new_response_is_the_only_one_parsed_again(client, scored, parsed):
    from survey_app.extensions import db
    from survey_app.operations.analysis_run import gather_round

    assert client.get(PAGE).status_code == 200
    assert parsed == [11]
    sipas, delegate = scored["forms"]
    unit_a, unit_b = scored["units"]
    create_scored_response(scored["round"], unit_b, sipas, "citizen", stratum="B",
                           base_weight=5.0, answers={"a1": "3", "a2": "dk", "b1": "5"},
                           paradata={"total_seconds": 15.0, "device_hash": "d1"})
    create_scored_response(scored["round"], unit_a, delegate, "delegate", answers={"d1": "C"})
    db.session.commit()
    assert client.get(PAGE).status_code == 200
    assert parsed == [11, 2]
    kept = gather_round(scored["round"])
    assert _fields(kept) == _fields(_full_read(scored["round"]))
    shown = _results(scored["round"])
    assert shown[5] == 13 and shown == _fresh_results(scored["round"])


def test_a_quality_decision_shows_without_parsing_again(client, scored, parsed):
    from survey_app.extensions import db
    from survey_app.models import Response

    before = _results(scored["round"])
    assert client.post("/results/KQ-2025/quality").status_code == 302
    db.session.expire_all()
    after = _results(scored["round"])
    assert parsed == [11]   # the page, the decision, the page again: parsed once
    stored = db.session.scalars(db.select(Response.id).filter_by(
        round_id=scored["round"].id, quarantined=True)).all()
    assert after[4] == len(stored) and before[4] == 1
    assert after == _fresh_results(scored["round"])


def test_a_quarantine_changed_by_hand_shows(client, scored, parsed):
    from survey_app.extensions import db
    from survey_app.models import Response

    before = _results(scored["round"])
    flagged = db.session.scalar(db.select(Response).filter_by(
        round_id=scored["round"].id, quarantined=True))
    flagged.quarantined = False
    db.session.commit()
    after = _results(scored["round"])
    assert after[4] == 0 and before[4] == 1
    assert after == _fresh_results(scored["round"])


def test_a_deleted_response_reads_the_round_again(client, scored, parsed):
    from survey_app.extensions import db
    from survey_app.models import Response

    before = _results(scored["round"])
    last = db.session.scalar(db.select(Response).filter_by(round_id=scored["round"].id)
                             .order_by(Response.id.desc()))
    db.session.delete(last)
    db.session.commit()
    after = _results(scored["round"])
    assert parsed[:2] == [11, 10] and after[5] == before[5] - 1
    assert after == _fresh_results(scored["round"])


def test_a_response_changed_in_place_reads_the_round_again(client, scored, parsed):
    from survey_app.extensions import db
    from survey_app.models import Response

    _results(scored["round"])
    unit_a, unit_b = scored["units"]
    moved = db.session.scalar(db.select(Response).filter_by(
        round_id=scored["round"].id, rated_unit_id=unit_a.id, respondent_group="delegate")
        .order_by(Response.id))
    moved.rated_unit_id = unit_b.id
    create_scored_response(scored["round"], unit_a, scored["forms"][1], "delegate",
                           answers={"d1": "A"})   # a new response: the data version changes
    db.session.commit()
    after = _results(scored["round"])
    assert parsed[:2] == [11, 12]
    assert after == _fresh_results(scored["round"])


def test_a_round_read_by_small_chunks_is_the_same(client, scored, parsed, monkeypatch):
    from survey_app.operations import analysis_rows
    from survey_app.operations.analysis_run import gather_round

    whole = _fields(gather_round(scored["round"]))
    monkeypatch.setattr(analysis_rows, "CHUNK", 3)
    assert _fields(_full_read(scored["round"])) == whole
    assert parsed == [11, 3, 3, 3, 2]


def test_a_draft_form_imported_again_reads_the_round_again(client, scored, parsed):
    from survey_app.extensions import db
    from survey_app.models import QuestionnaireVersion

    delegate = scored["forms"][1]
    draft = QuestionnaireVersion(form_key=delegate.form_key, version="draft", title="Nháp",
                                 respondent_group="delegate", content=dict(delegate.content),
                                 content_hash="a" * 64, status="draft")
    db.session.add(draft)
    db.session.flush()
    unit_a = scored["units"][0]
    create_scored_response(scored["round"], unit_a, draft, "delegate", answers={"d1": "A"})
    db.session.commit()
    _results(scored["round"])
    draft.content_hash = "b" * 64   # the draft replaced by another import of the same version
    create_scored_response(scored["round"], unit_a, delegate, "delegate", answers={"d1": "B"})
    db.session.commit()
    after = _results(scored["round"])
    assert parsed[:2] == [12, 13]
    assert after == _fresh_results(scored["round"])
