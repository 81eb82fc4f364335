"""Charts as SVG drawn on the server: small pure functions from numbers to markup (``core``,
``intervals``, ``bars``: no Flask, no database), tested on the marks they draw and usable by pages
and documents alike; ``pages`` picks the numbers out of the analysis objects for the results and
monitor pages. No chart service, no JavaScript needed to see them."""
from __future__ import annotations

from survey_app.charts.bars import bars_against_maximum, change_bars, daily_columns, share_bars
from survey_app.charts.core import Row, Scale, number, percent
from survey_app.charts.intervals import compared_intervals, ranked, ranked_intervals

__all__ = ["Row", "Scale", "bars_against_maximum", "change_bars", "compared_intervals",
           "daily_columns", "init_app", "number", "percent", "ranked", "ranked_intervals",
           "share_bars"]


def init_app(app) -> None:
    """The page charts as Jinja globals (``sipas_ranking_chart(result, units)``…) and the locale
    number filters ``fmt_number`` and ``fmt_percent`` (0–100) (75,63 / 75,63 % in Vietnamese)."""
    from survey_app.charts import pages
    from survey_app.i18n import current_lang

    app.jinja_env.globals.update(
        sipas_ranking_chart=pages.sipas_ranking,
        sipas_elements_chart=pages.sipas_elements,
        criterion_points_chart=pages.criterion_points,
        criterion_overview_chart=pages.criterion_overview,
        unit_changes_chart=pages.unit_changes,
        points_changes_chart=pages.points_changes,
        quota_chart=pages.quota_progress,
        daily_responses_chart=pages.responses_per_day,
        quality_flags_chart=pages.quality_flags,
    )
    app.jinja_env.filters.update(
        fmt_number=lambda value, digits=2: number(value, current_lang(), digits),
        fmt_percent=lambda value, digits=2: percent(value, current_lang(), digits),
    )
