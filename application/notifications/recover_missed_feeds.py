from __future__ import annotations

import logging

from application.errors import (
    Forbidden,
    ReauthorizationRequired,
)
from application.notifications.errors import ForeignNotification
from application.notifications.receive_notification import (
    RECOVERED,
    Acknowledgement,
    ReceiveNotification,
)
from application.ports.clock import Clock
from application.ports.marketplace import Marketplace, MissedFeedPage
from application.ports.unit_of_work import UnitOfWorkFactory
from application.sync_logs.runs import SyncRuns
from domain.accounts import AccountStatus
from domain.sync import SyncKind, SyncLog, SyncTrigger

log = logging.getLogger(__name__)


MISSED_FEED_TOPICS = (
    "orders_v2",
    "items",
    "questions",
    "messages",
    "shipments",
    "payments",
    "post_purchase",
)


class RecoverMissedFeeds:
    """Read back what MercadoLibre gave up delivering (GET /missed_feeds, §9.5: kept two
    days only) and store it like a live notification, with origin `recovered`.

    The feed is the application's: any connected seller's token reads it (another one is
    tried if MercadoLibre refuses the first). `topic=items` needs a site (§9.5), so items
    are read once per site of the connected accounts. What was already stored is a
    duplicate and changes nothing. Every run is a meli_sync_logs row (kind missed_feeds).
    """

    PAGE = 100
    MAX_PAGES = 50

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        marketplace: Marketplace,
        receive: ReceiveNotification,
        clock: Clock,
        application_id: int,
        topics: tuple[str, ...] = MISSED_FEED_TOPICS,
        runs: SyncRuns | None = None,
    ) -> None:
        self._uow = uow
        self._marketplace = marketplace
        self._receive = receive
        self._clock = clock
        self._application_id = application_id
        self._topics = topics
        self._runs = runs or SyncRuns(uow, clock)

    async def __call__(self, trigger: SyncTrigger = SyncTrigger.SCHEDULE) -> SyncLog:
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
        sync_log = await self._runs.begin(SyncKind.MISSED_FEEDS, trigger, None)
        assert sync_log is not None  # a run started here, never a request
        readers = [account.id for account in accounts if account.id is not None]
        sites = sorted({account.site_id for account in accounts})

        async def read_all() -> None:
            if not readers:
                sync_log.count("no_connected_account")
                return
            for topic in self._topics:
                for site_id in sites if topic == "items" else [None]:
                    await self._read(sync_log, readers, topic, site_id)

        return await self._runs.run_logged(sync_log, read_all)

    async def _read(
        self, sync_log: SyncLog, readers: list[int], topic: str, site_id: str | None
    ) -> None:
        offset = 0
        for _ in range(self.MAX_PAGES):
            page = await self._page(sync_log, readers, topic, site_id, offset)
            if page.unreadable:
                sync_log.count("unreadable", page.unreadable)
            for notification in page.notifications:
                try:
                    receipt = await self._receive(notification, origin=RECOVERED)
                except ForeignNotification:
                    sync_log.count("foreign")
                    continue
                sync_log.count(
                    "recovered"
                    if receipt.status is Acknowledgement.ACCEPTED
                    else receipt.status.value
                )
            # §9.5 documents no maximum `limit`: a page shorter than asked for may be
            # MercadoLibre's cap, not the end. Only an empty page ends the feed.
            if page.size == 0:
                return
            offset += page.size

    async def _page(
        self, sync_log: SyncLog, readers: list[int], topic: str, site_id: str | None, offset: int
    ) -> MissedFeedPage:
        while True:
            sync_log.api_calls += 1
            try:
                return await self._marketplace.missed_feeds(
                    readers[0], self._application_id, topic, site_id, offset, self.PAGE
                )
            except (ReauthorizationRequired, Forbidden) as error:
                if len(readers) == 1:
                    raise
                log.info("account %s cannot read the missed feeds (%s)", readers[0], error)
                readers.pop(0)
