"""Low-stock alerts (issue 18): raised once per crossing of a stock level under its
threshold, as a `stock.low` event to subscribers; re-armed when the level is back up."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.subscriptions.events import publish
from domain.stock_alerts import Crossings, LowStockAlert, crossings
from domain.subscriptions import STOCK_LOW

log = logging.getLogger(__name__)


async def check_low_stock(
    uow: UnitOfWork, account_id: int, now: datetime, item_ids: Iterable[str] | None = None
) -> Crossings:
    """Raise the alerts of the account's stock levels (of `item_ids` only, when given)
    that are under their threshold and have none raised, and re-arm those whose level is
    back at or above it, has no threshold any more, or is gone (a removed listing, a
    deleted variation). Each alert raised is one `stock.low` delivery per subscriber,
    queued after the caller's commit; the same crossing is never raised twice, whoever
    checks it. An account without thresholds nor raised alerts costs two reads."""
    thresholds = await uow.stock_alerts.thresholds(account_id)
    raised = await uow.stock_alerts.raised(account_id)
    if not thresholds and not raised:
        return Crossings()
    checked = None if item_ids is None else frozenset(item_ids)
    if checked is None:
        live = await uow.listings.item_ids(account_id)
    else:
        # A write's check reads its own listings, not the whole catalogue's ids.
        found = await uow.listings.find_many(checked)
        live = {
            item_id
            for item_id, listing in found.items()
            if listing.account_id == account_id and listing.removed_at is None
        }
    wanted = sorted(live)
    levels = await uow.inventory.for_items(wanted)
    found = crossings(
        account_id,
        (level for item_levels in levels.values() for level in item_levels),
        thresholds,
        raised,
        now,
        checked_items=checked,
    )
    stored = await uow.stock_alerts.raise_alerts(found.raised)
    if found.rearmed:
        await uow.stock_alerts.rearm(account_id, found.rearmed)
    if stored:
        await _announce(uow, stored, now)
    return Crossings(tuple(stored), found.rearmed)


async def _announce(uow: UnitOfWork, alerts: list[LowStockAlert], now: datetime) -> None:
    account = await uow.accounts.get(alerts[0].account_id)
    listings = await uow.listings.find_many({alert.item_id for alert in alerts})
    for alert in alerts:
        listing = listings.get(alert.item_id)
        sku = None
        if listing is not None:
            sku = listing.seller_sku
            if alert.variation_id is not None:
                variation = next(
                    (v for v in listing.variations if v.id == alert.variation_id), None
                )
                sku = variation.seller_sku if variation is not None else None
        log.info(
            "stock of %s/%s is %d, under its threshold %d",
            alert.item_id,
            alert.variation_id,
            alert.publishable,
            alert.threshold,
        )
        await publish(
            uow,
            STOCK_LOW,
            alert.event_id,
            {
                "id": alert.event_id,
                "topic": STOCK_LOW,
                "resource": f"/items/{alert.item_id}",
                "account_id": account.id,
                "seller_id": account.seller_id,
                "occurred_at": alert.raised_at.isoformat(),
                "data": {
                    "item_id": alert.item_id,
                    "variation_id": alert.variation_id,
                    "title": listing.title if listing is not None else None,
                    "seller_sku": sku,
                    "publishable": alert.publishable,
                    "threshold": alert.threshold,
                },
            },
            now,
        )


class CheckLowStock:
    """Check an account's stock levels against its thresholds now (after a sync, or
    when a threshold changes); see check_low_stock."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, account_id: int, item_ids: Iterable[str] | None = None) -> Crossings:
        async with self._uow() as uow:
            found = await check_low_stock(uow, account_id, self._clock.now(), item_ids)
            await uow.commit()
        return found
