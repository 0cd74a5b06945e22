from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime

from application.errors import ApplicationError
from application.notifications.process_notification import ProcessNotification, ProcessOutcome
from application.notifications.record_resource import ITEM_TOPICS
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Account
from domain.notifications import InboxEntry

log = logging.getLogger(__name__)

# Read and store several listings of one account (application.listings: SyncListings);
# per item id, what became of it, an exception when it could not be read or stored.
SyncItems = Callable[[int, Sequence[str]], Awaitable[Mapping[str, object]]]


class ProcessNotifications:
    """Process the new notifications of one batch (the `process_notifications` job).

    Each ends exactly as ProcessNotification would end it alone (processed, coalesced,
    gone, retried, dead, superseded), at a fraction of the cost: the entries are claimed
    in one statement and their coalescing read in one query; the listings of `items`
    notifications (§9.3) are read with multigets and stored together (`sync_items`), and
    their entries finished in one unit of work; the other topics are read one by one,
    a few at a time."""

    CONCURRENCY = 8

    def __init__(
        self,
        process: ProcessNotification,
        uow: UnitOfWorkFactory | None = None,
        clock: Clock | None = None,
        sync_items: SyncItems | None = None,
    ) -> None:
        self._process = process
        self._uow = uow
        self._clock = clock
        self._sync_items = sync_items

    async def __call__(self, entry_ids: Iterable[int]) -> list[ProcessOutcome]:
        ids = list(entry_ids)
        if self._uow is None or self._clock is None or self._sync_items is None:
            return await self._one_by_one(ids)
        started = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.inbox.claim_many(ids, started, started + self._process.lease)
            sellers = {entry.notification.user_id for entry in claimed}
            accounts = {seller: await uow.accounts.find_by_seller(seller) for seller in sellers}
            latest = await uow.inbox.latest_processed_many(
                {(e.notification.topic, e.notification.resource) for e in claimed}
            )
            await uow.commit()
        outcomes: dict[int, ProcessOutcome] = {}
        items: dict[int, list[tuple[InboxEntry, Account]]] = defaultdict(list)
        others: list[tuple[InboxEntry, Account]] = []
        for entry in claimed:
            assert entry.id is not None
            notification = entry.notification
            account = accounts[notification.user_id]
            settled = await self._process.settle_unread(
                entry, account, latest.get((notification.topic, notification.resource))
            )
            if settled is not None:
                outcomes[entry.id] = settled
                continue
            assert account is not None and account.id is not None
            if notification.topic in ITEM_TOPICS:
                items[account.id].append((entry, account))
            else:
                others.append((entry, account))
        slots = asyncio.Semaphore(self.CONCURRENCY)

        async def alone(entry: InboxEntry, account: Account) -> None:
            async with slots:
                assert entry.id is not None
                outcomes[entry.id] = await self._read_alone(entry, account, started)

        await asyncio.gather(
            *(
                self._items(account_id, reads, started, outcomes)
                for account_id, reads in items.items()
            ),
            *(alone(entry, account) for entry, account in others),
        )
        return [outcomes.get(entry_id, ProcessOutcome.SKIPPED) for entry_id in ids]

    async def _one_by_one(self, ids: Sequence[int]) -> list[ProcessOutcome]:
        slots = asyncio.Semaphore(self.CONCURRENCY)

        async def one(entry_id: int) -> ProcessOutcome:
            async with slots:
                return await self._process(entry_id)

        return list(await asyncio.gather(*(one(entry_id) for entry_id in ids)))

    async def _read_alone(
        self, entry: InboxEntry, account: Account, started: datetime
    ) -> ProcessOutcome:
        try:
            snapshot = await self._process.read(entry, account)
        except Exception as error:
            return await self._process.after_read_error(entry, account, error, started)
        [outcome] = await self._process.processed_many([(entry, account, snapshot)], started)
        return outcome

    async def _items(
        self,
        account_id: int,
        reads: list[tuple[InboxEntry, Account]],
        started: datetime,
        outcomes: dict[int, ProcessOutcome],
    ) -> None:
        assert self._sync_items is not None
        by_item = {
            item_id_of(entry.notification.resource): (entry, account) for entry, account in reads
        }
        try:
            synced: Mapping[str, object] = await self._sync_items(account_id, list(by_item))
        except ApplicationError as error:
            synced = dict.fromkeys(by_item, error)
        done = []
        for item_id, (entry, account) in by_item.items():
            outcome = synced.get(item_id)
            if isinstance(outcome, Exception):
                assert entry.id is not None
                outcomes[entry.id] = await self._process.after_read_error(
                    entry, account, outcome, started
                )
            else:
                done.append((entry, account, None))
        finished = await self._process.processed_many(done, started) if done else []
        for (entry, _, _), outcome in zip(done, finished, strict=True):
            assert entry.id is not None
            outcomes[entry.id] = outcome


def item_id_of(resource: str) -> str:
    """The item id of an `items` resource (`/items/MLA1?x=1` -> MLA1), as RecordResource
    reads it."""
    return resource.partition("?")[0].rstrip("/").rsplit("/", 1)[-1]
