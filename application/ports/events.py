"""What the use cases and the gateway report as they work (the metrics adapter counts it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Protocol

import attrs

from domain.accounts import AccountStatus


class PipelineEvents(Protocol):
    def received(self, topic: str, origin: str) -> None:
        """A new notification was stored for processing (origin: live or recovered)."""
        ...

    def duplicate(self, topic: str, origin: str) -> None:
        """A notification already stored (same id, or its resource already pending)."""
        ...

    def rejected(self, reason: str) -> None:
        """A notification refused: foreign application, unknown or disconnected seller,
        source address not allowed."""
        ...

    def processed(self, topic: str, outcome: str) -> None:
        """A processing attempt ended (processed, coalesced, gone, retry, dead, ...)."""
        ...

    def delivered(self, outcome: str) -> None:
        """An attempt to deliver an event to a subscriber ended (delivered, retry,
        failed)."""
        ...


class NoPipelineEvents:
    """Reports nowhere: for embedding and tests."""

    def received(self, topic: str, origin: str) -> None:
        return None

    def duplicate(self, topic: str, origin: str) -> None:
        return None

    def rejected(self, reason: str) -> None:
        return None

    def processed(self, topic: str, outcome: str) -> None:
        return None

    def delivered(self, outcome: str) -> None:
        return None


class GatewayEvents(Protocol):
    """What the MercadoLibre gateway reports of its calls."""

    def call(self, family: str, method: str, status: str, seconds: float) -> None:
        """One HTTP attempt ended: its endpoint family (`items`), method, status (the HTTP
        status, or `connection_error` / `timeout`) and latency."""
        ...

    def retry(self, family: str, reason: str) -> None:
        """An attempt is retried: `rate_limited`, `server_error`, `connection_error`,
        `timeout`."""
        ...

    def waited(self, key: str, seconds: float) -> None:
        """Time spent waiting for the shared rate limiter."""
        ...

    def permit(self, call_class: str, account_id: int | None) -> None:
        """One call permit taken from the hourly quota, for `call_class` (interactive,
        notification, periodic), on behalf of `account_id` (None: the application's own
        calls, such as the OAuth ones)."""
        ...


class OperationsGauges(Protocol):
    """Figures read from the store when a scrape asks for them."""

    def accounts(self, counts: Mapping[AccountStatus, int]) -> None:
        """Accounts by status."""
        ...

    def open_dead_letters(self, count: int) -> None:
        """Dead letters not replayed yet."""
        ...

    def quota_used(self, used: Mapping[str, int]) -> None:
        """Calls each class took in the current hour of the quota, across processes."""
        ...

    def quota_plan(
        self, staleness: Mapping[int, int], planned: Mapping[int, float], left_for_people: float
    ) -> None:
        """The plan: per account the staleness bound (seconds) and the periodic calls an
        hour planned, and the calls an hour left for people."""
        ...

    def low_stock(self, counts: Mapping[int, int]) -> None:
        """Stock levels under their low-stock threshold, per account (those left out
        have none)."""
        ...


@attrs.define(frozen=True)
class BusinessFigures:
    """Orders of the last 30 days by status; sales (gross less refunds) of the last 30
    days by currency; questions unanswered now; seconds to answer of the questions
    answered in the last 7 days; labels ready to print now; each connected account's
    reputation level as last stored (the periodic `reputation` job)."""

    orders_by_status: Mapping[str, int]
    sales_by_currency: Mapping[str, Decimal]
    unanswered_questions: int
    answer_waits_seconds: tuple[float, ...]
    labels_to_print: int
    reputation_levels: Mapping[int, int | None] = attrs.field(factory=dict)


class BusinessGauges(Protocol):
    """The seller-facing figures a scrape shows, read from the store (analytics)."""

    def business(self, figures: BusinessFigures) -> None:
        """Orders by status, sales by currency, unanswered questions, answer times and
        labels waiting."""
        ...

    def reputation(self, levels: Mapping[int, int | None]) -> None:
        """Per account its reputation level, 1 (red) to 5 (green), as last read."""
        ...


TokenRefreshObserver = Callable[[str], None]
"""Told the outcome of each token refresh: refreshed, reused, invalid_grant, error."""
