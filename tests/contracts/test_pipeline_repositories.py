"""Resource snapshots, dead letters, subscriptions and the delivery log, on
every adapter."""

from __future__ import annotations

import asyncio

import pytest

from application.errors import Conflict, NotFound
from application.queries import DeadLetterQuery, DeliveryQuery, Paging, ResourceQuery
from domain.accounts import AccountStatus
from domain.dead_letters import DeadLetter, DeadLetterSource
from domain.resources import ResourceSnapshot
from domain.subscriptions import DeliveryStatus, Subscription, WebhookDelivery

from .builders import NOW, given_account, minutes

ORDER = {
    "id": 2000009713473608,
    "status": "paid",
    "buyer": {"nickname": "COMPRADOR_ÑANDÚ"},
    "total_amount": 125.92,
    "tags": ["paid", "not_delivered"],
    "payments": [{"id": 91776699099, "status": "approved"}],
    "pack_id": None,
}


def a_snapshot(account_id, path="/orders/2000009713473608", **changes):
    values = dict(path=path, body=ORDER, fetched_at=NOW, topic="orders_v2", account_id=account_id)
    values.update(changes)
    return ResourceSnapshot(**values)


async def test_a_snapshot_reads_back_exactly_as_stored(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        assert await uow.resources.upsert(a_snapshot(account.id)) is True
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.resources.find("/orders/2000009713473608") == a_snapshot(account.id)
        assert await uow.resources.find("/orders/1") is None


async def test_the_newest_read_of_a_path_wins_whatever_the_order_of_storing(uow_factory):
    account = await given_account(uow_factory)
    newer = a_snapshot(account.id, body={"status": "cancelled"}, fetched_at=NOW + minutes(1))
    older = a_snapshot(account.id, body={"status": "paid"}, fetched_at=NOW)
    async with uow_factory() as uow:
        assert await uow.resources.upsert(newer) is True
        assert await uow.resources.upsert(older) is False
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.resources.find(newer.path)).body == {"status": "cancelled"}
        again = a_snapshot(account.id, body={"status": "delivered"}, fetched_at=NOW + minutes(1))
        assert await uow.resources.upsert(again) is True, "a read as new as the stored one"


async def test_a_snapshot_of_an_unknown_account_is_a_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.resources.upsert(a_snapshot(404))


async def test_snapshots_are_searched_by_topic_and_account_in_path_order(uow_factory):
    first = await given_account(uow_factory)
    second = await given_account(uow_factory, seller_id=77)
    async with uow_factory() as uow:
        for path, topic, account in (
            ("/questions/5", "questions", first),
            ("/orders/2", "orders_v2", first),
            ("/orders/1", "orders_v2", first),
            ("/orders/3", "orders_v2", second),
        ):
            await uow.resources.upsert(a_snapshot(account.id, path, topic=topic))
        await uow.commit()
    async with uow_factory() as uow:
        page = await uow.resources.search(
            ResourceQuery(topic="orders_v2", account_id=first.id, paging=Paging(0, 1))
        )
        everything = await uow.resources.search(ResourceQuery())
    assert ([s.path for s in page.items], page.total) == (["/orders/1"], 2)
    assert [s.path for s in everything.items] == [
        "/orders/1",
        "/orders/2",
        "/orders/3",
        "/questions/5",
    ]


def a_dead_letter(**changes):
    values = dict(
        source=DeadLetterSource.NOTIFICATION,
        reference="42",
        topic="orders_v2",
        error="ReauthorizationRequired: account 1 needs to be connected again: invalid_grant",
        attempts=1,
        failed_at=NOW,
    )
    values.update(changes)
    return DeadLetter(**values)


async def test_a_dead_letter_reads_back_and_its_replay_is_stored(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        letter = await uow.dead_letters.add(a_dead_letter(account_id=account.id))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.dead_letters.get(letter.id) == letter
        assert await uow.dead_letters.count_open() == 1
        assert await uow.dead_letters.mark_replayed(letter.id, NOW + minutes(1)) is True
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.dead_letters.get(letter.id)).replayed_at == NOW + minutes(1)
        assert await uow.dead_letters.count_open() == 0
        with pytest.raises(NotFound):
            await uow.dead_letters.get(404)
        assert await uow.dead_letters.mark_replayed(404, NOW) is False


