"""The analytics repository on every adapter: the daily roll-up kept with the orders
(incremental) always equals the one computed from the orders (rebuild and the domain's
contribution rule), whatever sequence of order changes led there; days are the seller's
local days; the counts of work waiting."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.errors import Conflict
from domain.analytics import ALL_LISTINGS, DailyFigures, SaleFacts, changes, contribution
from domain.listings import ListingStatus
from domain.money import Money
from domain.orders import OrderItem, OrderStatus, Payment
from domain.questions import Answer, QuestionStatus
from domain.reputation import GREEN_LIMITS, RateMetric, Reputation
from domain.shipments import ShipmentStatus
from domain.sites import site

from .builders import a_listing, a_question, a_shipment, an_order, given_account

FIRST = date(2024, 1, 1)
LAST = date(2024, 12, 31)
_sellers = itertools.count(7_000_000)
_orders = itertools.count(1)


def line(item: int, quantity: int, cents: int, fee: int | None, currency: str) -> OrderItem:
    return OrderItem(
        item_id=f"MLA{1_000_000 + item}",
        title=f"listing {item}",
        quantity=quantity,
        unit_price=Money.of(Decimal(cents) / 100, currency),
        sale_fee=None if fee is None else Money.of(Decimal(fee) / 100, currency),
    )


order_version = st.fixed_dictionaries(
    {
        "order": st.integers(0, 3),
        "status": st.sampled_from(list(OrderStatus)),
        "when": st.datetimes(
            min_value=datetime(2024, 3, 1), max_value=datetime(2024, 3, 4), timezones=st.just(UTC)
        ),
        "currency": st.sampled_from(["ARS", "USD"]),
        "lines": st.lists(
            st.tuples(
                st.integers(0, 2),
                st.integers(1, 3),
                st.integers(1, 100_000),
                st.none() | st.integers(0, 5_000),
            ),
            min_size=1,
            max_size=3,
        ),
        "refunded": st.integers(0, 5_000),
        "commit_after": st.booleans(),
    }
)


def version_of(step: dict, account_id: int, base: int):
    items = tuple(line(i, q, c, f, step["currency"]) for i, q, c, f in step["lines"])
    total = sum((item.total for item in items), Money.zero(step["currency"]))
    refund = Money.of(Decimal(step["refunded"]) / 100, step["currency"])
    payment = Payment(
        id=base + step["order"],
        status="approved",
        amount=total,
        refunded_amount=refund,
        order_id=base + step["order"],
    )
    return an_order(
        order_id=base + step["order"],
        account_id=account_id,
        status=step["status"],
        items=items,
        total_amount=total,
        paid_amount=None,
        payments=(payment,),
        date_created=step["when"],
        shipping_id=None,
        pack_id=None,
    )


async def totals(uow_factory, account_id: int):
    async with uow_factory() as uow:
        days = await uow.analytics.daily_totals([account_id], FIRST, LAST)
        listings = await uow.analytics.top_listings([account_id], FIRST, LAST, "units", 1000)
    return (
        {(d.day, d.currency_id): d.figures for d in days if not d.figures.is_zero},
        sorted((x.item_id, x.currency_id, x.units, x.revenue, x.orders) for x in listings),
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    site_id=st.sampled_from(["MLA", "MLB", "MLM"]),
    steps=st.lists(order_version, min_size=1, max_size=8),
)
async def test_the_kept_roll_up_equals_a_rebuild_after_any_sequence_of_order_changes(
    uow_factory, site_id, steps
):
    account = await given_account(uow_factory, seller_id=next(_sellers), site_id=site_id)
    base = next(_orders) * 100
    latest = {}
    batch = []
    for step in steps:
        order = version_of(step, account.id, base)
        batch.append(order)
        latest[order.id] = order
        if step["commit_after"]:
            async with uow_factory() as uow:
                await uow.orders.upsert(batch)
                await uow.commit()
            batch = []
    if batch:
        async with uow_factory() as uow:
            await uow.orders.upsert(batch)
            await uow.commit()

    zone = site(site_id).zone
    expected: dict = {}
    for key, figures in changes(
        [], [contribution(SaleFacts.of(o), zone) for o in latest.values()]
    ).items():
        if key.item_id == ALL_LISTINGS:
            continue  # the day's totals: checked against the sum of the listings
        at = (key.day, key.currency_id)
        expected[at] = expected.get(at, DailyFigures()) + figures
    expected = {k: v for k, v in expected.items() if not v.is_zero}

    kept = await totals(uow_factory, account.id)
    assert kept[0] == expected
    async with uow_factory() as uow:
        assert await uow.analytics.rebuild(account.id) == len(latest)
        await uow.commit()
    assert await totals(uow_factory, account.id) == kept


async def test_a_sale_counts_on_the_sellers_local_day_not_the_utc_day(uow_factory):
    account = await given_account(uow_factory, site_id="MLA")
    # 01:30 UTC on 2 March is 22:30 on 1 March in Buenos Aires (UTC-3).
    order = an_order(account_id=account.id, date_created=datetime(2024, 3, 2, 1, 30, tzinfo=UTC))
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        await uow.commit()
    async with uow_factory() as uow:
        days = await uow.analytics.daily_totals(None, FIRST, LAST)
    assert [(d.day, d.currency_id, d.figures.orders, d.figures.units) for d in days] == [
        (date(2024, 3, 1), "ARS", 1, 3)
    ]
    assert days[0].figures.gross == 599970


async def test_a_cancellation_undoes_the_sale_and_counts_as_cancelled(uow_factory):
    account = await given_account(uow_factory)
    order = an_order(account_id=account.id, date_created=datetime(2024, 3, 2, 15, tzinfo=UTC))
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        await uow.commit()
    async with uow_factory() as uow:
        await uow.orders.upsert([attrs.evolve(order, status=OrderStatus.CANCELLED)])
        await uow.commit()
    async with uow_factory() as uow:
        (day,) = await uow.analytics.daily_totals([account.id], FIRST, LAST)
        listings = await uow.analytics.top_listings([account.id], FIRST, LAST, "revenue", 10)
    assert (day.figures.orders, day.figures.units, day.figures.gross) == (0, 0, 0)
    assert (day.figures.cancelled_orders, day.figures.cancelled_amount) == (1, 599970)
    assert listings == []


async def test_sales_of_other_accounts_and_days_and_currencies_stay_apart(uow_factory):
    one = await given_account(uow_factory, seller_id=1)
    other = await given_account(uow_factory, seller_id=2)
    async with uow_factory() as uow:
        await uow.orders.upsert(
            [
                an_order(1, account_id=one.id, date_created=datetime(2024, 3, 2, 15, tzinfo=UTC)),
                an_order(2, account_id=other.id, date_created=datetime(2024, 3, 2, 15, tzinfo=UTC)),
                an_order(3, account_id=one.id, date_created=datetime(2024, 3, 9, 15, tzinfo=UTC)),
            ]
        )
        await uow.commit()
    async with uow_factory() as uow:
        mine = await uow.analytics.daily_totals([one.id], date(2024, 3, 1), date(2024, 3, 5))
        everyone = await uow.analytics.daily_totals(None, date(2024, 3, 1), date(2024, 3, 31))
        in_usd = await uow.analytics.daily_totals(None, FIRST, LAST, "USD")
    assert [(d.day, d.figures.orders) for d in mine] == [(date(2024, 3, 2), 1)]
    assert [(d.day, d.figures.orders) for d in everyone] == [
        (date(2024, 3, 2), 2),
        (date(2024, 3, 9), 1),
    ]
    assert in_usd == []


async def test_top_listings_rank_by_units_or_revenue_with_titles(uow_factory):
    account = await given_account(uow_factory)
    cheap = line(1, 5, 100, None, "ARS")
    dear = line(2, 1, 100_000, 1_000, "ARS")
    async with uow_factory() as uow:
        await uow.listings.upsert(
            [
                a_listing(cheap.item_id, account.id, title="<script>cheap</script>"),
                a_listing(dear.item_id, account.id, title="dear"),
            ]
        )
        await uow.orders.upsert(
            [
                an_order(
                    order_id=n,
                    account_id=account.id,
                    items=(item,),
                    total_amount=item.total,
                    date_created=datetime(2024, 3, 2, 15, tzinfo=UTC),
                )
                for n, item in ((1, cheap), (2, dear))
            ]
        )
        await uow.commit()
    async with uow_factory() as uow:
        by_units = await uow.analytics.top_listings([account.id], FIRST, LAST, "units", 10)
        by_revenue = await uow.analytics.top_listings([account.id], FIRST, LAST, "revenue", 1)
    assert [(x.item_id, x.title, x.units) for x in by_units] == [
        (cheap.item_id, "<script>cheap</script>", 5),
        (dear.item_id, "dear", 1),
    ]
    assert [(x.item_id, x.revenue) for x in by_revenue] == [(dear.item_id, Decimal("1000.00"))]


async def test_work_counts_what_waits_for_the_seller(uow_factory):
    account = await given_account(uow_factory)
    now = datetime(2024, 3, 2, 15, tzinfo=UTC)
    async with uow_factory() as uow:
        await uow.listings.upsert(
            [
                a_listing("MLA1000000001", account.id),
                a_listing(
                    "MLA1000000002",
                    account.id,
                    status=ListingStatus.PAUSED,
                    sub_status=("out_of_stock",),
                    available_quantity=0,
                ),
            ]
        )
        await uow.shipments.upsert(
            [
                a_shipment(11, account.id),
                # Ready, but its label prints only tomorrow: not today's work.
                a_shipment(
                    13, account.id, substatus="printed", buffering_date=now + timedelta(days=1)
                ),
                a_shipment(12, account.id, status=ShipmentStatus.DELIVERED, substatus=None),
            ]
        )
        await uow.orders.upsert(
            [
                an_order(1, account_id=account.id, shipping_id=11, pack_id=None),
                an_order(2, account_id=account.id, shipping_id=12, pack_id=None),
            ]
        )
        await uow.questions.upsert(
            [
                a_question(21, account.id, status=QuestionStatus.UNANSWERED, answer=None),
                a_question(
                    22,
                    account.id,
                    date_created=now - timedelta(minutes=90),
                    answer=Answer(text="Sí", date_created=now - timedelta(minutes=30)),
                ),
            ]
        )
        await uow.commit()
    async with uow_factory() as uow:
        counts = await uow.analytics.work_counts([account.id], {account.id: now})
        later = await uow.analytics.work_counts([account.id], {})
        nobody = await uow.analytics.work_counts([account.id + 1], {account.id + 1: now})
        waits = await uow.analytics.answer_waits(None, now - timedelta(days=1), now)
        median = await uow.analytics.median_answer_seconds(None, now - timedelta(days=1), now)
        none = await uow.analytics.median_answer_seconds(
            None, now - timedelta(days=9), now - timedelta(days=8)
        )
    assert (
        counts.active_products,
        counts.pending_orders,
        counts.unanswered_questions,
        counts.labels_to_print,
        counts.paused_out_of_stock,
        counts.to_ship,
    ) == (1, 1, 1, 1, 1, 1)
    assert later.to_ship == 0  # no account's day given: nothing is due
    assert (nobody.active_products, nobody.pending_orders, nobody.unanswered_questions) == (0, 0, 0)
    assert waits == [3600.0]
    assert (median, none) == (3600.0, None)


async def test_visits_are_stored_per_day_replaced_when_read_again_and_give_conversion(
    uow_factory,
):
    account = await given_account(uow_factory)
    other = await given_account(uow_factory, seller_id=2)
    day = date(2024, 3, 2)
    read_at = datetime(2024, 3, 3, tzinfo=UTC)
    item = line(1, 2, 100, None, "ARS")
    async with uow_factory() as uow:
        await uow.analytics.store_visits(account.id, day, {"": 500, item.item_id: 7}, read_at)
        await uow.analytics.store_visits(other.id, day, {"": 9}, read_at)
        await uow.orders.upsert(
            [
                an_order(
                    order_id=n,
                    account_id=account.id,
                    items=(item,),
                    total_amount=item.total,
                    date_created=datetime(2024, 3, 2, 15, tzinfo=UTC),
                )
                for n in (1, 2)
            ]
        )
        await uow.commit()
    async with uow_factory() as uow:
        await uow.analytics.store_visits(account.id, day, {item.item_id: 8}, read_at)
        await uow.commit()
    async with uow_factory() as uow:
        mine = await uow.analytics.visits([account.id], FIRST, LAST)
        everyone = await uow.analytics.visits(None, FIRST, LAST)
        top = await uow.analytics.top_listings([account.id], FIRST, LAST, "units", 5)
    assert [(v.day, v.item_id, v.visits) for v in mine] == [
        (day, "", 500),
        (day, item.item_id, 8),
    ]
    assert [(v.item_id, v.visits) for v in everyone] == [("", 509), (item.item_id, 8)]
    assert [(t.visits, t.orders, t.conversion) for t in top] == [(8, 2, 0.25)]


async def test_two_writers_of_the_same_new_order_at_once_count_it_once(uow_factory):
    """The second writer waits for the first (the order's row lock, which its upsert
    takes, on PostgreSQL; the file lock on SQLite) and moves the first one's kept
    contribution, so the roll-up never holds the sale twice."""
    account = await given_account(uow_factory)
    created = datetime(2024, 3, 2, 15, tzinfo=UTC)

    async def write(status: OrderStatus, pause: float) -> None:
        async with uow_factory() as uow:
            await uow.orders.upsert(
                [an_order(77, account_id=account.id, status=status, date_created=created)]
            )
            await asyncio.sleep(pause)
            await uow.commit()

    await asyncio.gather(write(OrderStatus.PAID, 0.2), write(OrderStatus.CANCELLED, 0))
    kept = await totals(uow_factory, account.id)
    (day,) = kept[0].values()
    assert day.orders + day.cancelled_orders == 1
    async with uow_factory() as uow:
        await uow.analytics.rebuild(account.id)
        await uow.commit()
    assert await totals(uow_factory, account.id) == kept


async def test_two_writers_of_a_stored_order_at_once_leave_the_last_ones_contribution(
    uow_factory,
):
    account = await given_account(uow_factory)
    created = datetime(2024, 3, 2, 15, tzinfo=UTC)
    async with uow_factory() as uow:
        await uow.orders.upsert([an_order(78, account_id=account.id, date_created=created)])
        await uow.commit()

    async def write(status: OrderStatus, pause: float) -> None:
        async with uow_factory() as uow:
            await uow.orders.upsert(
                [an_order(78, account_id=account.id, status=status, date_created=created)]
            )
            await asyncio.sleep(pause)
            await uow.commit()

    await asyncio.gather(write(OrderStatus.CANCELLED, 0.2), write(OrderStatus.PAID, 0))
    kept = await totals(uow_factory, account.id)
    (day,) = kept[0].values()
    assert day.orders + day.cancelled_orders == 1
    async with uow_factory() as uow:
        await uow.analytics.rebuild(account.id)
        await uow.commit()
    assert await totals(uow_factory, account.id) == kept


async def test_a_stored_reputation_is_replaced_by_the_next_read_and_scoped_by_account(
    uow_factory,
):
    one = await given_account(uow_factory, seller_id=11)
    other = await given_account(uow_factory, seller_id=12)
    read_at = datetime(2024, 3, 2, 15, tzinfo=UTC)
    claims = RateMetric("claims", Decimal("0.004"), 1, "60 days", GREEN_LIMITS["claims"])
    async with uow_factory() as uow:
        await uow.analytics.store_reputation(
            one.id, Reputation("5_green", "gold", 120, (claims,)), read_at
        )
        await uow.analytics.store_reputation(other.id, Reputation(None, None, None), read_at)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.analytics.store_reputation(
            one.id, Reputation("3_yellow", None, 130), read_at + timedelta(hours=1)
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.analytics.reputation_levels(None) == {one.id: 3, other.id: None}
        assert await uow.analytics.reputation_levels([other.id]) == {other.id: None}


async def test_a_reputation_of_an_unknown_account_is_refused(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.analytics.store_reputation(
                999_999, Reputation("5_green", None, 1), datetime(2024, 3, 2, tzinfo=UTC)
            )
