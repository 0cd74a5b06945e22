from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.errors import Conflict, NotFound
from application.queries import OrderQuery, Paging
from domain.money import Money
from domain.orders import OrderStatus

from .builders import BUENOS_AIRES, NOW, an_order, given_account


async def test_an_order_reads_back_with_every_field(uow_factory):
    account = await given_account(uow_factory)
    order = an_order(account_id=account.id)
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.orders.get(order.id) == order


async def test_an_order_with_only_the_required_fields_reads_back_as_stored(uow_factory):
    account = await given_account(uow_factory)
    order = an_order(
        account_id=account.id,
        status=OrderStatus.CONFIRMED,
        items=an_order().items[1:],
        total_amount=Money.of("1999.90", "ARS"),
        paid_amount=None,
        payments=(),
        shipping_id=None,
        pack_id=None,
        tags=(),
        notes=(),
        date_closed=None,
        last_updated=None,
    )
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        assert await uow.orders.get(order.id) == order


async def test_order_amounts_keep_the_precision_of_their_currency(uow_factory):
    account = await given_account(uow_factory, site_id="MCO")
    price = Money.of(125000, "COP")
    order = an_order(
        account_id=account.id,
        items=[attrs.evolve(an_order().items[0], unit_price=price, quantity=3)],
        total_amount=Money.of(375000, "COP"),
        paid_amount=Money.of(375000, "COP"),
        payments=(),
    )
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        stored = await uow.orders.get(order.id)

    assert str(stored.total_amount) == "375000 COP"
    assert str(stored.items[0].unit_price) == "125000 COP"


async def test_getting_an_unknown_order_raises_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.orders.get(404)
        assert await uow.orders.find(404) is None


async def test_upsert_replaces_a_stored_order(uow_factory):
    account = await given_account(uow_factory)
    order = an_order(account_id=account.id)
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        await uow.commit()

    order.move_to(OrderStatus.CANCELLED)
    order.add_tag("refunded")
    async with uow_factory() as uow:
        await uow.orders.upsert([order])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.orders.get(order.id) == order


async def test_an_order_of_an_unknown_account_is_refused_with_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.orders.upsert([an_order(account_id=404)])


async def _given_orders(uow_factory):
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)
    orders = [
        an_order(1, first.id, date_created=NOW - timedelta(days=2)),
        an_order(2, first.id, date_created=NOW, status=OrderStatus.CANCELLED),
        an_order(3, second.id, date_created=NOW - timedelta(days=1)),
        an_order(4, first.id, date_created=NOW - timedelta(days=1)),
    ]
    async with uow_factory() as uow:
        await uow.orders.upsert(orders)
        await uow.commit()
    return first, second


def _ids(page):
    return [order.id for order in page.items]


async def test_order_search_returns_the_newest_first(uow_factory):
    await _given_orders(uow_factory)

    async with uow_factory() as uow:
        page = await uow.orders.search(OrderQuery())

    assert _ids(page) == [2, 4, 3, 1]
    assert page.total == 4


async def test_order_search_filters_by_account_and_status(uow_factory):
    first, second = await _given_orders(uow_factory)

    async with uow_factory() as uow:
        assert _ids(await uow.orders.search(OrderQuery(account_id=second.id))) == [3]
        assert _ids(await uow.orders.search(OrderQuery(status="cancelled"))) == [2]
        paid_of_first = await uow.orders.search(OrderQuery(account_id=first.id, status="paid"))
        assert _ids(paid_of_first) == [4, 1]


async def test_order_search_takes_both_ends_of_a_creation_period(uow_factory):
    await _given_orders(uow_factory)
    # The same instants, written in Buenos Aires time.
    start = (NOW - timedelta(days=1)).astimezone(BUENOS_AIRES)
    end = NOW.astimezone(BUENOS_AIRES)

    async with uow_factory() as uow:
        within = await uow.orders.search(OrderQuery(created_from=start, created_to=end))
        since = await uow.orders.search(OrderQuery(created_from=start + timedelta(microseconds=1)))
        until = await uow.orders.search(OrderQuery(created_to=start))

    assert _ids(within) == [2, 4, 3]
    assert _ids(since) == [2]
    assert _ids(until) == [4, 3, 1]


async def test_order_search_pages_and_counts_every_match(uow_factory):
    await _given_orders(uow_factory)

    async with uow_factory() as uow:
        page = await uow.orders.search(OrderQuery(paging=Paging(offset=2, limit=1)))

    assert _ids(page) == [3]
    assert (page.total, page.offset, page.limit) == (4, 2, 1)


@pytest.mark.parametrize(
    ("offset", "limit", "ids", "total"),
    [(0, 50, [2, 4, 3, 1], 4), (2, 50, [3, 1], 4), (3, 1, [1], 4), (4, 2, [], 4), (9, 5, [], 4)],
    ids=["one-page", "last-page", "last-full-page", "just-past-the-end", "far-past-the-end"],
)
async def test_order_search_counts_every_match_from_any_page(
    uow_factory, offset, limit, ids, total
):
    await _given_orders(uow_factory)

    async with uow_factory() as uow:
        page = await uow.orders.search(OrderQuery(paging=Paging(offset=offset, limit=limit)))
        # Statuses are written into the SQL statement (a plan per status): quoted there.
        nothing = await uow.orders.search(OrderQuery(status="in'valid\\", paging=Paging(limit=1)))
        no_shipment = await uow.orders.search(OrderQuery(shipment_status="x'); --"))

    assert (_ids(page), page.total) == (ids, total)
    assert (_ids(nothing), nothing.total) == ([], 0)
    assert (_ids(no_shipment), no_shipment.total) == ([], 0)


