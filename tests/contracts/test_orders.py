from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

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
        nothing = await uow.orders.search(OrderQuery(status="invalid", paging=Paging(limit=1)))

    assert (_ids(page), page.total) == (ids, total)
    assert (_ids(nothing), nothing.total) == ([], 0)
