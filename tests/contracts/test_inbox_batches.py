"""The inbox's moves for a batch of notifications (ProcessNotifications): claimed in one
step, coalescing read in one query, finished as processed in one step; each entry as
`claim`, `latest_processed_at` and `finish` would treat it alone."""

from __future__ import annotations

import attrs

from domain.notifications import InboxStatus

from .builders import NOW, a_notification, an_inbox_entry, minutes

LEASE = minutes(5)


async def entries(uow_factory, count: int, topic: str = "items"):
    stored = []
    async with uow_factory() as uow:
        for n in range(count):
            notification = a_notification(
                id=f"b-{n}", topic=topic, resource=f"/items/MLA{1000000001 + n}"
            )
            stored.append((await uow.inbox.add(an_inbox_entry(notification=notification)))[0])
        await uow.commit()
    return stored


async def test_a_batch_is_claimed_in_one_step_and_only_once(uow_factory):
    first, second, third = await entries(uow_factory, 3)
    async with uow_factory() as uow:
        held = await uow.inbox.claim(third.id, NOW, NOW + LEASE)
        await uow.commit()

    async with uow_factory() as uow:
        claimed = await uow.inbox.claim_many(
            [first.id, second.id, third.id, 404], NOW + minutes(1), NOW + LEASE
        )
        again = await uow.inbox.claim_many([first.id, second.id], NOW + minutes(1), NOW + LEASE)
        await uow.commit()

    assert sorted(entry.id for entry in claimed) == [first.id, second.id]
    assert all(
        (entry.status, entry.attempts, entry.next_attempt_at)
        == (InboxStatus.PROCESSING, 1, NOW + LEASE)
        for entry in claimed
    )
    assert again == [] and held is not None
    async with uow_factory() as uow:
        for entry in claimed:
            assert await uow.inbox.get(entry.id) == entry


async def test_the_latest_reads_of_many_resources_come_in_one_query(uow_factory):
    first, second, third = await entries(uow_factory, 3)
    async with uow_factory() as uow:
        for entry, read_at in ((first, NOW), (second, NOW + minutes(2))):
            claimed = await uow.inbox.claim(entry.id, NOW, NOW + LEASE)
            claimed.move_to(InboxStatus.PROCESSED, read_at)
            assert await uow.inbox.finish(claimed)
        await uow.commit()

    keys = [(e.notification.topic, e.notification.resource) for e in (first, second, third)]
    async with uow_factory() as uow:
        latest = await uow.inbox.latest_processed_many([*keys, ("questions", "/items/x")])
        alone = [await uow.inbox.latest_processed_at(*key) for key in keys]

    assert latest == {keys[0]: NOW, keys[1]: NOW + minutes(2)}
    assert alone == [NOW, NOW + minutes(2), None]


async def test_a_batch_is_finished_in_one_step_except_the_claims_that_moved_on(uow_factory):
    first, second, third = await entries(uow_factory, 3)
    async with uow_factory() as uow:
        claimed = await uow.inbox.claim_many([first.id, second.id, third.id], NOW, NOW + LEASE)
        await uow.commit()
    by_id = {entry.id: entry for entry in claimed}
    async with uow_factory() as uow:  # a newer notification of `second` arrived meanwhile
        assert await uow.inbox.rearm(second.id)
        await uow.commit()
    async with uow_factory() as uow:  # `third`'s lease ran out and another worker took it
        taken = await uow.inbox.claim(third.id, NOW + LEASE, NOW + 2 * LEASE)
        await uow.commit()

    read = [attrs.evolve(by_id[i]) for i in (first.id, second.id, third.id)]
    async with uow_factory() as uow:
        finished = await uow.inbox.finish_processed(read, NOW + minutes(1))
        await uow.commit()

    assert finished == {first.id}
    async with uow_factory() as uow:
        done = await uow.inbox.get(first.id)
        rearmed = await uow.inbox.get(second.id)
        other = await uow.inbox.get(third.id)
    assert (done.status, done.processed_at, done.next_attempt_at, done.last_error) == (
        InboxStatus.PROCESSED,
        NOW + minutes(1),
        None,
        None,
    )
    assert rearmed.status is InboxStatus.RECEIVED
    assert other == taken


async def test_the_sellers_with_notifications_recovered_lately_are_found(uow_factory):
    """The quota plan puts an account first when MercadoLibre gave up delivering one of
    its notifications (§9.5): a recovered entry since the time asked, live ones never."""
    stored = [
        (f"r-{n}", user_id, origin, NOW + minutes(at))
        for n, (user_id, origin, at) in enumerate(
            [(11, "recovered", 0), (11, "recovered", 5), (12, "recovered", -30), (13, "live", 5)]
        )
    ]
    received: list[str] = []
    async with uow_factory() as uow:
        for notification_id, user_id, origin, received_at in stored:
            notification = a_notification(
                id=notification_id, user_id=user_id, resource=f"/orders/{9000 + len(received)}"
            )
            received.append(notification_id)
            await uow.inbox.add(
                an_inbox_entry(notification=notification, origin=origin, received_at=received_at)
            )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.inbox.recovered_since(NOW - minutes(1)) == {11}
        assert await uow.inbox.recovered_since(NOW - minutes(60)) == {11, 12}
        assert await uow.inbox.recovered_since(NOW + minutes(6)) == set()


async def test_what_a_sellers_notifications_announced_lately_comes_latest_first(uow_factory):
    """A catalogue run reads first the listings the seller's `items` notifications (live
    or recovered) announced since its last run: each resource once, latest first."""
    announced = [
        ("c-1", 11, "items", "/items/MLA1", 0, "live"),
        ("c-2", 11, "items", "/items/MLA2", 2, "recovered"),
        ("c-3", 11, "items", "/items/MLA1", 3, "live"),
        ("c-4", 11, "items", "/items/MLA3", -10, "live"),
        ("c-5", 12, "items", "/items/MLA4", 1, "live"),
        ("c-6", 11, "questions", "/questions/5", 1, "live"),
    ]
    async with uow_factory() as uow:
        for notification_id, user_id, topic, resource, at, origin in announced:
            notification = a_notification(
                id=notification_id, user_id=user_id, topic=topic, resource=resource
            )
            entry = an_inbox_entry(
                notification=notification,
                origin=origin,
                received_at=NOW + minutes(at),
                status=InboxStatus.PROCESSED,
            )
            await uow.inbox.add(entry)
        await uow.commit()
    async with uow_factory() as uow:
        since = NOW - minutes(1)
        assert await uow.inbox.changed_since(11, "items", since, 10) == [
            "/items/MLA1",
            "/items/MLA2",
        ]
        assert await uow.inbox.changed_since(11, "items", since, 1) == ["/items/MLA1"]
        assert await uow.inbox.changed_since(11, "items", NOW + minutes(4), 10) == []
        assert await uow.inbox.changed_since(12, "items", since, 10) == ["/items/MLA4"]
