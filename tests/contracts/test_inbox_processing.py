"""The inbox's atomic moves for the notification pipeline: one claim at a time,
finishes that only land on their own claim, re-arms, and the sweep's paging."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from application.queries import InboxQuery
from domain.notifications import InboxStatus

from .builders import NOW, a_notification, an_inbox_entry, minutes

LEASE = minutes(5)


def _entry(n: int, **changes):
    notification = a_notification(id=f"n-{n}", resource=f"/orders/{n}")
    return an_inbox_entry(notification=notification, **changes)


async def _add(uow_factory, *entries):
    stored = []
    async with uow_factory() as uow:
        for entry in entries:
            stored.append((await uow.inbox.add(entry))[0])
        await uow.commit()
    return stored


async def _claim(uow_factory, entry_id, now=NOW):
    async with uow_factory() as uow:
        claimed = await uow.inbox.claim(entry_id, now, now + LEASE)
        await uow.commit()
    return claimed


async def test_a_received_entry_is_claimed_once_with_a_lease_and_an_attempt(uow_factory):
    (entry,) = await _add(uow_factory, _entry(1))

    claimed = await _claim(uow_factory, entry.id)
    again = await _claim(uow_factory, entry.id, NOW + minutes(1))

    assert claimed.status is InboxStatus.PROCESSING
    assert (claimed.attempts, claimed.next_attempt_at) == (1, NOW + LEASE)
    assert again is None, "the lease of the first claim still runs"
    async with uow_factory() as uow:
        assert await uow.inbox.get(entry.id) == claimed


async def test_a_claim_whose_lease_ran_out_is_taken_over(uow_factory):
    (entry,) = await _add(uow_factory, _entry(1))
    await _claim(uow_factory, entry.id)

    taken = await _claim(uow_factory, entry.id, NOW + LEASE)

    assert taken is not None and taken.attempts == 2


@pytest.mark.parametrize(
    ("status", "next_attempt_at", "claimable"),
    [
        ("failed", None, True),
        ("failed", NOW - minutes(1), True),
        ("failed", NOW + minutes(1), False),
        ("processed", None, False),
        ("dead", None, False),
        ("rejected", None, False),
    ],
)
async def test_only_due_unfinished_entries_are_claimed(
    uow_factory, status, next_attempt_at, claimable
):
    (entry,) = await _add(
        uow_factory, _entry(1, status=InboxStatus(status), next_attempt_at=next_attempt_at)
    )

    assert (await _claim(uow_factory, entry.id) is not None) is claimable


async def test_an_unknown_entry_is_not_claimed(uow_factory):
    assert await _claim(uow_factory, 404) is None


async def test_of_concurrent_claims_exactly_one_wins(uow_factory):
    (entry,) = await _add(uow_factory, _entry(1))

    results = await asyncio.gather(*(_claim(uow_factory, entry.id) for _ in range(5)))

    assert sum(result is not None for result in results) == 1


async def test_a_finish_lands_only_on_its_own_claim(uow_factory):
    (entry,) = await _add(uow_factory, _entry(1))
    first = await _claim(uow_factory, entry.id)
    second = await _claim(uow_factory, entry.id, NOW + LEASE)  # the first worker "died"

    first.move_to(InboxStatus.PROCESSED, NOW)
    second.move_to(InboxStatus.FAILED, NOW, error="timeout")
    second.next_attempt_at = NOW + LEASE + minutes(1)
    async with uow_factory() as uow:
        assert await uow.inbox.finish(first) is False
        assert await uow.inbox.finish(second) is True
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.inbox.get(entry.id)
    assert (stored.status, stored.attempts, stored.last_error) == (InboxStatus.FAILED, 2, "timeout")


async def test_failures_are_stored_by_a_finish_and_left_alone_by_claims_and_re_arms(
    uow_factory,
):
    """`failures` is the retry budget; `attempts` counts claims (finish's token)."""
    (entry,) = await _add(uow_factory, _entry(1, failures=2))
    claimed = await _claim(uow_factory, entry.id)
    claimed.move_to(InboxStatus.FAILED, NOW, error="503")
    claimed.next_attempt_at = NOW + minutes(1)
    async with uow_factory() as uow:
        assert await uow.inbox.finish(claimed) is True
        await uow.commit()

    again = await _claim(uow_factory, entry.id, NOW + minutes(1))
    async with uow_factory() as uow:
        assert await uow.inbox.rearm(entry.id) is True
        await uow.commit()
    taken = await _claim(uow_factory, entry.id, NOW + minutes(1))

    assert (again.attempts, again.failures) == (2, 3)
    assert (taken.attempts, taken.failures) == (3, 3)
    async with uow_factory() as uow:
        stored = await uow.inbox.get(entry.id)
        batch = await uow.inbox.add_many([_entry(2, failures=4), _entry(3)])
        await uow.commit()
    assert (stored.attempts, stored.failures) == (3, 3)
    async with uow_factory() as uow:
        assert [(await uow.inbox.get(e.id)).failures for e, _ in batch] == [4, 0]


async def test_taking_over_an_entry_whose_lease_ran_out_counts_a_failure(uow_factory):
    """The read under the lost lease died or outlived its lease: a failed read all the
    same, or a read that always outlives its lease would be taken over for ever."""
    (entry,) = await _add(uow_factory, _entry(1))
    first = await _claim(uow_factory, entry.id)
    assert await _claim(uow_factory, entry.id, NOW + LEASE - minutes(1)) is None, "still leased"
    taken = await _claim(uow_factory, entry.id, NOW + LEASE)

    assert (first.attempts, first.failures) == (1, 0)
    assert (taken.attempts, taken.failures) == (2, 1)


async def test_a_re_armed_entry_goes_back_to_received_and_its_claim_cannot_finish(uow_factory):
    (entry,) = await _add(uow_factory, _entry(1))
    claimed = await _claim(uow_factory, entry.id)

    async with uow_factory() as uow:
        assert await uow.inbox.rearm(entry.id) is True
        await uow.commit()
    claimed.move_to(InboxStatus.PROCESSED, NOW)
    async with uow_factory() as uow:
        assert await uow.inbox.finish(claimed) is False
        assert (await uow.inbox.get(entry.id)).status is InboxStatus.RECEIVED
        assert await uow.inbox.rearm(entry.id) is False, "only a processing entry re-arms"


async def test_the_latest_processed_at_of_a_resource(uow_factory):
    await _add(
        uow_factory,
        _entry(1, status=InboxStatus.PROCESSED, processed_at=NOW - minutes(3)),
        _entry(2, status=InboxStatus.PROCESSED, processed_at=NOW - minutes(1)),
        _entry(3, status=InboxStatus.DEAD, processed_at=NOW),
    )
    same_resource = [
        an_inbox_entry(
            notification=a_notification(id=f"again-{n}", resource="/orders/1"),
            status=InboxStatus.PROCESSED,
            processed_at=NOW - minutes(n),
        )
        for n in (2, 7)
    ]
    await _add(uow_factory, *same_resource)

    async with uow_factory() as uow:
        assert await uow.inbox.latest_processed_at("orders_v2", "/orders/1") == NOW - minutes(2)
        assert await uow.inbox.latest_processed_at("orders_v2", "/orders/3") is None
        assert await uow.inbox.latest_processed_at("shipments", "/orders/1") is None
        assert await uow.inbox.latest_processed_at("orders_v2", "/orders/404") is None


async def test_processing_entries_under_a_running_lease_are_not_pending(uow_factory):
    cutoff = NOW
    await _add(
        uow_factory,
        _entry(1, status=InboxStatus.PROCESSING, next_attempt_at=cutoff + minutes(1)),
        _entry(2, status=InboxStatus.PROCESSING, next_attempt_at=cutoff - minutes(1)),
        _entry(3, status=InboxStatus.PROCESSING, received_at=NOW - minutes(1)),
    )
    async with uow_factory() as uow:
        pending = await uow.inbox.pending(cutoff + timedelta(seconds=1), limit=10)
    assert [entry.notification.id for entry in pending] == ["n-3", "n-2"]


async def test_pending_pages_continue_after_the_last_entry_of_the_previous_page(uow_factory):
    same_time = [_entry(n, received_at=NOW - minutes(1)) for n in range(1, 6)]
    await _add(uow_factory, _entry(9, received_at=NOW - minutes(2)), *same_time)

    seen = []
    after = None
    async with uow_factory() as uow:
        while page := await uow.inbox.pending(NOW, limit=2, after=after):
            seen.extend(entry.notification.id for entry in page)
            after = (page[-1].received_at, page[-1].id)

    assert seen == ["n-9", "n-1", "n-2", "n-3", "n-4", "n-5"]


async def test_a_batch_is_stored_in_order_with_duplicates_within_and_without(uow_factory):
    (existing,) = await _add(uow_factory, _entry(1))
    batch = [
        _entry(2),
        _entry(1),  # the same id as a stored entry
        an_inbox_entry(notification=a_notification(id="other", resource="/orders/1")),
        _entry(3),
        _entry(3),  # the same id twice in one batch
        an_inbox_entry(notification=a_notification(id="again", resource="/orders/2")),
        _entry(4, status=InboxStatus.REJECTED),
    ]

    async with uow_factory() as uow:
        results = await uow.inbox.add_many(batch)
        await uow.commit()

    ids = [stored.id for stored, _ in results]
    assert [is_new for _, is_new in results] == [True, False, False, True, False, False, True]
    assert ids[1] == ids[2] == existing.id
    assert ids[3] == ids[4] and ids[5] == ids[0]
    assert results[6][0].status is InboxStatus.REJECTED
    async with uow_factory() as uow:
        assert (await uow.inbox.search(InboxQuery())).total == 4
        for stored, _ in results:
            assert await uow.inbox.get(stored.id) == stored


async def test_an_empty_or_single_batch_behaves_like_add(uow_factory):
    async with uow_factory() as uow:
        assert await uow.inbox.add_many([]) == []
        ((stored, is_new),) = await uow.inbox.add_many([_entry(1)])
        await uow.commit()
    assert is_new and stored.id is not None
