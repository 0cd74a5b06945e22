from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from application.errors import Conflict, NotFound
from application.queries import InboxQuery, Paging
from domain.notifications import InboxStatus

from .builders import NOW, a_notification, an_inbox_entry, minutes


def _entry(n: int, topic: str = "orders_v2", **changes):
    notification = a_notification(id=f"n-{n}", topic=topic, resource=f"/{topic}/{n}")
    return an_inbox_entry(notification=notification, **changes)


async def _add(uow_factory, *entries):
    stored = []
    async with uow_factory() as uow:
        for entry in entries:
            stored.append((await uow.inbox.add(entry))[0])
        await uow.commit()
    return stored


async def test_a_new_notification_is_stored_with_every_field(uow_factory):
    entry = an_inbox_entry(
        attempts=2,
        failures=1,
        last_error="timeout",
        next_attempt_at=NOW + minutes(5),
        processed_at=NOW + minutes(1),
        origin="recovered",
        status=InboxStatus.FAILED,
    )
    async with uow_factory() as uow:
        stored, is_new = await uow.inbox.add(entry)
        await uow.commit()

    assert is_new
    assert stored == attrs.evolve(entry, id=stored.id)
    async with uow_factory() as uow:
        assert await uow.inbox.get(stored.id) == stored


async def test_a_notification_without_optional_fields_reads_back_as_stored(uow_factory):
    notification = a_notification(sent=None, received=None, actions=())
    async with uow_factory() as uow:
        stored, _ = await uow.inbox.add(an_inbox_entry(notification=notification))
        assert (await uow.inbox.get(stored.id)).notification == notification


async def test_the_same_notification_id_is_stored_once(uow_factory):
    (first,) = await _add(uow_factory, an_inbox_entry())

    async with uow_factory() as uow:
        again, is_new = await uow.inbox.add(an_inbox_entry(received_at=NOW + minutes(1)))
        await uow.commit()

    assert not is_new
    assert again == first


async def test_the_same_notification_id_is_a_duplicate_even_once_processed(uow_factory):
    (first,) = await _add(uow_factory, an_inbox_entry())
    async with uow_factory() as uow:
        entry = await uow.inbox.get(first.id)
        entry.move_to(InboxStatus.PROCESSED, NOW)
        await uow.inbox.save(entry)
        await uow.commit()

    async with uow_factory() as uow:
        again, is_new = await uow.inbox.add(an_inbox_entry())

    assert (again.id, again.status, is_new) == (first.id, InboxStatus.PROCESSED, False)


@pytest.mark.parametrize("status", ["received", "processing", "failed"])
async def test_a_notification_for_a_resource_already_pending_is_a_duplicate(uow_factory, status):
    (first,) = await _add(uow_factory, an_inbox_entry(status=InboxStatus(status)))

    async with uow_factory() as uow:
        other = an_inbox_entry(notification=a_notification(id="another-id"))
        again, is_new = await uow.inbox.add(other)
        await uow.commit()

    assert (again, is_new) == (first, False)
    async with uow_factory() as uow:
        assert (await uow.inbox.search(InboxQuery())).total == 1


@pytest.mark.parametrize("status", ["processed", "dead", "rejected"])
async def test_a_notification_for_a_resource_no_longer_pending_is_new(uow_factory, status):
    (first,) = await _add(uow_factory, an_inbox_entry(status=InboxStatus(status)))

    async with uow_factory() as uow:
        other = an_inbox_entry(notification=a_notification(id="another-id"))
        stored, is_new = await uow.inbox.add(other)
        await uow.commit()

    assert is_new
    assert stored.id != first.id


async def test_the_same_resource_in_another_topic_is_new(uow_factory):
    await _add(uow_factory, an_inbox_entry())

    async with uow_factory() as uow:
        other = a_notification(id="another-id", topic="shipments")
        _, is_new = await uow.inbox.add(an_inbox_entry(notification=other))

    assert is_new


async def test_a_saved_entry_reads_back_changed(uow_factory):
    (entry,) = await _add(uow_factory, an_inbox_entry())

    entry.move_to(InboxStatus.PROCESSING, NOW)
    entry.move_to(InboxStatus.FAILED, NOW, error="boom " * 10)
    entry.next_attempt_at = NOW + minutes(2)
    async with uow_factory() as uow:
        await uow.inbox.save(entry)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.inbox.get(entry.id) == entry


