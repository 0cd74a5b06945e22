"""The dashboard page: a header with the account and period pickers, then panels.

Each panel is one async function of the page's `View` returning a `<section>`; the page
shows PANELS in order. Another panel is one more function and one more entry. A panel
whose source fails (MercadoLibre down for the reputation) shows why, and the others still
show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from application.orders.views import OrderFilter
from application.queries import ListingQuery, Paging, SyncLogQuery
from application.questions.commands import QuestionFilter
from domain.accounts import Account, AccountStatus
from domain.analytics import Interval
from domain.listings import OUT_OF_STOCK, ListingStatus
from domain.questions import QuestionStatus
from entrypoints.http.pages.chart import bar_chart
from entrypoints.http.pages.html import Markup, h, join

PERIODS = (7, 30, 90, 365)
LIST_LIMIT = 10


@attrs.define(frozen=True)
class View:
    container: Any
    accounts: Sequence[Account]
    account_id: int | None
    days: int
    now: datetime

    @property
    def account_ids(self) -> list[int] | None:
        return None if self.account_id is None else [self.account_id]


Panel = Callable[[View], Awaitable[Markup]]


def section(
    title: str, body: Markup, wide: bool = False, name: str = "", double: bool = False
) -> Markup:
    """A panel: `wide` spans the page, `double` two columns where the page has them (a
    table of several columns would otherwise be cut and scroll inside a third)."""
    return h(
        '<section class="{cls}" data-panel="{name}"><h2>{title}</h2>{body}</section>',
        cls="wide" if wide else "double" if double else "",
        name=name,
        title=title,
        body=body,
    )


def table(headings: Sequence[str], rows: Sequence[Sequence[Any]], numeric: set[int]) -> Markup:
    if not rows:
        return h('<p class="muted">Nothing here.</p>')
    head = join(
        h('<th class="{c}">{t}</th>', c="n" if i in numeric else "", t=t)
        for i, t in enumerate(headings)
    )
    body = join(
        h(
            "<tr>{cells}</tr>",
            cells=join(
                h('<td class="{c}">{v}</td>', c="n" if i in numeric else "", v=value)
                for i, value in enumerate(row)
            ),
        )
        for row in rows
    )
    return h('<div class="scroll"><table><tr>{head}</tr>{body}</table></div>', head=head, body=body)


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def waited(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // 1440} days"


async def figures(view: View) -> Markup:
    stats = await view.container.dashboard_stats()(view.account_id, days=view.days)
    cells = [(money(a, c), f"sales ({c})") for c, a in stats.total_sales.items()] or [
        ("0", "sales")
    ]
    cells += [
        (stats.orders_to_ship_today, "to ship today"),
        (stats.labels_to_print, "labels to print"),
        (stats.pending_orders, "orders to fulfil"),
        (stats.unanswered_questions, "unanswered questions"),
        (stats.active_products, "active listings"),
        (stats.paused_out_of_stock, "paused, out of stock"),
        (
            "-" if stats.median_answer_minutes is None else f"{stats.median_answer_minutes} min",
            "median time to answer",
        ),
    ]
    body = h(
        '<div class="figures">{cells}</div>',
        cells=join(
            h('<div class="figure"><b>{value}</b><span>{name}</span></div>', value=v, name=n)
            for v, n in cells
        ),
    )
    period = f"{stats.first_day.isoformat()} to {stats.last_day.isoformat()}"
    return section(f"At a glance, {period}", body, wide=True, name="figures")


async def sales_chart(view: View) -> Markup:
    report = await view.container.sales_report()(
        view.account_id, interval=Interval.DAY, days=view.days
    )
    days = [
        report.first_day + timedelta(days=n)
        for n in range((report.last_day - report.first_day).days + 1)
    ]
    by_currency: dict[str, dict[date, Decimal]] = {}
    for period in report.periods:
        by_currency.setdefault(period.currency_id, {})[period.start] = period.gross
    if not by_currency:
        return section(
            "Sales by day",
            h('<p class="muted">No sales in this period.</p>'),
            wide=True,
            name="sales",
        )
    charts = join(
        h("<h3>{currency}</h3>{chart}", currency=c, chart=bar_chart(days, amounts, c))
        for c, amounts in sorted(by_currency.items())
    )
    return section("Sales by day", charts, wide=True, name="sales")


async def todays_work(view: View) -> Markup:
    c = view.container
    to_ship = await c.list_orders()(
        OrderFilter(account_id=view.account_id, status="paid", shipment_status="ready_to_ship"),
        Paging(0, LIST_LIMIT),
    )
    questions = await c.list_questions()(
        QuestionFilter(account_id=view.account_id, status=QuestionStatus.UNANSWERED.value),
        Paging(0, LIST_LIMIT),
    )
    orders_table = table(
        ("Order", "Created", "Items", "Total"),
        [
            (
                o.id,
                o.date_created.strftime("%Y-%m-%d %H:%M"),
                ", ".join(f"{i.quantity} x {i.title}" for i in o.items),
                money(o.total_amount.amount, o.currency_id),
            )
            for o in to_ship.items
        ],
        {3},
    )
    questions_table = table(
        ("Waiting", "Listing", "Question"),
        [
            (waited(q.waited.total_seconds()), q.question.item_id, q.question.text)
            for q in questions.items
        ],
        set(),
    )
    body = h(
        "<h3>Orders to ship ({ship})</h3>{orders}"
        "<h3>Unanswered questions, oldest first ({asked})</h3>{questions}",
        ship=to_ship.total,
        orders=orders_table,
        asked=questions.total,
        questions=questions_table,
    )
    return section("Today's work", body, name="work", double=True)


async def unread_messages(view: View) -> Markup:
    """Buyers' messages the seller has not read, the conversation waiting longest first,
    from the stored messages (the `messages` job and notifications keep them): no
    MercadoLibre call."""
    wanted = [a for a in view.accounts if view.account_id in (None, a.id)]
    found = []
    for account in wanted:
        assert account.id is not None
        found += [(account, u) for u in await view.container.list_stored_unread()(account.id)]
    found.sort(key=lambda pair: pair[1].oldest.date_created)
    rows = [
        (
            waited((view.now - u.oldest.date_created).total_seconds()),
            account.nickname,
            u.order_id or u.pack_id,
            u.unread,
            u.oldest.text,
        )
        for account, u in found[:LIST_LIMIT]
    ]
    return section(
        f"Unread messages, oldest first ({len(found)})",
        table(("Waiting", "Account", "Order", "Unread", "First unread"), rows, {3}),
        name="messages",
    )


async def reputation(view: View) -> Markup:
    found = await view.container.reputation()(view.account_id)
    parts = []
    for one in found:
        if one.reputation is None:
            parts.append(h('<p class="error">{n}: {e}</p>', n=one.nickname, e=one.error))
            continue
        r = one.reputation
        rows = [
            (
                m.name.replace("_", " "),
                "-" if m.rate is None else f"{m.rate * 100:.2f}%",
                f"{m.limit * 100:.1f}%",
                Markup('<span class="ok">within</span>')
                if m.within_limit
                else Markup('<span class="bad">over</span>')
                if m.within_limit is False
                else "-",
            )
            for m in r.metrics
        ]
        parts.append(
            h(
                "<p><b>{n}</b>: level {level}, {power}</p>{rates}",
                n=one.nickname,
                level=r.level_id or "none yet",
                power=f"MercadoLíder {r.power_seller_status}"
                if r.power_seller_status
                else "not MercadoLíder",
                rates=table(("Rate (60 days)", "Now", "Green limit", ""), rows, {1, 2}),
            )
        )
    return section(
        "Reputation", join(parts) or h('<p class="muted">No account.</p>'), name="reputation"
    )


async def top_listings(view: View) -> Markup:
    top = await view.container.top_listings()(
        view.account_id, sort="revenue", limit=LIST_LIMIT, days=view.days
    )
    rows = [
        (
            x.title or x.item_id,
            x.units,
            money(x.revenue, x.currency_id),
            "-" if x.visits is None else x.visits,
            "-" if x.conversion is None else f"{x.conversion * 100:.1f}%",
        )
        for x in top.listings
    ]
    return section(
        "Top listings",
        table(("Listing", "Units", "Revenue", "Visits", "Conversion"), rows, {1, 2, 3, 4}),
        name="top",
        double=True,
    )


async def stock_outs(view: View) -> Markup:
    paused = await view.container.list_listings()(
        ListingQuery(
            account_id=view.account_id, status=ListingStatus.PAUSED.value, paging=Paging(0, 200)
        )
    )
    out = [x for x in paused.items if OUT_OF_STOCK in x.sub_status][:LIST_LIMIT]
    rows = [(x.title, x.item_id, x.seller_sku or "-") for x in out]
    return section(
        "Out of stock", table(("Listing", "Item", "SKU"), rows, set()), name="stock-outs"
    )


async def accounts_to_reconnect(view: View) -> Markup:
    rows = [
        (a.nickname, a.site_id, a.status_reason or "-")
        for a in view.accounts
        if a.status is AccountStatus.NEEDS_REAUTHORIZATION
    ]
    return section(
        "Accounts needing re-authorization",
        table(("Account", "Site", "Why"), rows, set()),
        name="reauthorize",
    )


async def health(view: View) -> Markup:
    c = view.container
    logs = await c.list_sync_logs()(SyncLogQuery(account_id=view.account_id, paging=Paging(0, 5)))
    dead = await c.count_open_dead_letters()()
    rows = [
        (
            s.kind.value,
            s.status.value,
            s.started_at.strftime("%Y-%m-%d %H:%M"),
            s.account_id or "-",
        )
        for s in logs.items
    ]
    body = h(
        '<p class="{cls}">{dead} open dead letter(s)</p>{logs}',
        cls="bad" if dead else "ok",
        dead=dead,
        logs=table(("Sync", "Status", "Started", "Account"), rows, set()),
    )
    return section("Sync and dead letters", body, name="health")


PANELS: tuple[Panel, ...] = (
    figures,
    sales_chart,
    todays_work,
    unread_messages,
    reputation,
    top_listings,
    stock_outs,
    accounts_to_reconnect,
    health,
)
