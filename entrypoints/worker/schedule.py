"""The periodic jobs and their intervals (configurable through the settings)."""

from __future__ import annotations

from entrypoints.settings import Settings
from entrypoints.worker.actors import REFRESH_TOKENS, SYNC_INVENTORY, SYNC_PRODUCTS
from entrypoints.worker.realtime_actors import (
    FAN_OUT,
    RECOVER_MISSED_FEEDS,
    SWEEP_DELIVERIES,
    SWEEP_INBOX,
    SYNC_ORDERS,
    SYNC_QUESTIONS,
)
from entrypoints.worker.scheduler import PeriodicJob


def _per_account(name: str, actor: str, every_seconds: int) -> PeriodicJob:
    """A sync of every active account: the periodic job queues one job per account."""
    return PeriodicJob(name, FAN_OUT, every_seconds, {"actor": actor, "trigger": "schedule"})


def periodic_jobs(settings: Settings) -> list[PeriodicJob]:
    """Every periodic job of the service; each is also triggerable by hand."""
    return [
        PeriodicJob("tokens", REFRESH_TOKENS, settings.token_refresh_interval),
        _per_account("products", SYNC_PRODUCTS, settings.sync_products_interval),
        _per_account("inventory", SYNC_INVENTORY, settings.sync_inventory_interval),
        _per_account("orders", SYNC_ORDERS, settings.sync_orders_interval),
        _per_account("questions", SYNC_QUESTIONS, settings.sync_questions_interval),
        PeriodicJob("inbox_sweep", SWEEP_INBOX, settings.sweep_interval),
        PeriodicJob("delivery_sweep", SWEEP_DELIVERIES, settings.sweep_interval),
        PeriodicJob(
            "missed_feeds",
            RECOVER_MISSED_FEEDS,
            settings.missed_feeds_interval,
            {"trigger": "schedule"},
        ),
    ]
