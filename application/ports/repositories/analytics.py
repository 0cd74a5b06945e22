"""The read side of analytics: the daily sales roll-up and the counts of work waiting.
Repository conventions: see application.ports.repositories.accounts.

`account_ids` None means every account. Days are local days of each account's site
(domain.analytics), both ends inclusive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

import attrs

from domain.analytics import DailyFigures
from domain.reputation import Reputation


@attrs.define(frozen=True)
class WorkCounts:
    """The store's counts of work waiting now."""

    active_products: int = 0
    pending_orders: int = 0
    unanswered_questions: int = 0
    labels_to_print: int = 0
    paused_out_of_stock: int = 0
    # Ready to ship and printable before each account's `ship_by` (the end of its day).
    to_ship: int = 0


@attrs.define(frozen=True)
class ListingSales:
    item_id: str
    currency_id: str
    title: str | None
    units: int
    revenue: Decimal
    orders: int
    visits: int | None
    conversion: float | None  # orders per visit, when visits are known


@attrs.define(frozen=True)
class DailyTotal:
    day: date
    currency_id: str
    figures: DailyFigures


# The item id under which a seller's visits to all its listings are kept.
SELLER_VISITS = ""


@attrs.define(frozen=True)
class DayVisits:
    day: date
    item_id: str  # SELLER_VISITS for the seller's total
    visits: int


class AnalyticsRepository(Protocol):
    async def daily_totals(
        self,
        account_ids: Sequence[int] | None,
        first: date,
        last: date,
        currency_id: str | None = None,
    ) -> list[DailyTotal]:
        """Sales per day and currency (summed over listings), by day then currency."""
        ...

    async def top_listings(
        self,
        account_ids: Sequence[int] | None,
        first: date,
        last: date,
        sort: str,
        limit: int,
        currency_id: str | None = None,
    ) -> list[ListingSales]:
        """The listings that sold most (`sort`: "revenue" or "units", then item id),
        with their stored title and the visits stored for the same days."""
        ...

    async def work_counts(
        self, account_ids: Sequence[int] | None, ship_by: Mapping[int, datetime]
    ) -> WorkCounts:
        """Active listings, paid orders whose shipment has not left, unanswered
        questions, labels ready to print, listings paused for want of stock, and the
        ready-to-ship shipments of the accounts of `ship_by` whose label prints before
        the account's instant (no buffering date: now)."""
        ...

    async def answer_waits(
        self, account_ids: Sequence[int] | None, since: datetime, until: datetime
    ) -> list[float]:
        """Seconds from question to answer, of the questions answered in [since, until)."""
        ...

    async def median_answer_seconds(
        self, account_ids: Sequence[int] | None, since: datetime, until: datetime
    ) -> float | None:
        """The median of answer_waits (the mean of the two middle ones for an even count),
        None when no question was answered then."""
        ...

    async def store_visits(
        self, account_id: int, day: date, visits: Mapping[str, int], read_at: datetime
    ) -> None:
        """Insert or replace the visits of the account's listings (and SELLER_VISITS) on
        `day`. Idempotent."""
        ...

    async def visits(
        self, account_ids: Sequence[int] | None, first: date, last: date
    ) -> list[DayVisits]:
        """Stored visits summed over the accounts, per day and item, by day then item."""
        ...

    async def store_reputation(
        self, account_id: int, reputation: Reputation, read_at: datetime
    ) -> None:
        """Insert or replace the account's reputation as read at `read_at`. Raises
        Conflict for an account that does not exist. Idempotent."""
        ...

    async def reputation_levels(self, account_ids: Sequence[int] | None) -> dict[int, int | None]:
        """The level (Reputation.level) of each account with a stored reputation."""
        ...

    async def orders_by_status(
        self, account_ids: Sequence[int] | None, since: datetime
    ) -> dict[str, int]:
        """How many orders created since `since` are in each status."""
        ...

    async def rebuild(self, account_id: int | None) -> int:
        """Recompute the roll-up of the account (or every one) from its stored orders,
        replacing what it held, and the counts of its orders (by status and tag) that
        order searches read where they are kept; returns how many orders were read.
        Idempotent."""
        ...
