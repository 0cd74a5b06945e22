"""Freshness without full reads: the listings MercadoLibre changed last, found by their order.

The seller search can list a seller's items the most recently changed first
(mercadolibre-api.md §4.11, `orders=last_updated_desc`). A sliced catalogue run reads
that order a page at a time, multigets its listings in order (§4.11: 20 at a time) and
keeps those newer than the local copy (a later `last_updated`, or not stored at all),
down to the changes the last complete pass looked at (their `last_updated` before its
start, less a minute of clock skew). Without such a pass it stops at the first listing
that is not newer. Not there: processed notifications keep the head of the order fresh,
so a change whose notification was lost (a failure, a dead letter, §9.5) often lies
behind ones already stored. Such a change is read within FRESHNESS_EVERY seconds, at two
calls when nothing changed, instead of waiting for its slice (domain.quota_plan). The
calls are the run's, of its class (periodic), and are counted in its sync log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from application.ports.listing_gateway import SEARCH_MAX_OFFSET, ListingGateway
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.queries import Paging, SyncLogQuery
from domain.listings import Listing
from domain.quota_plan import FRESHNESS_EVERY, FRESHNESS_PAGE, FRESHNESS_PAGES
from domain.sync import SyncKind, SyncLog

MULTIGET_SIZE = 20  # §4.11
# The counts a run that made the pass records: the pages it read, and 1 when it went
# through every change since the pass before (not cut short by FRESHNESS_PAGES).
PAGES_COUNT = "latest_changed_pages"
COMPLETE_COUNT = "latest_changed_complete"
# How far back the runs are looked at for the last pass (a 20,000-listing catalogue runs
# every 31 s: 30 runs cover 15 minutes).
RUNS_LOOKED_AT = 30
# MercadoLibre's clock against ours [INF]: a change stamped this much before the last
# pass began may not have been in the order yet when it read it.
CLOCK_SKEW = timedelta(seconds=60)


@attrs.define(frozen=True)
class Freshness:
    """Whether a run should make the pass (`due`), and from when (`since`): the changes
    before it were looked at by an earlier pass that went through them all; None when no
    recent run's did."""

    due: bool
    since: datetime | None


async def freshness(
    uow: UnitOfWork, account_id: int, run_id: int | None, now: datetime
) -> Freshness:
    """The pass is due when no other recent run of the account made it within
    FRESHNESS_EVERY seconds of `now`."""
    runs = await uow.sync_logs.search(
        SyncLogQuery(
            account_id=account_id, kind=SyncKind.PRODUCTS.value, paging=Paging(limit=RUNS_LOOKED_AT)
        )
    )
    others = [log for log in runs.items if log.id != run_id]
    recent = now - timedelta(seconds=FRESHNESS_EVERY)
    due = not any(log.counts.get(PAGES_COUNT, 0) > 0 and log.started_at > recent for log in others)
    complete = next((log.started_at for log in others if log.counts.get(COMPLETE_COUNT)), None)
    return Freshness(due, None if complete is None else complete - CLOCK_SKEW)


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
        self,
        uow: UnitOfWorkFactory,
        account_id: int,
        seller_id: int,
        skip: frozenset[str],
        since: datetime | None = None,
    ) -> list[Listing]:
        """The listings, latest changed first, newer than their stored copy (at most
        FRESHNESS_PAGES pages). The pass goes down the order until a listing changed
        before `since` (the last complete pass looked at it), or, with no `since`, until
        the first listing that is not newer: notifications keep the head of the order
        fresh, so a change whose notification was lost often lies behind ones that are
        stored already. Ids in `skip` (read by this run already) are passed over without
        a call. Port errors propagate."""
        newer: list[Listing] = []
        offset = 0
        for _ in range(FRESHNESS_PAGES):
            window = await self._listings.recently_updated_item_ids(
                account_id, seller_id, offset, FRESHNESS_PAGE
            )
            self._log.api_calls += 1
            self._log.count(PAGES_COUNT)
            if not window.item_ids:
                return self._counted(newer, complete=True)
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
                    if since is not None and _changed_before(remote, since):
                        return self._counted(newer, complete=True)
                    if is_newer(remote, stored.get(item_id)):
                        newer.append(remote)
                    elif since is None:
                        return self._counted(newer, complete=True)
            offset += len(window.item_ids)
            if offset >= window.total:
                return self._counted(newer, complete=True)
            if offset + FRESHNESS_PAGE > SEARCH_MAX_OFFSET:
                break
        return self._counted(newer, complete=False)

    def _counted(self, newer: list[Listing], complete: bool) -> list[Listing]:
        self._log.count("latest_changed", len(newer))
        if complete:
            self._log.count(COMPLETE_COUNT)
        return newer


def _changed_before(listing: Listing, since: datetime) -> bool:
    return listing.last_updated is not None and listing.last_updated < since
