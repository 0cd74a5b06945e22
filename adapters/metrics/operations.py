"""Figures read from the store at scrape time, and token refreshes."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge

from domain.accounts import AccountStatus


class OperationsMetrics:
    """OperationsGauges: accounts by status (an account in need of re-authorization
    shows on a dashboard and can page someone), the open dead letters, the hourly quota
    used per priority class (from the shared limiter, so every process's calls) and the
    quota plan (staleness bound and periodic calls an hour per account, what is left
    for people), and the stock levels under their low-stock threshold per account."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._accounts = Gauge(
            "meli_accounts",
            "Connected seller accounts by status",
            ["status"],
            registry=registry,
        )
        self._needing_reauthorization = Gauge(
            "meli_accounts_needing_reauthorization",
            "Accounts whose grant MercadoLibre refused; the seller must connect again",
            registry=registry,
        )
        self._dead_letters = Gauge(
            "meli_dead_letters",
            "Dead letters not replayed yet (notifications and jobs that failed for good)",
            registry=registry,
        )
        self._quota_used = Gauge(
            "meli_quota_used_calls",
            "MercadoLibre calls taken in the current hour of the quota, by priority class",
            ["call_class"],
            registry=registry,
        )
        self._staleness = Gauge(
            "meli_quota_staleness_bound_seconds",
            "The plan's bound on how long a listing of the account waits to be read again",
            ["account"],
            registry=registry,
        )
        self._planned = Gauge(
            "meli_quota_planned_calls_per_hour",
            "Periodic MercadoLibre calls an hour the plan gives the account",
            ["account"],
            registry=registry,
        )
        self._low_stock = Gauge(
            "meli_listings_low_stock",
            "Stock levels (listings, or variations) under their low-stock threshold",
            ["account"],
            registry=registry,
        )
        self._left_for_people = Gauge(
            "meli_quota_left_for_people_calls_per_hour",
            "Calls an hour of the quota the plan leaves for people's writes and notifications",
            registry=registry,
        )

    def accounts(self, counts: Mapping[AccountStatus, int]) -> None:
        for status in AccountStatus:
            self._accounts.labels(status.value).set(counts.get(status, 0))
        self._needing_reauthorization.set(counts.get(AccountStatus.NEEDS_REAUTHORIZATION, 0))

    def open_dead_letters(self, count: int) -> None:
        self._dead_letters.set(count)

    def quota_used(self, used: Mapping[str, int]) -> None:
        for call_class, count in used.items():
            self._quota_used.labels(call_class).set(count)

    def quota_plan(
        self, staleness: Mapping[int, int], planned: Mapping[int, float], left_for_people: float
    ) -> None:
        # Accounts no longer planned (disconnected) leave the gauges.
        self._staleness.clear()
        self._planned.clear()
        for account_id, seconds in staleness.items():
            self._staleness.labels(str(account_id)).set(seconds)
        for account_id, calls in planned.items():
            self._planned.labels(str(account_id)).set(calls)
        self._left_for_people.set(left_for_people)

    def low_stock(self, counts: Mapping[int, int]) -> None:
        # An account whose levels are all back up leaves the gauge.
        self._low_stock.clear()
        for account_id, count in counts.items():
            self._low_stock.labels(str(account_id)).set(count)


class TokenRefreshMetrics:
    """TokenRefreshObserver as a counter."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._counter = Counter(
            "meli_token_refreshes_total",
            "Token refreshes by outcome (refreshed, reused, invalid_grant, error)",
            ["outcome"],
            registry=registry,
        )

    def __call__(self, outcome: str) -> None:
        self._counter.labels(outcome).inc()
