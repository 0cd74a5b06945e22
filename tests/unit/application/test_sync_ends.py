"""Every stage of the catalogue sync ends, and so does the run: a failing stage, a
cancellation lost below the gateway, a stage that never answers, the deadline. The log
is never left `running`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application.errors import Unavailable
from application.listings.sync_catalogue import SyncCatalogue
from application.ports.listing_gateway import ItemIdPage
from application.queries import SyncLogQuery
from domain.accounts import Account
from domain.sync import SyncLog, SyncStatus, SyncTrigger
from tests.unit.application.test_catalogue_sync import NOW, listings

HANG = 10  # seconds after which a run that has not ended counts as hung


class World:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.clock = ManualClock(NOW)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, InMemoryJobQueue())

    async def account(self) -> int:
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(202593498, "MLA", "SELLER"))
            await uow.commit()
        assert account.id is not None
        return account.id

    async def only_log(self) -> SyncLog:
        async with self.uow() as uow:
            [sync_log] = (await uow.sync_logs.search(SyncLogQuery())).items
        return sync_log


async def ended(run: Any) -> asyncio.Task[Any]:
    """The run's task once it ended; fails the test (without waiting on it any more) if
    it hangs: a hung TaskGroup cannot even be cancelled."""
    task = asyncio.ensure_future(run)
    await asyncio.wait([task], timeout=HANG)
    assert task.done(), "the sync hung"
    return task


class LosesCancellation:
    """A gateway whose multigets lose a cancellation the way the real one did on Redis
    (redis-py's wait_for on Python 3.11), while the first multiget fails: the stage
    failure that made the other fetchers stop. The scan's second page never comes, so
    no end of input ever reaches the fetchers."""

    def __init__(self, account_id: int) -> None:
        self.listings = {listing.item_id: listing for listing in listings(60, account_id)}
        self.answer = asyncio.Event()

    async def scan_item_ids(self, account_id, seller_id, scroll_id=None, limit=100):
        if scroll_id is not None:
            await asyncio.Event().wait()  # a slow MercadoLibre
        ids = tuple(sorted(self.listings))
        return ItemIdPage(ids, 120, "more")

    async def get_listings(self, account_id, item_ids):
        if item_ids[0] == min(self.listings):
            await asyncio.sleep(0)
            self.answer.set()  # the others' answers arrive as this stage fails
            raise RuntimeError("a bug in one stage")

        async def answer() -> dict:
            await self.answer.wait()
            return {i: self.listings[i] for i in item_ids}

        return await asyncio.wait_for(answer(), 5)


async def test_a_stage_failure_ends_the_run_even_when_the_gateway_loses_the_cancellation():
    world = World()
    account_id = await world.account()
    sync = SyncCatalogue(world.uow, LosesCancellation(account_id), world.clock)

    task = await ended(sync(account_id, SyncTrigger.SCHEDULE))

    assert isinstance(task.exception(), ExceptionGroup)
    sync_log = await world.only_log()
    assert sync_log.status is SyncStatus.FAILED
    assert "a bug in one stage" in sync_log.errors[-1]


class Silent:
    """A MercadoLibre that never answers a multigets (the connection hangs)."""

    def __init__(self, account_id: int) -> None:
        self.ids = tuple(listing.item_id for listing in listings(40, account_id))

    async def scan_item_ids(self, account_id, seller_id, scroll_id=None, limit=100):
        return ItemIdPage(self.ids if scroll_id is None else (), 40, None if scroll_id else "s")

    async def get_listings(self, account_id, item_ids):
        await asyncio.Event().wait()


async def test_a_run_that_cannot_finish_is_failed_with_the_reason_within_its_timeout():
    world = World()
    account_id = await world.account()
    sync = SyncCatalogue(world.uow, Silent(account_id), world.clock, timeout=0.2)

    sync_log = (await ended(sync(account_id, SyncTrigger.SCHEDULE))).result()

    assert sync_log.status is SyncStatus.FAILED
    assert "did not finish within 0.2 s" in sync_log.errors[-1]
    assert (await world.only_log()).status is SyncStatus.FAILED
    async with world.uow() as uow:
        assert await uow.listings.item_ids(account_id) == set(), "nothing half-stored"


class DeadWriterInput:
    """A catalogue larger than the queues hold, whose storing fails at once: the
    fetchers fill the queue to the dead writer and must not wait on it forever."""

    def __init__(self, account_id: int) -> None:
        self.listings = {listing.item_id: listing for listing in listings(2000, account_id)}

    async def scan_item_ids(self, account_id, seller_id, scroll_id=None, limit=100):
        ids = sorted(self.listings)
        start = int(scroll_id or 0)
        page = tuple(ids[start : start + limit])
        return ItemIdPage(page, len(ids), str(start + limit) if page else None)

    async def get_listings(self, account_id, item_ids):
        return {i: self.listings[i] for i in item_ids}

    async def get_description(self, account_id, item_id):
        return None


class RefusingListings(InMemoryUnitOfWork):
    """A store that takes no listing: every write of the writer stage fails."""

    async def __aenter__(self) -> RefusingListings:
        await super().__aenter__()

        async def refuse(listings: Any) -> None:
            raise Unavailable("the database refused the write")

        self.listings.upsert = refuse  # type: ignore[method-assign]
        return self


class FailingStore(World):
    def uow(self) -> InMemoryUnitOfWork:
        return RefusingListings(self.store, InMemoryJobQueue())


async def test_a_writer_that_fails_stops_fetchers_blocked_on_its_full_queue():
    world = FailingStore()
    account_id = await world.account()
    sync = SyncCatalogue(world.uow, DeadWriterInput(account_id), world.clock, concurrency=2)

    sync_log = (await ended(sync(account_id, SyncTrigger.SCHEDULE))).result()

    assert sync_log.status is SyncStatus.FAILED
    assert "the database refused the write" in sync_log.errors[-1]


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_a_run_that_goes_well_still_ends_with_every_listing(concurrency):
    world = World()
    account_id = await world.account()
    catalogue = DeadWriterInput(account_id)
    sync = SyncCatalogue(world.uow, catalogue, world.clock, concurrency=concurrency)

    sync_log = (await ended(sync(account_id, SyncTrigger.SCHEDULE))).result()

    assert sync_log.status is SyncStatus.SUCCEEDED
    assert sync_log.counts["fetched"] == 2000
