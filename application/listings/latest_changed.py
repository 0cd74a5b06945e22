"""Freshness without full reads: the listings MercadoLibre changed last, found by their order.

The seller search can list a seller's items the most recently changed first
(mercadolibre-api.md §4.11, `orders=last_updated_desc`). A sliced catalogue run reads the
first page of that order, multigets its listings in order (§4.11: 20 at a time) and keeps
those newer than the local copy (a later `last_updated`, or not stored at all), stopping
at the first one that is not: everything after it changed earlier, so the local copy
already has it. A change whose notification was lost (§9.5) is thus read within
FRESHNESS_EVERY seconds, at two calls when nothing changed, instead of waiting for its
slice (domain.quota_plan). The calls are the run's, of its class (periodic), and are
counted in its sync log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from application.ports.listing_gateway import SEARCH_MAX_OFFSET, ListingGateway
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.queries import Paging, SyncLogQuery
from domain.listings import Listing
from domain.quota_plan import FRESHNESS_EVERY, FRESHNESS_PAGE, FRESHNESS_PAGES
from domain.sync import SyncKind, SyncLog

MULTIGET_SIZE = 20  # §4.11
# The count a run that made the pass records (the pages it read).
PAGES_COUNT = "latest_changed_pages"


async def freshness_due(
    uow: UnitOfWork, account_id: int, run_id: int | None, now: datetime
) -> bool:
    """Whether a catalogue run of the account should read the latest changed listings: no
    other recent run did it within FRESHNESS_EVERY seconds of `now`."""
    runs = await uow.sync_logs.search(
        SyncLogQuery(account_id=account_id, kind=SyncKind.PRODUCTS.value, paging=Paging(limit=10))
    )
    since = now - timedelta(seconds=FRESHNESS_EVERY)
    return not any(
        log.id != run_id and log.counts.get(PAGES_COUNT, 0) > 0 and log.started_at > since
        for log in runs.items
    )


def is_newer(remote: Listing, stored: Listing | None) -> bool:
    """Whether MercadoLibre's copy is newer than the stored one. One without
    `last_updated` cannot be placed in the order: not newer (the pass stops there)."""
    if stored is None:
        return True
    if remote.last_updated is None:
        return False
    return stored.last_updated is None or remote.last_updated > stored.last_updated


class LatestChanged:
    """One pass over the seller's latest changed listings for a run whose log is `log`."""

    def __init__(self, listings: ListingGateway, log: SyncLog) -> None:
        self._listings = listings
        self._log = log

    async def newer(
        self, uow: UnitOfWorkFactory, account_id: int, seller_id: int, skip: frozenset[str]
    ) -> list[Listing]:
        """The listings, latest changed first, newer than their stored copy, read until
        the first that is not (at most FRESHNESS_PAGES pages). Ids in `skip` (read by
        this run already) are passed over without a call. Port errors propagate."""
        newer: list[Listing] = []
        offset = 0
        for _ in range(FRESHNESS_PAGES):
            window = await self._listings.recently_updated_item_ids(
                account_id, seller_id, offset, FRESHNESS_PAGE
            )
            self._log.api_calls += 1
            self._log.count(PAGES_COUNT)
            if not window.item_ids:
                break
            async with uow() as reading:
                stored = await reading.listings.find_many(window.item_ids)
            for start in range(0, len(window.item_ids), MULTIGET_SIZE):
                chunk = [i for i in window.item_ids[start : start + MULTIGET_SIZE] if i not in skip]
                if not chunk:
                    continue
                found = await self._listings.get_listings(account_id, chunk)
                self._log.api_calls += 1
                for item_id in chunk:
                    remote = found.get(item_id)
                    if remote is None:
                        continue  # gone meanwhile: the scanning slice will tell
                    if not is_newer(remote, stored.get(item_id)):
                        return self._counted(newer)
                    newer.append(remote)
            offset += len(window.item_ids)
            if offset >= window.total or offset + FRESHNESS_PAGE > SEARCH_MAX_OFFSET:
                break
        return self._counted(newer)

    def _counted(self, newer: list[Listing]) -> list[Listing]:
        self._log.count("latest_changed", len(newer))
        return newer
