"""The dashboard's sales chart (entrypoints/http/pages/chart.py): bars placed along the
whole width in percent, heights in pixels proportional to the day's amount."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from entrypoints.http.pages.chart import BOTTOM, HEIGHT, TOP, bar_chart

DAYS = [date(2026, 11, 1) + timedelta(days=n) for n in range(10)]
BAR = re.compile(
    r'<rect class="bar" x="([\d.]+)%" y="([\d.]+)" width="([\d.]+)%" height="([\d.]+)">'
)


def bars(svg: str) -> list[tuple[float, float, float, float]]:
    return [tuple(float(v) for v in match) for match in BAR.findall(svg)]  # type: ignore[misc]


def test_one_bar_per_day_with_sales_across_the_whole_width():
    amounts = {DAYS[0]: Decimal("10"), DAYS[4]: Decimal("40"), DAYS[9]: Decimal("20")}
    svg = str(bar_chart(DAYS, amounts, "ARS"))
    drawn = bars(svg)
    assert len(drawn) == 3
    (x0, _, w, _), (x4, _, _, _), (x9, _, _, _) = drawn
    assert x0 == 1.0 and w == 8.0  # a tenth of the width each, 80% of it filled
    assert x4 == 41.0 and x9 == 91.0 and x9 + w <= 100
    plot = HEIGHT - BOTTOM - TOP
    heights = {x: height for x, _, _, height in drawn}
    assert heights[41.0] == plot and heights[1.0] == plot / 4 and heights[91.0] == plot / 2
    for _, y, _, height in drawn:
        assert y + height == HEIGHT - BOTTOM  # bars stand on the axis
    assert "<title>2026-11-05: 40.00 ARS</title>" in svg
    assert "2026-11-01" in svg and "2026-11-10" in svg and "40.00 ARS" in svg


def test_a_tiny_day_still_shows_and_days_without_sales_draw_nothing():
    amounts = {DAYS[0]: Decimal("1000000"), DAYS[1]: Decimal("0.01"), DAYS[2]: Decimal("0")}
    drawn = bars(str(bar_chart(DAYS, amounts, "ARS")))
    assert [height for *_, height in drawn] == [HEIGHT - BOTTOM - TOP, 1.0]


def test_no_days_draws_nothing_and_no_sales_an_empty_axis():
    assert str(bar_chart([], {}, "ARS")) == ""
    svg = str(bar_chart(DAYS, {}, "ARS"))
    assert bars(svg) == [] and 'class="axis"' in svg


def test_the_currency_is_escaped():
    svg = str(bar_chart(DAYS, {DAYS[0]: Decimal("5")}, "<b>"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
