"""The periodic jobs: what runs on its own, and how often.

The scheduler (entrypoints/worker) queues each once per interval from any number of
replicas; `RunPeriodicJob` queues one by hand (REST `POST /jobs/{name}/run`, `meli jobs
run NAME`). The per-account syncs are fanned out: one job per active account.
"""

from __future__ import annotations

import attrs

from application import jobs
from application.jobs import Job, job_name
from domain.quota_plan import products_tick

VISITS_EVERY_SECONDS = 6 * 3600


@attrs.define(frozen=True)
class PeriodicJob:
    """A job queued every `every_seconds`, under a name people use (`products`, ...)."""

    name: str
    job: Job
    every_seconds: int

    def __attrs_post_init__(self) -> None:
        if self.every_seconds < 1:
            raise ValueError(f"{self.name}: the interval must be at least one second")

    def at(self, slot: int) -> Job:
        """The job to queue for the scheduled slot `slot`: a fan-out learns which slot it
        serves, so the quota plan can pick the accounts due and the slice each reads."""
        if isinstance(self.job, jobs.FanOut):
            return attrs.evolve(self.job, slot=slot)
        return self.job


@attrs.define(frozen=True)
class Intervals:
    """Seconds between two runs of each periodic job (the settings' MELI_*_INTERVAL)."""

    tokens: int
    products: int
    inventory: int
    orders: int
    questions: int
    sweep: int
    missed_feeds: int
    messages: int = 15 * 60
    reputation: int = 3600


def _per_account(name: str, job: type[Job], every_seconds: int) -> PeriodicJob:
    return PeriodicJob(name, jobs.FanOut(job_name(job)), every_seconds)


def periodic_jobs(intervals: Intervals) -> list[PeriodicJob]:
    """Every periodic job of the service; each is also run by hand by its name."""
    return [
        PeriodicJob("tokens", jobs.RefreshExpiringTokens(), intervals.tokens),
        # MELI_SYNC_PRODUCTS_INTERVAL is the staleness asked for: the quota plan picks,
        # on a finer tick, the slots each account's catalogue read runs on.
        _per_account("products", jobs.SyncCatalogue, products_tick(intervals.products)),
        _per_account("inventory", jobs.SyncInventory, intervals.inventory),
        _per_account("orders", jobs.ReconcileOrders, intervals.orders),
        _per_account("questions", jobs.ReconcileQuestions, intervals.questions),
        PeriodicJob("inbox_sweep", jobs.RequeueLostWork(("notifications",)), intervals.sweep),
        PeriodicJob("delivery_sweep", jobs.RequeueLostWork(("deliveries",)), intervals.sweep),
        PeriodicJob(
            "work_sweep",
            jobs.RequeueLostWork(
                (
                    "stock_batches",
                    "syncs",
                    "replays",
                    "auto_answers",
                    "answers",
                    "message_sends",
                    "rule_messages",
                )
            ),
            intervals.sweep,
        ),
        PeriodicJob("missed_feeds", jobs.RecoverMissedFeeds(), intervals.missed_feeds),
        PeriodicJob("messages", jobs.ReadUnreadMessages(), intervals.messages),
        # MercadoLibre counts visits per day: one read a day (of the two last days, so
        # that a missed run is mended by the next).
        PeriodicJob("visits", jobs.RecordVisits(), VISITS_EVERY_SECONDS),
        # One GET /users/{id} per active account, so the reputation gauge is fresh in every
        # process without anyone opening GET /analytics/reputation.
        PeriodicJob("reputation", jobs.RecordReputations(), intervals.reputation),
    ]
