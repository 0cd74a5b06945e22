"""Every background job the service runs, by actor name.

Each actor calls one use case and is idempotent: running it twice does no harm, which is
what lets the queue retry it and the scheduler fire it from any replica.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from application.inventory import APPLY_STOCK_BATCH
from domain.sync import SyncTrigger
from entrypoints.worker.realtime_actors import REALTIME_ACTORS
from entrypoints.worker.runtime import ActorSpec

if TYPE_CHECKING:
    from entrypoints.container import Container

log = logging.getLogger(__name__)

REFRESH_TOKENS = "refresh_tokens"
SYNC_PRODUCTS = "sync_products"
SYNC_INVENTORY = "sync_inventory"


async def refresh_tokens(container: Container) -> None:
    outcome = await container.refresh_expiring_tokens()()
    log.info("token refresh: %s", outcome)


async def sync_products(container: Container, account_id: int, trigger: str = "schedule") -> None:
    sync_log = await container.sync_catalogue()(account_id, SyncTrigger(trigger))
    log.info(
        "catalogue sync of account %s: %s %s", account_id, sync_log.status.value, sync_log.counts
    )


async def sync_inventory(container: Container, account_id: int, trigger: str = "schedule") -> None:
    sync_log = await container.sync_inventory()(account_id, SyncTrigger(trigger))
    log.info(
        "inventory sync of account %s: %s %s", account_id, sync_log.status.value, sync_log.counts
    )


async def apply_stock_batch(container: Container, batch_id: int) -> None:
    batch = await container.apply_stock_batch()(batch_id)
    log.info("stock batch %s: %s", batch_id, batch.status.value)


ACTORS: dict[str, ActorSpec] = {
    spec.name: spec
    for spec in (
        ActorSpec(REFRESH_TOKENS, refresh_tokens, max_retries=3),
        ActorSpec(SYNC_PRODUCTS, sync_products, max_retries=2),
        ActorSpec(SYNC_INVENTORY, sync_inventory, max_retries=2),
        ActorSpec(APPLY_STOCK_BATCH, apply_stock_batch, max_retries=3),
        *REALTIME_ACTORS,
    )
}