async def test_replaying_an_entry_while_another_is_pending_for_its_resource_raises_conflict(
    uow_factory,
):
    (dead,) = await _add(uow_factory, an_inbox_entry(status=InboxStatus.DEAD))
    await _add(uow_factory, an_inbox_entry(notification=a_notification(id="newer")))

    dead.move_to(InboxStatus.RECEIVED, NOW)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.inbox.save(dead)
        assert (await uow.inbox.get(dead.id)).status is InboxStatus.DEAD


async def test_unknown_entries_raise_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.inbox.get(404)
        with pytest.raises(NotFound):
            await uow.inbox.save(an_inbox_entry(id=404))


async def test_inbox_search_returns_the_latest_received_first_and_filters(uow_factory):
    await _add(
        uow_factory,
        _entry(1, received_at=NOW - minutes(3)),
        _entry(2, topic="items", received_at=NOW - minutes(2), status=InboxStatus.PROCESSED),
        _entry(3, received_at=NOW - minutes(1), status=InboxStatus.PROCESSED),
        _entry(4, topic="items", received_at=NOW),
    )

    def ids(page):
        return [entry.notification.id for entry in page.items]

    async with uow_factory() as uow:
        everything = await uow.inbox.search(InboxQuery())
        processed = await uow.inbox.search(InboxQuery(status="processed"))
        items = await uow.inbox.search(InboxQuery(topic="items"))
        both = await uow.inbox.search(InboxQuery(topic="items", status="received"))
        paged = await uow.inbox.search(InboxQuery(paging=Paging(offset=1, limit=2)))

    assert ids(everything) == ["n-4", "n-3", "n-2", "n-1"]
    assert ids(processed) == ["n-3", "n-2"]
    assert ids(items) == ["n-4", "n-2"]
    assert ids(both) == ["n-4"]
    assert ids(paged) == ["n-3", "n-2"]
    assert (paged.total, paged.offset, paged.limit) == (4, 1, 2)


async def test_inbox_counts_entries_by_topic_and_status(uow_factory):
    await _add(
        uow_factory,
        _entry(1),
        _entry(2),
        _entry(3, status=InboxStatus.DEAD),
        _entry(4, topic="items"),
    )

    async with uow_factory() as uow:
        counts = await uow.inbox.counts()

    assert counts == {
        ("orders_v2", InboxStatus.RECEIVED): 2,
        ("orders_v2", InboxStatus.DEAD): 1,
        ("items", InboxStatus.RECEIVED): 1,
    }


async def test_pending_entries_are_the_unfinished_ones_received_before_a_time_oldest_first(
    uow_factory,
):
    cutoff = NOW
    await _add(
        uow_factory,
        _entry(1, received_at=cutoff - minutes(1)),
        _entry(2, received_at=cutoff - minutes(9), status=InboxStatus.PROCESSING),
        _entry(3, received_at=cutoff - minutes(5), status=InboxStatus.FAILED),
        _entry(
            4,
            received_at=cutoff - minutes(8),
            status=InboxStatus.FAILED,
            next_attempt_at=cutoff - minutes(1),
        ),
        _entry(
            5,
            received_at=cutoff - minutes(7),
            status=InboxStatus.FAILED,
            next_attempt_at=cutoff + minutes(1),
        ),
        _entry(6, received_at=cutoff - minutes(6), status=InboxStatus.PROCESSED),
        _entry(7, received_at=cutoff - minutes(6), status=InboxStatus.DEAD),
        _entry(8, received_at=cutoff - minutes(6), status=InboxStatus.REJECTED),
        _entry(9, received_at=cutoff),
        _entry(10, received_at=cutoff + timedelta(seconds=1)),
    )

    async with uow_factory() as uow:
        pending = await uow.inbox.pending(cutoff, limit=10)
        first_two = await uow.inbox.pending(cutoff, limit=2)

    assert [entry.notification.id for entry in pending] == ["n-2", "n-4", "n-3", "n-1"]
    assert [entry.notification.id for entry in first_two] == ["n-2", "n-4"]
