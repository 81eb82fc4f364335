"""Issue 12, "Charts where people would rather look than read": criterion points against their
maximum on the round's results page (the units of each type: mean, lowest and highest), and each
unit's change from last year on the combined-index page, read back from the marks through the
axis the reader sees; and the two analysis functions behind them on hand-worked numbers."""
from __future__ import annotations

import io

import pytest

from analysis.combiner import CriterionChange, unit_changes
from analysis.criterion_spread import criterion_spread
from analysis.points import CriterionPoints
from tests.app.test_charts import axis_map, marks, rows_of, table_rows
from tests.app.test_charts_pages import _login, figure
from tests.builders import create_scored_round


def _points(unit, criterion, points, max_points=4.0):
    return CriterionPoints(unit, criterion, points, max_points, 0.1, points - 0.2, points + 0.2,
                           10.0, 12, 11.0, (), ())


def test_criterion_spread_is_the_units_mean_lowest_and_highest_per_unit_type():
    points = [_points("A1", "1.2", 3.0), _points("A2", "1.2", 2.0), _points("A3", "1.2", 3.5),
              _points("X1", "1.2", 1.0), _points("A1", "8", 6.0, 8.0), _points("Z9", "8", 0.0)]
    spread = criterion_spread(points, {"A1": "agency", "A2": "agency", "A3": "agency",
                                       "X1": "commune"})
    assert [(s.unit_type, s.criterion) for s in spread] == [
        ("agency", "1.2"), ("agency", "8"), ("commune", "1.2")]       # Z9: no type, left out
    first = spread[0]
    assert (first.mean, first.low, first.high, first.units, first.max_points) == (
        pytest.approx(8.5 / 3), 2.0, 3.5, 3, 4.0)
    assert (spread[1].mean, spread[1].max_points, spread[2].units) == (6.0, 8.0, 1)


def test_unit_changes_sum_the_criteria_known_in_both_years():
    changes = [CriterionChange("A", "1.1", 3.0, 3.5, -0.5, 0.5),
               CriterionChange("A", "1.2", 1.5, 1.0, 0.5, 0.0),
               CriterionChange("A", "8", 2.0, None, None, None),      # unknown last year
               CriterionChange("B", "1.1", 2.0, None, None, None)]    # a unit formed since
    [a] = unit_changes(changes)
    assert (a.unit, a.points, a.previous, a.change, a.lost, a.criteria) == (
        "A", 4.5, 4.5, 0.0, 0.5, 2)     # a gain elsewhere does not hide the 0,5 lost


def _scored(app_ctx):
    from survey_app.extensions import db

    made = create_scored_round(status="published")
    db.session.commit()
    return made


def test_results_page_draws_each_criterion_of_each_unit_type_against_its_maximum(app_ctx, client):
    from survey_app.operations.analysis_run import analyze_round

    made = _scored(app_ctx)
    result = analyze_round(made["round"], min_n=3)
    _login(client, "council")
    html = client.get("/results/KQ-2025?min_n=3").get_data(as_text=True)
    chart = figure(html, "chart-criterion-overview")
    assert html.index('id="chart-sipas-ranking"') < html.index('id="chart-criterion-overview"')
    to_value = axis_map(chart)
    types = {"SO-A": "agency", "XA-B": "commune"}
    expected = {}
    for cp in result.points:
        expected.setdefault((types[cp.unit], cp.criterion), []).append(cp)
    drawn = rows_of(chart)
    assert len(drawn) == len(expected) >= 3
    from survey_app.labels import unit_type_label
    for row, ((unit_type, criterion), cells) in zip(drawn, expected.items()):
        label = row.get("data-label")
        assert label.split(": ")[1].startswith(criterion + " ")
        assert label.startswith(unit_type_label(unit_type) + ": ")
        values = [cp.points for cp in cells]
        [bar] = marks(row, "rect", "value")
        [maximum] = marks(row, "rect", "maximum")
        [whisker] = marks(row, "line", "interval")
        end = to_value(float(bar.get("x")) + float(bar.get("width")))
        assert end == pytest.approx(sum(values) / len(values), abs=0.01)
        assert to_value(float(maximum.get("x")) + float(maximum.get("width"))) == pytest.approx(
            cells[0].max_points, abs=0.01)
        assert to_value(float(whisker.get("x1"))) == pytest.approx(min(values), abs=0.01)
        assert to_value(float(whisker.get("x2"))) == pytest.approx(max(values), abs=0.01)
    assert len(table_rows(chart)) == len(expected)


