"""A bar chart of sales by day as inline SVG, drawn on the server (no script)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from entrypoints.http.pages.html import Markup, h, join

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 200, 8, 22, 16


def bar_chart(days: Sequence[date], amounts: dict[date, Decimal], currency: str) -> Markup:
    """One bar per day of `days` (a day without sales has none), its height the amount;
    each bar's tooltip names its day and amount."""
    if not days:
        return Markup("")
    top = max(amounts.values(), default=Decimal(0)) or Decimal(1)
    step = (WIDTH - LEFT) / len(days)
    plot = HEIGHT - BOTTOM - TOP
    bars = []
    for index, day in enumerate(days):
        amount = amounts.get(day, Decimal(0))
        if amount <= 0:
            continue
        height = max(1.0, float(amount / top) * plot)
        bars.append(
            h(
                '<rect class="bar" x="{x}" y="{y}" width="{w}" height="{height}">'
                "<title>{day}: {amount} {currency}</title></rect>",
                x=f"{LEFT + index * step + step * 0.1:.1f}",
                y=f"{TOP + plot - height:.1f}",
                w=f"{max(1.0, step * 0.8):.1f}",
                height=f"{height:.1f}",
                day=day.isoformat(),
                amount=f"{amount:,.2f}",
                currency=currency,
            )
        )
    return h(
        '<svg viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        '<text x="{left}" y="11">{top_label}</text>{bars}'
        '<text x="{left}" y="{bottom}">{first}</text>'
        '<text x="{right}" y="{bottom}" text-anchor="end">{last}</text></svg>',
        width=WIDTH,
        height=HEIGHT,
        label=f"Sales by day in {currency}",
        left=LEFT,
        right=WIDTH,
        bottom=HEIGHT - 6,
        top_label=f"{top:,.2f} {currency}",
        bars=join(bars),
        first=days[0].isoformat(),
        last=days[-1].isoformat(),
    )
