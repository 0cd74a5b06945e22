"""Freshness without full reads: what changed since the last catalogue run is read first.

A seller's `items` notifications (§9.3), live or recovered from the missed feeds (§9.5),
announce which listings changed. Each is read within seconds when its notification is
processed; the next catalogue run of the account reads them again first, whatever slice
of the catalogue it covers (domain.quota_plan), so that a listing whose notification
could not be processed (a failure, a dead letter) waits one run of the account, not a
whole round. A listing nobody touched is read once per round (the staleness bound the
plan reports).
"""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWork
from application.queries import Paging, SyncLogQuery
from domain.sync import SyncKind, SyncStatus

# At most this many listings read first in one run (ten multigets): what the plan's
# estimates leave room for.
CHANGED_FIRST = 200
ITEMS_TOPIC = "items"


async def changed_since_last_run(
    uow: UnitOfWork, account_id: int, seller_id: int, run_id: int | None
) -> list[str]:
    """The ids of the listings the seller's notifications announced since the last
    catalogue run of the account that succeeded (before run `run_id`) began, the latest
    first; none when no recent run succeeded (too far back to tell: the round reads
    everything)."""
    runs = await uow.sync_logs.search(
        SyncLogQuery(account_id=account_id, kind=SyncKind.PRODUCTS.value, paging=Paging(limit=10))
    )
    since = next(
        (
            log.started_at
            for log in runs.items
            if log.id != run_id and log.status is SyncStatus.SUCCEEDED
        ),
        None,
    )
    if since is None:
        return []
    resources = await uow.inbox.changed_since(seller_id, ITEMS_TOPIC, since, CHANGED_FIRST)
    ids = [resource.rstrip("/").rsplit("/", 1)[-1] for resource in resources]
    return list(dict.fromkeys(item_id for item_id in ids if item_id))