def test_combined_index_page_draws_each_units_change_from_last_year(app_ctx, client):
    from survey_app.operations.analysis_run import analyze_round

    made = _scored(app_ctx)
    now = {(cp.unit, cp.criterion): cp.points
           for cp in analyze_round(made["round"], min_n=3).points}
    self_assessment = "unit_code,criterion_code,points\nSO-A,1.1,3\nXA-B,1.1,2.5\n"
    # last year: the agency only (the commune is new), 1.1 lost 0.5 and criterion 8 unknown
    previous = "unit_code,criterion_code,points\nSO-A,1.1,3.5\nSO-A,1.2,0.25\n"
    _login(client, "council")
    reply = client.post("/results/KQ-2025/index?min_n=3", content_type="multipart/form-data",
                        data={"csv_file": (io.BytesIO(self_assessment.encode()), "tda.csv"),
                              "previous_file": (io.BytesIO(previous.encode()), "truoc.csv")})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and 'id="problems"' not in html, html[-2000:]
    chart = figure(html, "chart-unit-changes")
    to_value = axis_map(chart)
    [row] = rows_of(chart)                                  # Xã B has no previous year
    assert row.get("data-label") == "Sở A"
    change = (3 - 3.5) + (now["SO-A", "1.2"] - 0.25)
    [bar] = marks(row, "rect", "gain" if change >= 0 else "loss")
    ends = sorted(to_value(float(bar.get("x")) + d) for d in (0, float(bar.get("width"))))
    assert ends == pytest.approx(sorted((0.0, change)), abs=0.01)
    [cells] = table_rows(chart)
    this_year = 3 + now["SO-A", "1.2"]
    assert cells[1:3] == [f"{this_year:.2f}".replace(".", ","), "3,75"]
    assert [a.get("href") for a in chart.iter("a")] == ["/results/KQ-2025/units/SO-A"]


def test_results_page_draws_each_units_change_from_the_last_published_round(app_ctx, client):
    from survey_app.extensions import db

    last = create_scored_round(status="published", code="KQ-2024", year=2024,
                               delegate_answers=(("A", "A", False), ("A", "A", False),
                                                 ("A", "A", False), ("B", "A", False),
                                                 ("B", "D", False)))
    create_scored_round(status="published", code="KQ-2025", year=2025, province=last["province"],
                        units=last["units"])
    db.session.commit()
    _login(client, "council")
    html = client.get("/results/KQ-2025?min_n=3").get_data(as_text=True)
    chart = figure(html, "chart-unit-changes")
    to_value = axis_map(chart)
    rows = {r.get("data-label"): r for r in rows_of(chart)}
    assert set(rows) == {"Sở A", "Xã B"}
    # Sở A: criterion 1.2 fell from 2,00 to 1,20 (tests/app/test_charts_pages.py), SIPAS the same
    [loss] = marks(rows["Sở A"], "rect", "loss")
    assert to_value(float(loss.get("x"))) == pytest.approx(-0.8, abs=0.001)
    assert to_value(float(loss.get("x")) + float(loss.get("width"))) == pytest.approx(0, abs=1e-3)
    assert 'href="#unit-changes"' in html
    alone = client.get("/results/KQ-2024?min_n=3").get_data(as_text=True)
    assert 'id="chart-unit-changes"' not in alone            # no earlier round to compare with