async def test_accounts_connected_again_with_letters_from_before_await_their_replay(uow_factory):
    """What the sweep finds when the replay a reconnection queued was lost: open letters
    of an active account that failed before its latest connection."""
    waiting = await given_account(uow_factory, seller_id=1, connected_at=NOW)
    replayed = await given_account(uow_factory, seller_id=2, connected_at=NOW)
    newer = await given_account(uow_factory, seller_id=3, connected_at=NOW)
    inactive = await given_account(
        uow_factory, seller_id=4, connected_at=NOW, status=AccountStatus.NEEDS_REAUTHORIZATION
    )
    just_now = await given_account(uow_factory, seller_id=5, connected_at=NOW + minutes(5))
    async with uow_factory() as uow:
        for account in (waiting, replayed, inactive, just_now):
            await uow.dead_letters.add(
                a_dead_letter(account_id=account.id, failed_at=NOW - minutes(1))
            )
        letter = await uow.dead_letters.add(
            a_dead_letter(account_id=replayed.id, failed_at=NOW - minutes(1))
        )
        await uow.dead_letters.add(a_dead_letter(account_id=newer.id, failed_at=NOW + minutes(1)))
        await uow.commit()
    async with uow_factory() as uow:
        [first] = await uow.dead_letters.awaiting_replay(NOW + minutes(2), 1)
        rest = await uow.dead_letters.awaiting_replay(NOW + minutes(2), 10, first[::-1])
        await uow.commit()

    assert first == (waiting.id, NOW)
    assert rest == [(replayed.id, NOW)]
    async with uow_factory() as uow:
        for open_letter in (await uow.dead_letters.search(DeadLetterQuery(replayed=False))).items:
            if open_letter.account_id == replayed.id:
                await uow.dead_letters.mark_replayed(open_letter.id, NOW + minutes(1))
        await uow.commit()
        assert letter.id is not None
    async with uow_factory() as uow:
        assert await uow.dead_letters.awaiting_replay(NOW + minutes(2), 10) == [(waiting.id, NOW)]


async def test_a_dead_letter_is_marked_replayed_by_exactly_one_of_concurrent_calls(uow_factory):
    async with uow_factory() as uow:
        letter = await uow.dead_letters.add(a_dead_letter())
        await uow.commit()

    async def mark(now):
        async with uow_factory() as uow:
            marked = await uow.dead_letters.mark_replayed(letter.id, now)
            await asyncio.sleep(0.05)  # the others try while this one holds the row
            await uow.commit()
        return marked

    results = await asyncio.gather(*(mark(NOW + minutes(n)) for n in range(1, 5)))

    assert sorted(results) == [False, False, False, True]
    winner = NOW + minutes(results.index(True) + 1)
    async with uow_factory() as uow:
        assert (await uow.dead_letters.get(letter.id)).replayed_at == winner
        assert await uow.dead_letters.count_open() == 0
        assert await uow.dead_letters.mark_replayed(letter.id, NOW + minutes(9)) is False
        assert await uow.dead_letters.mark_replayed(404, NOW) is False


async def test_a_replay_mark_rolled_back_leaves_the_letter_open(uow_factory):
    async with uow_factory() as uow:
        letter = await uow.dead_letters.add(a_dead_letter())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.dead_letters.mark_replayed(letter.id, NOW) is True

    async with uow_factory() as uow:
        assert (await uow.dead_letters.get(letter.id)).replayed_at is None
        assert await uow.dead_letters.mark_replayed(letter.id, NOW + minutes(1)) is True
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.dead_letters.get(letter.id)).replayed_at == NOW + minutes(1)


