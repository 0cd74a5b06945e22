"""A bar chart of sales by day as inline SVG, drawn on the server (no script).

The chart takes the panel's whole width at a fixed height: horizontal positions are
percentages of the width and vertical ones pixels, so bars stretch with the page while
the labels keep their size (a viewBox would scale both, and letterbox a wide panel).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from entrypoints.http.pages.html import Markup, h, join

HEIGHT, BOTTOM, TOP = 200, 22, 18


def bar_chart(days: Sequence[date], amounts: dict[date, Decimal], currency: str) -> Markup:
    """One bar per day of `days` (a day without sales has none), its height the amount;
    each bar's tooltip names its day and amount."""
    if not days:
        return Markup("")
    top = max(amounts.values(), default=Decimal(0)) or Decimal(1)
    step = 100 / len(days)
    plot = HEIGHT - BOTTOM - TOP
    bars = []
    for index, day in enumerate(days):
        amount = amounts.get(day, Decimal(0))
        if amount <= 0:
            continue
        height = max(1.0, float(amount / top) * plot)
        bars.append(
            h(
                '<rect class="bar" x="{x}%" y="{y}" width="{w}%" height="{height}">'
                "<title>{day}: {amount} {currency}</title></rect>",
                x=f"{index * step + step * 0.1:.3f}",
                y=f"{TOP + plot - height:.1f}",
                w=f"{step * 0.8:.3f}",
                height=f"{height:.1f}",
                day=day.isoformat(),
                amount=f"{amount:,.2f}",
                currency=currency,
            )
        )
    return h(
        '<svg class="chart" height="{height}" role="img" aria-label="{label}">'
        '<line class="axis" x1="0" x2="100%" y1="{base}" y2="{base}"/>'
        '<text x="0" y="12">{top_label}</text>{bars}'
        '<text x="0" y="{bottom}">{first}</text>'
        '<text x="100%" y="{bottom}" text-anchor="end">{last}</text></svg>',
        height=HEIGHT,
        base=HEIGHT - BOTTOM + 0.5,
        label=f"Sales by day in {currency}",
        bottom=HEIGHT - 6,
        top_label=f"{top:,.2f} {currency}",
        bars=join(bars),
        first=days[0].isoformat(),
        last=days[-1].isoformat(),
    )
