"""The results page's analysis is cached per round and data version: computed once while nothing
changes, recomputed after a new response, a quarantine decision or any change of the
quarantined responses (a stale cache fails these tests)."""
from __future__ import annotations

import pytest

from tests.builders import create_scored_response, open_scored_round_as_admin

PAGE = "/results/KQ-2025?min_n=3"


@pytest.fixture
def counted(monkeypatch):
    """Counts the analyses really computed behind the cache."""
    from survey_app.operations import analysis_cache

    calls = []
    real = analysis_cache.analyze_round

    def counting(survey_round, **kw):
        calls.append(survey_round.code)
        return real(survey_round, **kw)

    monkeypatch.setattr(analysis_cache, "analyze_round", counting)
    return calls


@pytest.fixture
def scored(client, app_ctx):
    return open_scored_round_as_admin(client)


def _page(client) -> str:
    reply = client.get(PAGE)
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def _uncached(app, survey_round):
    """The figures the page must show: an analysis computed from scratch."""
    from survey_app.operations.analysis_run import analyze_round

    result = analyze_round(survey_round, min_n=3)
    return {(cp.unit, cp.criterion): cp.points for cp in result.points}, result.quarantined


def _cached(survey_round):
    from survey_app.operations.analysis_cache import cached_analysis

    result = cached_analysis(survey_round, min_n=3)
    return {(cp.unit, cp.criterion): cp.points for cp in result.points}, result.quarantined


def test_same_page_without_a_change_computed_once(client, scored, counted):
    first = _page(client)
    assert _page(client) == first and _page(client) == first
    assert counted == ["KQ-2025"]


def test_a_new_response_changes_the_results_shown(client, app, scored, counted):
    from survey_app.extensions import db

    first = _page(client)
    unit_a = scored["units"][0]
    before = _cached(scored["round"])
    # a fourth delegate rates SO-A "D": criterion 1.2 of SO-A falls
    create_scored_response(scored["round"], unit_a, scored["forms"][1], "delegate",
                           answers={"d1": "D"}, paradata={"total_seconds": 120.0})
    db.session.commit()
    second = _page(client)
    assert second != first and counted == ["KQ-2025", "KQ-2025"]
    after = _cached(scored["round"])
    assert after == _uncached(app, scored["round"])
    assert after[0][("SO-A", "1.2")] < before[0][("SO-A", "1.2")]
    assert "1,200" in first and "1,200" not in second.split('data-code="1.2"')[1][:200]


def test_a_quarantine_change_changes_the_results_shown(client, app, scored, counted):
    from survey_app.extensions import db
    from survey_app.models import Response

    first = _page(client)
    # the quarantined delegate's "D" for SO-A is let back in: 1.2 of SO-A falls
    flagged = db.session.scalar(db.select(Response).filter_by(
        round_id=scored["round"].id, quarantined=True))
    flagged.quarantined = False
    db.session.commit()
    second = _page(client)
    assert second != first and len(counted) == 2
    assert _cached(scored["round"]) == _uncached(app, scored["round"])
    assert _cached(scored["round"])[1] == 0


def test_a_quality_decision_is_recorded_and_recomputes(client, app, scored, counted):
    from survey_app.extensions import db
    from survey_app.models import AuditEvent
    from survey_app.operations.analysis_cache import data_version

    _page(client)
    version = data_version(scored["round"])
    assert client.post("/results/KQ-2025/quality").status_code == 302
    db.session.expire_all()
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="round.quality_flags"))
    assert event is not None and event.object_id == str(scored["round"].id)
    assert data_version(scored["round"]) != version   # even were the same responses quarantined
    _page(client)
    assert len(counted) == 2
    assert _cached(scored["round"]) == _uncached(app, scored["round"])


def test_other_rounds_and_min_n_are_kept_apart(client, scored, counted):
    _page(client)
    assert client.get("/results/KQ-2025?min_n=1").status_code == 200
    _page(client)
    assert counted == ["KQ-2025", "KQ-2025"]
