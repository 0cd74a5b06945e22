"""The notification pipeline's use cases on the in-memory adapters (mercadolibre-api.md
§9): acknowledge and store, process once, retry on a schedule,
dead-letter, coalesce bursts, sweep, recover the missed feeds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.mercadolibre.notifications import normalise_resource
from adapters.queue.codec import CattrsJobCodec
from adapters.system.clock import ManualClock
from application import jobs
from application.dead_letters.replay_dead_letter import ReplayDeadLetter
from application.dead_letters.replay_dead_letters import ReplayDeadLetters
from application.errors import (
    Forbidden,
    RateLimited,
    ReauthorizationRequired,
    Unavailable,
)
from application.notifications.errors import ForeignNotification
from application.notifications.process_notification import ProcessNotification, ProcessOutcome
from application.notifications.process_notifications import ProcessNotifications
from application.notifications.receive_notification import Acknowledgement, ReceiveNotification
from application.notifications.record_resource import RecordResource, resource_request
from application.notifications.recover_missed_feeds import RecoverMissedFeeds
from application.notifications.retry_policy import RetryPolicy
from application.operations.fan_out import FanOut
from application.operations.requeue_lost_work import RequeueLostWork
from application.ports.oauth import SellerProfile
from application.queries import DeadLetterQuery, InboxQuery, Paging
from domain.accounts import Account, AccountStatus
from domain.dead_letters import AlreadyReplayed
from domain.notifications import InboxStatus, Notification
from domain.sync import SyncStatus, SyncTrigger
from tests.fakes import FakeMarketplace

START = datetime(2026, 11, 27, 12, tzinfo=UTC)
APP_ID = 1000000000000001
SELLER = 123456789


CODEC = CattrsJobCodec()


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.store = InMemoryStore()
        self.queue = InMemoryJobQueue()
        self.marketplace = FakeMarketplace(self.clock)
        self.synced_items: list[tuple[int, str]] = []
        self.item_error: Exception | None = None
        self.receive = ReceiveNotification(self.uow, self.clock, APP_ID)
        self.process = ProcessNotification(
            self.uow,
            RecordResource(self.uow, self.marketplace, self.sync_item),
            self.clock,
            lease=timedelta(minutes=5),
        )

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.queue)

    async def sync_item(self, account_id: int, item_id: str) -> None:
        self.synced_items.append((account_id, item_id))
        if self.item_error is not None:
            raise self.item_error

    async def account(self, seller_id: int = SELLER, status=AccountStatus.ACTIVE) -> Account:
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(seller_id, "MLA", f"S{seller_id}"))
            if status is not AccountStatus.ACTIVE:
                if status is AccountStatus.DISCONNECTED:
                    account.disconnect(self.clock.now())
                else:
                    account.needs_reauthorization("invalid_grant", self.clock.now())
                await uow.accounts.save(account)
            await uow.commit()
        self.marketplace.connect(account.id, SellerProfile(seller_id, f"S{seller_id}", "MLA"))
        return account

    async def entry(self, entry_id: int):
        async with self.uow() as uow:
            return await uow.inbox.get(entry_id)

    async def entries(self):
        async with self.uow() as uow:
            return (await uow.inbox.search(InboxQuery(paging=Paging(0, 200)))).items

    async def snapshot(self, path: str):
        async with self.uow() as uow:
            return await uow.resources.find(path)

    async def letters(self):
        async with self.uow() as uow:
            return (await uow.dead_letters.search(DeadLetterQuery())).items

    def jobs(self, job_type: type = jobs.ProcessNotification):
        return [job for job in self.queue.jobs if isinstance(job, job_type)]

    def delays(self) -> list[float]:
        """The delays of the ProcessNotification jobs queued."""
        return [
            q.delay_seconds
            for q in self.queue.queued
            if isinstance(q.job, jobs.ProcessNotification)
        ]


def a_notification(n: int | str = 1, topic="orders_v2", resource=None, **changes) -> Notification:
    values = dict(
        id=f"n-{n}",
        topic=topic,
        resource=resource or f"/orders/{n}",
        user_id=SELLER,
        application_id=APP_ID,
        sent=START,
        received=START,
    )
    values.update(changes)
    return Notification(**values)


@pytest.fixture
async def world() -> World:
    world = World()
    await world.account()
    return world


# -- receiving ---------------------------------------------------------------------------


async def test_a_notification_is_stored_once_and_its_processing_queued_after_commit(world):
    receipt = await world.receive(a_notification())

    assert receipt.status is Acknowledgement.ACCEPTED
    (entry,) = await world.entries()
    assert (entry.id, entry.status, entry.origin) == (
        receipt.entry_id,
        InboxStatus.RECEIVED,
        "live",
    )
    assert entry.received_at == START
    assert world.jobs() == [jobs.ProcessNotification(entry.id)]


async def test_duplicates_by_id_and_by_pending_resource_change_nothing(world):
    first = await world.receive(a_notification())
    same_id = await world.receive(a_notification())
    same_resource = await world.receive(a_notification("other", resource="/orders/1"))

    assert same_id.status is same_resource.status is Acknowledgement.DUPLICATE
    assert same_id.entry_id == same_resource.entry_id == first.entry_id
    assert len(await world.entries()) == 1 and len(world.jobs()) == 1


async def test_another_applications_notification_is_refused_and_stores_nothing(world):
    with pytest.raises(ForeignNotification):
        await world.receive(a_notification(application_id=APP_ID + 1))
    assert await world.entries() == []


@pytest.mark.parametrize(
    ("status", "reason"),
    [(None, "unknown_seller"), (AccountStatus.DISCONNECTED, "disconnected_seller")],
)
async def test_a_seller_that_is_not_connected_is_stored_rejected_and_never_queued(status, reason):
    world = World()
    if status is not None:
        await world.account(status=status)

    receipt = await world.receive(a_notification())

    assert (receipt.status, receipt.reason) == (Acknowledgement.REJECTED, reason)
    (entry,) = await world.entries()
    assert entry.status is InboxStatus.REJECTED and entry.last_error
    assert world.jobs() == []
    assert (await world.receive(a_notification())).status is Acknowledgement.DUPLICATE


# -- processing --------------------------------------------------------------------------


async def test_processing_reads_the_resource_once_and_stores_it_as_a_snapshot(world):
    world.marketplace.bodies["/orders/1"] = {"id": 1, "status": "paid", "seller": {"id": SELLER}}
    receipt = await world.receive(a_notification())
    world.clock.advance(3)

    assert await world.process(receipt.entry_id) is ProcessOutcome.PROCESSED
    assert await world.process(receipt.entry_id) is ProcessOutcome.SKIPPED

    entry = await world.entry(receipt.entry_id)
    assert (entry.status, entry.attempts) == (InboxStatus.PROCESSED, 1)
    assert entry.processed_at == START + timedelta(seconds=3), "when the read began"
    snapshot = await world.snapshot("/orders/1")
    assert snapshot.body == {"id": 1, "status": "paid", "seller": {"id": SELLER}}
    assert snapshot.topic == "orders_v2"
    assert world.marketplace.reads == [("/orders/1", None)]


async def test_items_go_to_sync_listing(world):
    receipt = await world.receive(a_notification(topic="items", resource="/items/MLA123"))

    assert await world.process(receipt.entry_id) is ProcessOutcome.PROCESSED

    assert world.synced_items == [(1, "MLA123")]
    assert world.marketplace.reads == []


@pytest.mark.parametrize(
    ("topic", "resource", "path", "params"),
    [
        ("questions", "/questions/5", "/questions/5", {"api_version": "4"}),
        ("messages", "abc123", "/messages/abc123", {"tag": "post_sale"}),
        ("claims", "/v1/claims/77", "/post-purchase/v1/claims/77", None),
        ("post_purchase", "/post-purchase/v1/claims/77", "/post-purchase/v1/claims/77", None),
        ("payments", "/collections/9", "/collections/9", None),
        (
            "items_prices",
            "/items/MLA1/sale_price?context=x",
            "/items/MLA1/sale_price",
            {"context": "x"},
        ),
    ],
)
async def test_each_topic_reads_its_resource_where_section_9_3_says(
    world, topic, resource, path, params
):
    world.marketplace.bodies[path] = {"id": 1, "seller_id": SELLER}
    receipt = await world.receive(
        a_notification(topic=topic, resource=normalise_resource(topic, resource))
    )

    assert await world.process(receipt.entry_id) is ProcessOutcome.PROCESSED

    assert world.marketplace.reads == [(path, params)]
    assert (await world.snapshot(path)).topic == topic
    assert resource_request(topic, normalise_resource(topic, resource)) == (path, params or {})


async def test_a_resource_gone_from_mercadolibre_is_processed_not_retried(world):
    receipt = await world.receive(a_notification())

    assert await world.process(receipt.entry_id) is ProcessOutcome.GONE

    assert (await world.entry(receipt.entry_id)).status is InboxStatus.PROCESSED
    assert await world.snapshot("/orders/1") is None and world.jobs()[1:] == []


async def test_failures_are_retried_on_the_schedule_then_become_a_dead_letter(world):
    world.marketplace.errors["/orders/1"] = Unavailable("503 from MercadoLibre")
    receipt = await world.receive(a_notification())
    delays = []
    for _attempt in range(5):
        outcome = await world.process(receipt.entry_id)
        entry = await world.entry(receipt.entry_id)
        if outcome is ProcessOutcome.RETRY:
            delays.append((entry.next_attempt_at - world.clock.now()).total_seconds())
            assert world.delays()[-1] == delays[-1]
            assert await world.process(receipt.entry_id) is ProcessOutcome.SKIPPED, "not due"
            world.clock.advance(delays[-1])

    assert delays == [10, 60, 300, 1800]
    assert outcome is ProcessOutcome.DEAD
    assert (entry.status, entry.attempts, entry.failures) == (InboxStatus.DEAD, 5, 5)
    (letter,) = await world.letters()
    assert letter.reference == str(receipt.entry_id) and letter.attempts == 5
    assert "503 from MercadoLibre" in letter.error and "gave up after 5 failures" in letter.error
    assert letter.account_id == 1


async def _read_during_a_burst(world, rearms: int) -> tuple[int, list[asyncio.Task]]:
    """A notification whose resource is read `rearms` times over, each read overtaken
    by another notification of it arriving meanwhile; the reads wait at the gate."""
    world.marketplace.gate = asyncio.Event()
    receipt = await world.receive(a_notification())
    reads = []
    for n in range(rearms):
        world.marketplace.reading.clear()
        reads.append(asyncio.create_task(world.process(receipt.entry_id)))
        await world.marketplace.reading.wait()
        again = await world.receive(a_notification(f"burst-{n}", resource="/orders/1"))
        assert again.status is Acknowledgement.DUPLICATE, "re-armed"
    world.marketplace.reading.clear()
    reads.append(asyncio.create_task(world.process(receipt.entry_id)))
    await world.marketplace.reading.wait()
    return receipt.entry_id, reads


async def test_re_arms_during_a_read_spend_none_of_the_retry_budget(world):
    """Five notifications arriving while their resource is read are five claims, not
    five failures: the one transient error after them is retried, not a dead letter."""
    entry_id, reads = await _read_during_a_burst(world, rearms=5)
    world.marketplace.errors["/orders/1"] = Unavailable("503 from MercadoLibre")
    world.marketplace.gate.set()

    outcomes = await asyncio.gather(*reads)

    assert outcomes == [ProcessOutcome.SUPERSEDED] * 5 + [ProcessOutcome.RETRY]
    entry = await world.entry(entry_id)
    assert (entry.status, entry.attempts, entry.failures) == (InboxStatus.FAILED, 6, 1)
    assert entry.next_attempt_at == START + timedelta(seconds=10), "the first delay"
    assert await world.letters() == []


async def test_after_re_arms_the_fifth_real_failure_still_leaves_a_dead_letter(world):
    entry_id, reads = await _read_during_a_burst(world, rearms=5)
    world.marketplace.errors["/orders/1"] = Unavailable("503 from MercadoLibre")
    world.marketplace.gate.set()
    outcomes = list(await asyncio.gather(*reads))
    for delay in (10, 60, 300, 1800):
        world.clock.advance(delay)
        outcomes.append(await world.process(entry_id))

    assert outcomes[5:] == [ProcessOutcome.RETRY] * 4 + [ProcessOutcome.DEAD]
    entry = await world.entry(entry_id)
    assert (entry.status, entry.attempts, entry.failures) == (InboxStatus.DEAD, 10, 5)
    (letter,) = await world.letters()
    assert "gave up after 5 failures" in letter.error and letter.attempts == 5, (
        "failed reads, as the error says"
    )


async def test_a_read_that_always_outlives_its_lease_ends_as_a_dead_letter(world):
    """Each lease that runs out is taken over and counted as a failure (the read died or
    hung); after the fifth the entry is a dead letter instead of being taken over for
    ever."""
    world.marketplace.bodies["/orders/1"] = {"id": 1, "seller": {"id": SELLER}}
    world.marketplace.gate = asyncio.Event()  # every read hangs
    receipt = await world.receive(a_notification())
    hung = []
    for _ in range(5):
        world.marketplace.reading.clear()
        hung.append(asyncio.create_task(world.process(receipt.entry_id)))
        await world.marketplace.reading.wait()
        world.clock.advance(5 * 60)  # the lease runs out

    outcome = await world.process(receipt.entry_id)

    assert outcome is ProcessOutcome.DEAD
    (letter,) = await world.letters()
    assert "gave up after 5 failures" in letter.error and "lease" in letter.error
    assert letter.attempts == 5
    world.marketplace.gate.set()
    assert set(await asyncio.gather(*hung)) == {ProcessOutcome.SUPERSEDED}


async def test_a_replayed_notification_gets_its_full_retry_budget_again(world):
    world.marketplace.errors["/orders/1"] = Unavailable("503 from MercadoLibre")
    receipt = await world.receive(a_notification())
    for delay in (10, 60, 300, 1800, 0):
        await world.process(receipt.entry_id)
        world.clock.advance(delay)
    (letter,) = await world.letters()

    await ReplayDeadLetter(world.uow, world.clock, CODEC)(letter.id)

    entry = await world.entry(receipt.entry_id)
    assert (entry.status, entry.failures) == (InboxStatus.RECEIVED, 0)
    assert entry.attempts == 5, "claims keep counting: a claim from before cannot finish"
    assert await world.process(receipt.entry_id) is ProcessOutcome.RETRY
    assert (await world.entry(receipt.entry_id)).failures == 1


async def test_mercadolibres_retry_after_is_honoured_when_longer(world):
    world.marketplace.errors["/orders/1"] = RateLimited("429", retry_after=120)
    receipt = await world.receive(a_notification())

    assert await world.process(receipt.entry_id) is ProcessOutcome.RETRY

    entry = await world.entry(receipt.entry_id)
    assert entry.next_attempt_at == START + timedelta(seconds=120)
    assert RetryPolicy().delay_after(1, retry_after=3) == 10


@pytest.mark.parametrize(
    "error",
    [
        Forbidden("403: the user has not access to the order"),
        ReauthorizationRequired(1, "invalid_grant"),
    ],
)
async def test_errors_no_retry_can_fix_go_straight_to_the_dead_letters(world, error):
    world.marketplace.errors["/orders/1"] = error
    receipt = await world.receive(a_notification())

    assert await world.process(receipt.entry_id) is ProcessOutcome.DEAD

    (letter,) = await world.letters()
    assert type(error).__name__ in letter.error and letter.attempts == 1


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("/orders/1", {"id": 1, "seller": {"id": 999}}),
        ("/questions/1", {"id": 1, "seller_id": 999}),
        ("/shipments/1", {"id": 1, "sender_id": "999"}),
        # §6.1's x-format-new shape, as the sandbox answers it.
        ("/shipments/2", {"id": 2, "origin": {"type": "selling_address", "sender_id": 999}}),
        ("/collections/1", {"id": 1, "collector": {"id": 999}}),
    ],
)
async def test_a_resource_of_another_seller_is_never_stored_as_ours(world, resource, body):
    """§9.6: an unsigned notification naming our seller and a resource whose body names
    another seller is a dead letter, and nothing of the resource is kept."""
    world.marketplace.bodies[resource] = body
    topic = {"orders": "orders_v2", "collections": "payments"}.get(
        resource.split("/")[1], resource.split("/")[1]
    )
    receipt = await world.receive(a_notification(topic=topic, resource=resource))

    assert await world.process(receipt.entry_id) is ProcessOutcome.DEAD
    (letter,) = await world.letters()
    assert "Forbidden" in letter.error and "999" in letter.error
    assert await world.snapshot(resource) is None


async def test_a_resource_naming_our_seller_is_stored(world):
    world.marketplace.bodies["/orders/1"] = {"id": 1, "seller": {"id": SELLER}}
    world.marketplace.bodies["/orders/2"] = {"id": 2, "seller": {"id": str(SELLER)}}
    for n in (1, 2):
        receipt = await world.receive(a_notification(n))
        assert await world.process(receipt.entry_id) is ProcessOutcome.PROCESSED


async def test_a_resource_that_names_no_owner_is_refused_never_accepted_by_default(world):
    """§9.6: whose a resource is must be established from its body; one that names no
    seller cannot be, and is a dead letter that says why (nothing of it is kept)."""
    world.marketplace.bodies["/orders/2"] = {"id": 2, "buyer": {"id": SELLER}}
    receipt = await world.receive(a_notification(2))

    assert await world.process(receipt.entry_id) is ProcessOutcome.DEAD
    (letter,) = await world.letters()
    assert "Forbidden" in letter.error and "names no owner" in letter.error
    assert await world.snapshot("/orders/2") is None


async def test_a_seller_needing_reauthorization_is_not_called_and_is_replayable(world):
    async with world.uow() as uow:
        account = await uow.accounts.get(1)
        account.needs_reauthorization("invalid_grant", START)
        await uow.accounts.save(account)
        await uow.commit()
    world.marketplace.bodies["/orders/1"] = {"id": 1, "seller": {"id": SELLER}}
    receipt = await world.receive(a_notification())
    assert receipt.status is Acknowledgement.ACCEPTED

    assert await world.process(receipt.entry_id) is ProcessOutcome.DEAD
    assert world.marketplace.reads == []
    (letter,) = await world.letters()
    assert "connected again" in letter.error and "replay after reconnecting" in letter.error

    async with world.uow() as uow:
        account = await uow.accounts.get(1)
        account.reconnected(account.nickname, "MLA", START)
        await uow.accounts.save(account)
        await uow.commit()
    (replay,) = await ReplayDeadLetters(world.uow, world.clock, CODEC)(account_id=1)
    assert replay.action == "requeued"
    entry = await world.entry(receipt.entry_id)
    assert (entry.status, entry.attempts, entry.failures) == (InboxStatus.RECEIVED, 1, 0)
    assert await world.process(receipt.entry_id) is ProcessOutcome.PROCESSED
    with pytest.raises(AlreadyReplayed, match="already replayed"):
        await ReplayDeadLetter(world.uow, world.clock, CODEC)(letter.id)


async def test_a_replay_while_a_newer_notification_waits_is_coalesced_into_it(world):
    world.marketplace.errors["/orders/1"] = Forbidden("403")
    dead = await world.receive(a_notification())
    await world.process(dead.entry_id)
    newer = await world.receive(a_notification("newer", resource="/orders/1"))
    assert newer.status is Acknowledgement.ACCEPTED, "a dead entry is no longer pending"
    (letter,) = await world.letters()

    replay = await ReplayDeadLetter(world.uow, world.clock, CODEC)(letter.id)

    assert replay.action == "coalesced"
    entry = await world.entry(dead.entry_id)
    assert entry.status is InboxStatus.PROCESSED and entry.processed_at is None


async def test_an_old_notification_is_skipped_when_a_later_read_covered_it(world):
    """Coalescing: a read that began after a notification arrived covers it."""
    world.marketplace.errors["/orders/1"] = Forbidden("403")
    old = await world.receive(a_notification())
    await world.process(old.entry_id)
    del world.marketplace.errors["/orders/1"]
    world.marketplace.bodies["/orders/1"] = {"id": 1, "seller": {"id": SELLER}}
    world.clock.advance(60)
    newer = await world.receive(a_notification("newer", resource="/orders/1"))
    await world.process(newer.entry_id)
    (letter,) = await world.letters()
    async with world.uow() as uow:
        entry = await uow.inbox.get(old.entry_id)
        entry.move_to(InboxStatus.RECEIVED, START)
        await uow.inbox.save(entry)
        await uow.commit()

    assert await world.process(old.entry_id) is ProcessOutcome.COALESCED

    assert len(world.marketplace.reads) == 2, "no third read"
    assert (await world.entry(old.entry_id)).processed_at == START + timedelta(seconds=60)
    assert letter.is_open


async def test_a_notification_arriving_during_a_read_makes_the_resource_read_again(world):
    """The change it announces may be later than the read in flight: the entry is
    re-armed, the read in flight is discarded, and a second read stores the new state."""
    world.marketplace.bodies["/orders/1"] = {"id": 1, "status": "paid", "seller": {"id": SELLER}}
    world.marketplace.gate = asyncio.Event()
    first = await world.receive(a_notification())
    reading = asyncio.create_task(world.process(first.entry_id))
    await world.marketplace.reading.wait()
    world.marketplace.bodies["/orders/1"] = {
        "id": 1,
        "status": "cancelled",
        "seller": {"id": SELLER},
    }

    again = await world.receive(a_notification("cancelled", resource="/orders/1"))
    world.marketplace.gate.set()

    assert again.status is Acknowledgement.DUPLICATE and again.entry_id == first.entry_id
    assert await reading is ProcessOutcome.SUPERSEDED
    assert await world.snapshot("/orders/1") is None, "the first read is not stored"
    assert world.jobs() == [jobs.ProcessNotification(first.entry_id)] * 2
    assert await world.process(first.entry_id) is ProcessOutcome.PROCESSED
    assert (await world.snapshot("/orders/1")).body["status"] == "cancelled"


async def test_concurrent_jobs_for_one_notification_read_it_once(world):
    world.marketplace.bodies["/orders/1"] = {"id": 1, "seller": {"id": SELLER}}
    receipt = await world.receive(a_notification())

    outcomes = await asyncio.gather(*(world.process(receipt.entry_id) for _ in range(5)))

    assert sorted(outcomes) == sorted([ProcessOutcome.PROCESSED] + [ProcessOutcome.SKIPPED] * 4)
    assert len(world.marketplace.reads) == 1


# -- sweeping ----------------------------------------------------------------------------


async def test_the_sweep_queues_what_was_never_processed_and_expired_leases(world):
    world.marketplace.bodies["/orders/2"] = {"id": 2, "seller": {"id": SELLER}}
    world.marketplace.gate = asyncio.Event()
    stuck = await world.receive(a_notification(1))
    held = await world.receive(a_notification(2))
    reading = asyncio.create_task(world.process(held.entry_id))
    await world.marketplace.reading.wait()
    world.queue.clear()
    requeue = RequeueLostWork(world.uow, world.queue, world.clock, grace=timedelta(minutes=1))

    async def sweep() -> int:
        return (await requeue(["notifications"]))["notifications"]

    assert await sweep() == 0, "within the grace period"
    world.clock.advance(61)
    assert await sweep() == 1
    assert world.jobs() == [jobs.ProcessNotification(stuck.entry_id)]
    world.clock.advance(5 * 60)  # the reading worker's lease runs out: it "died"
    assert await sweep() == 2
    world.marketplace.gate.set()
    assert await reading is ProcessOutcome.PROCESSED


async def test_the_sweep_pages_through_a_large_backlog(world):
    for n in range(25):
        await world.receive(a_notification(n))
    world.queue.clear()
    world.clock.advance(120)

    queued = await RequeueLostWork(world.uow, world.queue, world.clock, batch=10)()

    assert queued == {
        "notifications": 25,
        "deliveries": 0,
        "auto_answers": 0,
        "answers": 0,
        "message_sends": 0,
        "rule_messages": 0,
        "stock_batches": 0,
        "syncs": 0,
        "replays": 0,
    }
    assert len({job.entry_id for job in world.jobs()}) == 25


# -- the missed feeds --------------------------------------------------------------------


async def test_missed_feeds_are_read_for_every_topic_and_items_per_site(world):
    other = await world.account(seller_id=777)
    async with world.uow() as uow:
        account = await uow.accounts.get(other.id)
        account.site_id = "MCO"
        await uow.accounts.save(account)
        await uow.commit()
    marketplace = world.marketplace
    marketplace.refuse_missed_for = {1}
    marketplace.lose(
        *(a_notification(n, received=START - timedelta(hours=n)) for n in range(150)),
        a_notification("i1", topic="items", resource="/items/MLA1"),
        a_notification("x", topic="items", resource="/items/MLA2", application_id=5),
        a_notification("i2", topic="items", resource="/items/MCO1", user_id=999),
    )
    recover = RecoverMissedFeeds(world.uow, marketplace, world.receive, world.clock, APP_ID)

    sync_log = await recover(SyncTrigger.SCHEDULE)

    assert sync_log.status is SyncStatus.SUCCEEDED
    assert sync_log.counts == {"recovered": 151, "rejected": 1, "foreign": 1}
    assert set(marketplace.missed_readers) == {1, other.id}, "the refused reader is replaced"
    entries = await world.entries()
    assert {entry.origin for entry in entries} == {"recovered"}
    assert len(entries) == 152

    again = await recover(SyncTrigger.API)
    assert again.counts == {"duplicate": 152, "foreign": 1}


async def test_missed_feeds_capped_below_the_page_asked_for_are_read_to_their_end(world):
    """§9.5: no maximum `limit` is documented; a short page is not the end of the feed."""
    world.marketplace.missed_limit = 10
    world.marketplace.lose(*(a_notification(n) for n in range(35)))
    recover = RecoverMissedFeeds(world.uow, world.marketplace, world.receive, world.clock, APP_ID)

    sync_log = await recover(SyncTrigger.SCHEDULE)

    assert sync_log.counts == {"recovered": 35}


async def test_a_recovered_notification_older_than_the_last_read_is_coalesced(world):
    world.marketplace.bodies["/orders/1"] = {"id": 1, "seller": {"id": SELLER}}
    live = await world.receive(a_notification())
    await world.process(live.entry_id)
    world.clock.advance(3600)
    world.marketplace.lose(
        a_notification("lost", resource="/orders/1", received=START - timedelta(hours=2))
    )
    await RecoverMissedFeeds(
        world.uow, world.marketplace, world.receive, world.clock, APP_ID, topics=("orders_v2",)
    )()
    recovered = next(e for e in await world.entries() if e.origin == "recovered")

    assert await world.process(recovered.id) is ProcessOutcome.COALESCED
    assert len(world.marketplace.reads) == 1


async def test_without_a_connected_account_the_missed_feeds_cannot_be_read():
    world = World()
    recover = RecoverMissedFeeds(world.uow, world.marketplace, world.receive, world.clock, APP_ID)
    sync_log = await recover()
    assert sync_log.counts == {"no_connected_account": 1}


async def test_the_fan_out_queues_one_job_per_active_account(world):
    await world.account(seller_id=2)
    await world.account(seller_id=3, status=AccountStatus.NEEDS_REAUTHORIZATION)

    queued = await FanOut(world.uow, world.clock)("reconcile_orders", SyncTrigger.SCHEDULE)

    assert queued == 2
    # Each is a stored request first (a queued sync log its job names).
    assert [(job.account_id, job.trigger) for job in world.jobs(jobs.ReconcileOrders)] == [
        (1, SyncTrigger.SCHEDULE),
        (2, SyncTrigger.SCHEDULE),
    ]
    async with world.uow() as uow:
        for job in world.jobs(jobs.ReconcileOrders):
            requested = await uow.sync_logs.get(job.log_id)
            assert (requested.status.value, requested.account_id) == ("queued", job.account_id)


async def test_notifications_arriving_together_are_stored_in_one_batch_with_one_job(world):
    world.marketplace.bodies.update(
        {f"/orders/{n}": {"id": n, "seller": {"id": SELLER}} for n in range(5)}
    )
    commits = 0
    original = world.uow

    def counting_uow():
        uow = original()
        commit = uow.commit

        async def counted():
            nonlocal commits
            commits += 1
            await commit()

        uow.commit = counted
        return uow

    world.receive = ReceiveNotification(counting_uow, world.clock, APP_ID)

    receipts = await asyncio.gather(
        *(world.receive(a_notification(n)) for n in (0, 1, 2, 3, 4, 2)),
        world.receive(a_notification("x", user_id=999)),
    )

    assert [r.status.value for r in receipts] == ["accepted"] * 5 + ["duplicate", "rejected"]
    assert commits == 1
    (job,) = world.queue.jobs
    ids = [r.entry_id for r in receipts[:5]]
    assert job == jobs.ProcessNotifications(tuple(ids))
    outcomes = await ProcessNotifications(world.process)(job.entry_ids)
    assert outcomes == [ProcessOutcome.PROCESSED] * 5


class PoisonedUnitOfWork(InMemoryUnitOfWork):
    """A store that refuses any write holding the notification `n-poison`."""

    async def __aenter__(self):
        entered = await super().__aenter__()
        add_many = entered.inbox.add_many

        async def refusing(entries):
            if any(e.notification.id == "n-poison" for e in entries):
                raise Unavailable("value out of range")
            return await add_many(entries)

        entered.inbox.add_many = refusing
        return entered


async def test_one_bad_notification_does_not_fail_the_others_of_its_batch(world):
    world.receive = ReceiveNotification(
        lambda: PoisonedUnitOfWork(world.store, world.queue), world.clock, APP_ID
    )

    receipts = await asyncio.gather(
        *(world.receive(a_notification(n)) for n in (1, "poison", 2)), return_exceptions=True
    )

    assert receipts[0].status is receipts[2].status is Acknowledgement.ACCEPTED
    assert isinstance(receipts[1], Unavailable)
    assert len(await world.entries()) == 2
