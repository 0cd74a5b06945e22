"""Figures read from the store at scrape time, and token refreshes."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge

from domain.accounts import AccountStatus


class OperationsMetrics:
    """OperationsGauges: accounts by status (an account in need of re-authorization
    shows on a dashboard and can page someone) and the open dead letters."""

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

    def accounts(self, counts: Mapping[AccountStatus, int]) -> None:
        for status in AccountStatus:
            self._accounts.labels(status.value).set(counts.get(status, 0))
        self._needing_reauthorization.set(counts.get(AccountStatus.NEEDS_REAUTHORIZATION, 0))

    def open_dead_letters(self, count: int) -> None:
        self._dead_letters.set(count)


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