async def test_dead_letters_are_searched_newest_first_and_filtered(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        old = await uow.dead_letters.add(a_dead_letter(failed_at=NOW - minutes(2)))
        job = await uow.dead_letters.add(
            a_dead_letter(
                source=DeadLetterSource.JOB,
                reference='{"actor": "sync_orders", "kwargs": {"account_id": 1}}',
                topic="sync_orders",
                account_id=account.id,
                failed_at=NOW - minutes(1),
            )
        )
        replayed = await uow.dead_letters.add(a_dead_letter(replayed_at=NOW, failed_at=NOW))
        await uow.commit()

    async def ids(**query):
        async with uow_factory() as uow:
            page = await uow.dead_letters.search(DeadLetterQuery(**query))
        return [letter.id for letter in page.items]

    assert await ids() == [replayed.id, job.id, old.id]
    assert await ids(replayed=False) == [job.id, old.id]
    assert await ids(replayed=True) == [replayed.id]
    assert await ids(source="job") == [job.id]
    assert await ids(account_id=account.id) == [job.id]


def a_subscription(**changes):
    values = dict(
        topic="orders_v2",
        callback_url="https://hooks.example.com/meli?tenant=ñandú",
        sealed_secret="sealed:secret:v1",
        created_at=NOW,
    )
    values.update(changes)
    return Subscription(**values)


async def test_subscriptions_match_their_topic_or_every_topic_until_deleted(uow_factory):
    async with uow_factory() as uow:
        orders = await uow.subscriptions.add(a_subscription())
        everything = await uow.subscriptions.add(a_subscription(topic="*"))
        claims = await uow.subscriptions.add(a_subscription(topic="claims"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.subscriptions.get(orders.id) == orders
        assert [s.id for s in await uow.subscriptions.matching("orders_v2")] == [
            orders.id,
            everything.id,
        ]
        assert [s.id for s in await uow.subscriptions.matching("post_purchase")] == [
            everything.id,
            claims.id,
        ]
        orders.delete(NOW)
        await uow.subscriptions.save(orders)
        await uow.commit()
    async with uow_factory() as uow:
        assert [s.id for s in await uow.subscriptions.list()] == [everything.id, claims.id]
        assert [s.id for s in await uow.subscriptions.matching("orders_v2")] == [everything.id]
        assert (await uow.subscriptions.get(orders.id)).deleted_at == NOW
        with pytest.raises(NotFound):
            await uow.subscriptions.get(404)


def a_delivery(subscription_id, event_id="evt-1", **changes):
    values = dict(
        subscription_id=subscription_id,
        event_id=event_id,
        topic="orders_v2",
        payload={"id": event_id, "resource": "/orders/1", "data": ORDER},
        created_at=NOW,
    )
    values.update(changes)
    return WebhookDelivery(**values)


async def given_subscription(uow_factory):
    async with uow_factory() as uow:
        subscription = await uow.subscriptions.add(a_subscription())
        await uow.commit()
    return subscription


async def test_an_event_is_logged_once_per_subscription(uow_factory):
    subscription = await given_subscription(uow_factory)
    async with uow_factory() as uow:
        first, is_new = await uow.deliveries.add(a_delivery(subscription.id))
        again, is_new_again = await uow.deliveries.add(a_delivery(subscription.id))
        await uow.commit()
    assert is_new and not is_new_again and again == first
    async with uow_factory() as uow:
        assert await uow.deliveries.get(first.id) == first
        with pytest.raises(Conflict):
            await uow.deliveries.add(a_delivery(404))


async def test_a_delivery_is_claimed_once_while_due_and_its_attempts_are_saved(uow_factory):
    subscription = await given_subscription(uow_factory)
    async with uow_factory() as uow:
        delivery, _ = await uow.deliveries.add(a_delivery(subscription.id))
        await uow.commit()

    async def claim(now):
        async with uow_factory() as uow:
            claimed = await uow.deliveries.claim(delivery.id, now, now + minutes(2))
            await uow.commit()
        return claimed

    results = await asyncio.gather(*(claim(NOW) for _ in range(4)))
    assert sum(r is not None for r in results) == 1
    assert await claim(NOW + minutes(1)) is None
    claimed = await claim(NOW + minutes(2))
    claimed.attempted(NOW + minutes(2), 503, None, NOW + minutes(10))
    async with uow_factory() as uow:
        await uow.deliveries.save(claimed)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.deliveries.get(delivery.id)
    assert (stored.attempts, stored.last_status, stored.last_error) == (1, 503, "HTTP 503")
    assert stored.status is DeliveryStatus.PENDING and stored.next_attempt_at == NOW + minutes(10)


async def test_due_deliveries_are_the_pending_ones_whose_time_came(uow_factory):
    subscription = await given_subscription(uow_factory)
    async with uow_factory() as uow:
        waiting, _ = await uow.deliveries.add(a_delivery(subscription.id, "a"))
        later, _ = await uow.deliveries.add(
            a_delivery(subscription.id, "b", next_attempt_at=NOW + minutes(5))
        )
        done, _ = await uow.deliveries.add(
            a_delivery(subscription.id, "c", status=DeliveryStatus.DELIVERED)
        )
        await uow.commit()
    async with uow_factory() as uow:
        due = await uow.deliveries.due(NOW + minutes(1), limit=10)
        page = await uow.deliveries.search(DeliveryQuery(subscription_id=subscription.id))
        delivered = await uow.deliveries.search(DeliveryQuery(status="delivered"))
    assert [d.id for d in due] == [waiting.id]
    assert [d.id for d in page.items] == [done.id, later.id, waiting.id]
    assert [d.id for d in delivered.items] == [done.id]
