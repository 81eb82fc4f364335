"""The charts on the pages: the demo round's results, a unit's page and the monitor draw the numbers
the analysis and the monitor's counts produced (read back from the marks through the axis), the
long tables wait behind <details>, and the monitor's counts come from the stored responses."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.app.test_charts import SVG, axis_map, axis_map_y, marks, parse, rows_of, table_rows
from tests.builders import create_response, create_scored_round, create_unit, create_user, log_in


def figure(html: str, chart_id: str):
    found = re.search(rf'<figure class="chart" id="{chart_id}">.*?</figure>', html, re.DOTALL)
    assert found, f"no chart {chart_id}"
    return parse(found.group(0))


def _login(client, role: str = "admin", unit=None) -> None:
    from survey_app.extensions import db

    user = create_user(role, unit=unit)
    db.session.commit()
    log_in(client, user)


@pytest.fixture
def demo(app_ctx):
    from survey_app.extensions import db
    from survey_app.operations.demo import seed_demo

    seeded = seed_demo()
    db.session.commit()
    return seeded["round"]


def test_demo_results_and_unit_pages_draw_the_analysis(demo, client):
    from survey_app.extensions import db
    from survey_app.models import Unit
    from survey_app.operations.analysis_run import analyze_round

    result = analyze_round(demo)
    names = dict(db.session.execute(db.select(Unit.code, Unit.name)).all())
    share = {i.unit: i.share for i in result.sipas.indices if i.level == "overall"}
    _login(client)
    html = client.get("/results/DEMO-2025").get_data(as_text=True)

    ranking = figure(html, "chart-sipas-ranking")
    to_value = axis_map(ranking)
    drawn = rows_of(ranking)
    units = [code for code in share if code is not None]
    assert len(drawn) == len(units) == 22
    by_name = {names[code]: share[code] for code in units}
    values = []
    for row in drawn:
        [dot] = marks(row, "circle", "estimate")
        [whisker] = marks(row, "line", "interval")
        expected = by_name[row.get("data-label")]
        assert to_value(float(dot.get("cx"))) == pytest.approx(expected.value, abs=0.01)
        assert to_value(float(whisker.get("x1"))) == pytest.approx(expected.ci_low, abs=0.01)
        values.append(expected.value)
    assert values == sorted(values, reverse=True)
    [province] = [m for m in ranking.iter(f"{SVG}line") if m.get("class") == "reference"]
    assert to_value(float(province.get("x1"))) == pytest.approx(share[None].value, abs=0.01)
    links = [a.get("href") for a in ranking.iter("a")]
    assert "/results/DEMO-2025/units/SO-NV" in links and len(links) == 22
    # summary and chart first; every long table behind a closed <details>
    assert (html.index('id="chart-sipas-ranking"')
            < html.index("<details id=\"response-rates-section\""))
    for section, table in (("response-rates-section", "response-rates"), ("sipas-section", "sipas"),
                           ("points-section", "points")):
        opened = html.index(f'<details id="{section}"')
        assert opened < html.index(f'<table id="{table}"') < html.index("</details>", opened)

    unit_html = client.get("/results/DEMO-2025/units/SO-NV").get_data(as_text=True)
    elements = figure(unit_html, "chart-sipas-elements")
    to_value = axis_map(elements)
    element_index = {(i.unit,
                      i.code): i.share for i in result.sipas.indices if i.level == "element"}
    codes = [code for unit, code in element_index if unit == "SO-NV"]
    assert len(rows_of(elements)) == len(codes) == 5
    for row, code in zip(rows_of(elements), codes):
        [own] = marks(row, "circle", "estimate")
        [whole] = marks(row, "circle", "reference")
        own_value = element_index["SO-NV", code].value
        province_value = element_index[None, code].value
        assert to_value(float(own.get("cx"))) == pytest.approx(own_value, abs=0.01)
        assert to_value(float(whole.get("cx"))) == pytest.approx(province_value, abs=0.01)
    points = figure(unit_html, "chart-criterion-points")
    to_value = axis_map(points)
    own_points = result.points_by_unit()["SO-NV"]
    assert len(rows_of(points)) == len(own_points)
    for row, cp in zip(rows_of(points), own_points):
        [bar] = marks(row, "rect", "value")
        assert row.get("data-label").startswith(cp.criterion + " ")
        end = to_value(float(bar.get("x")) + float(bar.get("width")))
        assert end == pytest.approx(cp.points, abs=0.01)
    assert 'id="chart-points-changes"' not in unit_html     # the demo has no earlier round

    from flask_babel import refresh

    refresh()   # the test's app context outlives requests: forget the cached locale
    english = client.get("/results/DEMO-2025?lang=en").get_data(as_text=True)
    refresh()
    first = table_rows(figure(english, "chart-sipas-ranking"))[0]
    assert re.fullmatch(r"\d{2}\.\d{2}%", first[2])
    assert "Units ranked by" in english


def test_demo_monitor_draws_days_quotas_and_flags(demo, client):
    from survey_app.extensions import db
    from survey_app.models import Response
    from survey_app.operations.analysis_run import apply_quality_flags

    apply_quality_flags(demo)
    db.session.commit()
    stored = db.session.execute(db.select(Response.submitted_on, Response.quality_flags)).all()
    _login(client)
    html = client.get(f"/admin/rounds/{demo.id}/monitor").get_data(as_text=True)
    assert " / English" not in html and "/ progress" not in html

    days = figure(html, "chart-days")
    counts = [int(cells[1].replace(".", "")) for cells in table_rows(days)]
    first, last = min(d for d, _ in stored), max(d for d, _ in stored)
    assert len(counts) == (last - first).days + 1 and sum(counts) == len(stored) == 2460
    to_value = axis_map_y(days)
    per_day = {}
    for day, _flags in stored:
        per_day[day] = per_day.get(day, 0) + 1
    for i, column in enumerate(rows_of(days, "column")):
        expected = per_day.get(first + dt.timedelta(days=i), 0)
        bars = marks(column, "rect", "value")
        assert to_value(float(bars[0].get("y"))) == pytest.approx(expected, abs=0.01)

    from survey_app.operations.monitor_series import quality_flag_counts
    from survey_app.operations.round_progress import unit_progress

    quota = figure(html, "chart-quota")
    to_value = axis_map(quota)
    progress = {p.unit.name: p for p in unit_progress(demo)}
    assert len(rows_of(quota)) == len(progress) == 22
    kept = db.session.scalar(db.select(db.func.count(Response.id))
                             .where(Response.quarantined.is_(False)))
    assert sum(p.responses for p in progress.values()) == kept
    for row in rows_of(quota):    # each unit's bar ends at its responses, the pale one at quota
        unit = progress[row.get("data-label")]
        [received] = marks(row, "rect", "value")
        [target] = marks(row, "rect", "maximum")
        assert to_value(float(received.get("x")) + float(received.get("width"))) == (
            pytest.approx(unit.responses, abs=0.01))
        assert to_value(float(target.get("x")) + float(target.get("width"))) == (
            pytest.approx(unit.target, abs=0.01))
    flags = figure(html, "chart-flags")
    speeders = sum("speeder" in (f or []) for _, f in stored)
    [speeder_row] = [r for r in table_rows(flags) if r[0] == "Trả lời quá nhanh"]
    assert int(speeder_row[1].replace(".", "")) == speeders
    to_value = axis_map(flags)
    shares = [share * 100 for _name, _count, share in quality_flag_counts(demo).rows()]
    assert len(rows_of(flags)) == len(shares)
    for row, share in zip(rows_of(flags), shares):     # each flag's bar ends at its percentage
        for bar in marks(row, "rect", "value"):
            end = to_value(float(bar.get("x")) + float(bar.get("width")))
            assert end == pytest.approx(share, abs=0.01)


def test_unit_page_draws_the_change_from_last_year(app_ctx, client):
    from survey_app.extensions import db

    last = create_scored_round(status="published", code="KQ-2024", year=2024,
                               delegate_answers=(("A", "A", False), ("A", "A", False),
                                                 ("A", "A", False), ("B", "A", False),
                                                 ("B", "D", False)))
    create_scored_round(status="published", code="KQ-2025", year=2025, province=last["province"],
                        units=last["units"])
    db.session.commit()
    _login(client, "council")
    html = client.get("/results/KQ-2025/units/SO-A?min_n=3").get_data(as_text=True)
    changes = figure(html, "chart-points-changes")
    to_value = axis_map(changes)
    rows = {r.get("data-label").split()[0]: r for r in rows_of(changes)}
    [loss] = marks(rows["1.2"], "rect", "loss")
    assert to_value(float(loss.get("x"))) == pytest.approx(-0.8, abs=0.001)
    table = {r[0].split()[0]: r for r in table_rows(changes)}
    for code, row in rows.items():   # every bar spans zero to the change its table row gives
        for bar in marks(row, "rect", "gain") + marks(row, "rect", "loss"):
            change = float(table[code][3].replace(",", "."))
            ends = sorted(to_value(float(bar.get("x")) + d) for d in (0, float(bar.get("width"))))
            assert ends == pytest.approx(sorted((0.0, change)), abs=0.006)
    [row] = [r for r in table_rows(changes) if r[0].startswith("1.2 ")]
    assert row[1:] == ["1,20", "2,00", "-0,80"]            # this year, last year, change


def test_monitor_counts_days_with_gaps_flags_and_a_focal_points_own_unit(app_ctx):
    from survey_app.operations.monitor_series import quality_flag_counts, responses_per_day

    made = create_scored_round(status="open")
    survey_round, (unit_a, unit_b) = made["round"], made["units"]
    form = made["forms"][0]
    other = create_unit(made["province"], code="SO-C", name="Sở C", unit_type="agency")
    for day, unit, flags in ((dt.date(2025, 10, 3), unit_a, ["speeder", "straight_lining"]),
                             (dt.date(2025, 10, 3), unit_b, ["speeder"]),
                             (dt.date(2025, 10, 5), unit_a, [])):
        create_response(survey_round, unit, form, submitted_on=day, quality_flags=flags)
    create_response(survey_round, other, form, submitted_on=dt.date(2025, 9, 20))
    # create_scored_round: 11 responses received on 1 October (4 rate XA-B), one quarantined
    every = dict(responses_per_day(survey_round))
    assert min(every) == dt.date(2025, 9, 20) and max(every) == dt.date(2025, 10, 5)
    assert len(every) == 16 and every[dt.date(2025, 9, 21)] == 0
    assert every[dt.date(2025, 10, 1)] == 11 and every[dt.date(2025, 10, 3)] == 2
    assert sum(every.values()) == 15
    own = responses_per_day(survey_round, {unit_b.id})
    assert own == [(dt.date(2025, 10, 1), 4), (dt.date(2025, 10, 2), 0), (dt.date(2025, 10, 3), 1)]

    counts = quality_flag_counts(survey_round)
    assert counts.responses == 15 and counts.quarantined == 1
    assert counts.flags == {"speeder": 3, "straight_lining": 1}   # one stored by the builder
    rows = {name: (count, share) for name, count, share in counts.rows()}
    assert rows["speeder"] == (3, pytest.approx(3 / 15)) and rows["burst_duplicate"] == (0, 0.0)
    assert quality_flag_counts(survey_round, {other.id}).responses == 1
    assert quality_flag_counts(survey_round, set()).responses == 0