async def _counted(uow_factory, **filters) -> tuple[int, int]:
    """The total of a page of one (counted apart from the page: the SQL adapters read the
    counts they keep when only accounts and status filter) and the matches listed."""
    async with uow_factory() as uow:
        counted = await uow.orders.search(OrderQuery(paging=Paging(limit=1), **filters))
        listed = await uow.orders.search(OrderQuery(paging=Paging(limit=200), **filters))
    return counted.total, len(listed.items)


async def test_the_count_follows_new_orders_status_changes_and_moves(uow_factory):
    first, second = await _given_orders(uow_factory)  # first: 1 paid, 2 cancelled, 4 paid
    async with uow_factory() as uow:
        stored = await uow.orders.find_many([1, 4])
    async with uow_factory() as uow:
        await uow.orders.upsert([stored[1], stored[1], stored[4]])  # again, unchanged
        await uow.commit()
    async with uow_factory() as uow:
        cancelled = attrs.evolve(stored[4], tags=("delivered", "delivered"))
        cancelled.move_to(OrderStatus.CANCELLED)
        moved = attrs.evolve(stored[1], account_id=second.id)
        new = an_order(5, first.id, date_created=NOW)
        await uow.orders.upsert([cancelled, moved, new])
        await uow.commit()
    async with uow_factory() as uow:
        await uow.orders.upsert([an_order(6, first.id)])  # never committed

    # Tags: every order has ("paid", "not_delivered") (an_order) but 4, now ("delivered",).
    expected = {
        "first": ((first.id,), None, None, 3),
        "first_cancelled": ((first.id,), "cancelled", None, 2),
        "first_paid": ((first.id,), "paid", None, 1),
        "second_paid": ((second.id,), "paid", None, 2),
        "every_cancelled": (None, "cancelled", None, 2),
        "both": ((first.id, second.id), None, None, 5),
        "none": ((), None, None, 0),
        "first_tag_paid": ((first.id,), None, "paid", 2),
        "first_tag_delivered": ((first.id,), None, "delivered", 1),
        "first_tag_deliver": ((first.id,), None, "deliver", 0),
        "every_tag_not_delivered": (None, None, "not_delivered", 4),
        "cancelled_tag_not_delivered": (None, "cancelled", "not_delivered", 1),
    }
    for name, (account_ids, status, tag, total) in expected.items():
        found = await _counted(uow_factory, account_ids=account_ids, status=status, tag=tag)
        assert found == (total, total), name
    assert await _counted(uow_factory, account_id=second.id, account_ids=(first.id,)) == (0, 0)


async def test_two_writers_of_the_same_new_order_at_once_count_it_once(uow_factory):
    """The second writer waits for the first (on PostgreSQL, the roll-up's advisory lock
    on the order id; SQLite's file lock) and reads the first one's copy before counting."""
    first, _ = await _given_orders(uow_factory)

    async def write(status: OrderStatus, pause: float) -> None:
        async with uow_factory() as uow:
            await uow.orders.upsert([an_order(77, first.id, status=status)])
            await asyncio.sleep(pause)
            await uow.commit()

    await asyncio.gather(write(OrderStatus.PAID, 0.2), write(OrderStatus.CANCELLED, 0))

    assert await _counted(uow_factory, account_id=first.id) == (4, 4)
    paid = await _counted(uow_factory, account_id=first.id, status="paid")
    cancelled = await _counted(uow_factory, account_id=first.id, status="cancelled")
    assert paid[0] + cancelled[0] == 4
    assert (paid[0], cancelled[0]) == (paid[1], cancelled[1])


_sellers = itertools.count(8_000_000)
_orders = itertools.count(1)
STATUSES = [OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.CONFIRMED]
TAGS = ["paid", "delivered", "pack_order"]

order_change = st.fixed_dictionaries(
    {
        "order": st.integers(0, 3),
        "account": st.integers(0, 1),
        "status": st.sampled_from(STATUSES),
        "tags": st.lists(st.sampled_from(TAGS), max_size=4),
        "commit_after": st.booleans(),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(order_change, min_size=1, max_size=8))
async def test_the_counts_equal_the_orders_after_any_sequence_of_changes(uow_factory, steps):
    """Whatever the writes (an order again, in another status, with other tags, in the
    other account, several in one transaction), the totals of a page of one (counted
    apart from the page) are the orders listed, and a rebuild (analytics) keeps them."""
    accounts = [await given_account(uow_factory, seller_id=next(_sellers)) for _ in range(2)]
    base = next(_orders) * 100
    latest = {}
    batch = []
    for step in steps:
        order = an_order(
            base + step["order"],
            accounts[step["account"]].id,
            status=step["status"],
            tags=tuple(step["tags"]),
        )
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

    mine = tuple(a.id for a in accounts)

    async def every_count() -> dict:
        found = {}
        for status, tag in itertools.product([None, *STATUSES], [None, *TAGS]):
            value = None if status is None else status.value
            found[value, tag] = await _counted(uow_factory, account_ids=mine, status=value, tag=tag)
        return found

    counted = await every_count()
    for (status, tag), (total, listed) in counted.items():
        expected = sum(
            1
            for o in latest.values()
            if status in (None, o.status.value) and (tag is None or tag in o.tags)
        )
        assert (total, listed) == (expected, expected), (status, tag)
    async with uow_factory() as uow:
        for account in accounts:
            await uow.analytics.rebuild(account.id)
        await uow.commit()
    assert await every_count() == counted
