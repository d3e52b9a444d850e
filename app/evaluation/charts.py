"""Charts of the evaluation pages, described on the server and drawn in the
browser by the vendored Apache ECharts (static/js/charts.js; nothing fetched
from outside, DESIGN principle 7).

A chart is a plain dict the page embeds as JSON; the page puts the same
figures in a table beside it, which is what screen readers and the printed
page use (the print stylesheet hides the charts)."""

from __future__ import annotations

from datetime import date


def line_chart(title: str, points: list[tuple[date, float | None]], unit: str = "",
               max_value: float | None = None) -> dict:
    """A line over days; a day without data (None) leaves a gap."""
    return {"type": "line", "title": title, "unit": unit, "max": max_value,
            "labels": [d.strftime("%m-%d") for d, _ in points],
            "values": [v for _, v in points]}


def bar_chart(title: str, bars: list[tuple[str, float | None]], unit: str = "",
              max_value: float | None = None) -> dict:
    """One bar per label (a unit), in the order given."""
    return {"type": "bar", "title": title, "unit": unit, "max": max_value,
            "labels": [label for label, _ in bars], "values": [v for _, v in bars]}
