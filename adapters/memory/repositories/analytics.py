"""Analytics over the in-memory store: the roll-up is computed from the stored orders at
each read, with the same contribution rule as the SQL roll-up (domain.analytics), so
there is nothing to keep in step and nothing to rebuild."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from adapters.memory.repositories.base import InMemoryRepository
from adapters.memory.store import (
    ACCOUNTS,
    ITEM_VISITS,
    LISTINGS,
    ORDERS,
    QUESTIONS,
    REPUTATIONS,
    SHIPMENTS,
)
from application.ports.repositories.analytics import (
    DailyTotal,
    DayVisits,
    ListingSales,
    WorkCounts,
)
from domain.analytics import (
    ALL_LISTINGS,
    DailyFigures,
    DailyKey,
    SaleFacts,
    changes,
    contribution,
    from_cents,
)
from domain.listings import OUT_OF_STOCK, ListingStatus
from domain.orders import OrderStatus
from domain.questions import QuestionStatus
from domain.reputation import Reputation
from domain.shipments import ShipmentStatus
from domain.sites import site

NOT_SHIPPED = (ShipmentStatus.PENDING, ShipmentStatus.HANDLING, ShipmentStatus.READY_TO_SHIP)


class InMemoryAnalyticsRepository(InMemoryRepository):
    def _in(self, account_ids: Sequence[int] | None, account_id: int) -> bool:
        return account_ids is None or account_id in account_ids

    def roll_up(self) -> dict[DailyKey, DailyFigures]:
        zones = {a.id: site(a.site_id).zone for a in self._staged.values(ACCOUNTS)}
        return changes(
            [],
            [
                contribution(SaleFacts.of(o), zones[o.account_id])
                for o in self._staged.values(ORDERS)
            ],
        )

    def _rows(
        self, account_ids: Sequence[int] | None, first: date, last: date, currency_id: str | None
    ) -> list[tuple[DailyKey, DailyFigures]]:
        return [
            (key, figures)
            for key, figures in self.roll_up().items()
            if self._in(account_ids, key.account_id)
            and first <= key.day <= last
            and (currency_id is None or key.currency_id == currency_id)
        ]

    async def daily_totals(
        self,
        account_ids: Sequence[int] | None,
        first: date,
        last: date,
        currency_id: str | None = None,
    ) -> list[DailyTotal]:
        sums: dict[tuple[date, str], DailyFigures] = {}
        for key, figures in self._rows(account_ids, first, last, currency_id):
            if key.item_id != ALL_LISTINGS:
                continue
            at = (key.day, key.currency_id)
            sums[at] = sums.get(at, DailyFigures()) + figures
        return [
            DailyTotal(day, currency, figures) for (day, currency), figures in sorted(sums.items())
        ]

    async def top_listings(
        self,
        account_ids: Sequence[int] | None,
        first: date,
        last: date,
        sort: str,
        limit: int,
        currency_id: str | None = None,
    ) -> list[ListingSales]:
        sums: dict[tuple[str, str], DailyFigures] = {}
        for key, figures in self._rows(account_ids, first, last, currency_id):
            if key.item_id == ALL_LISTINGS:
                continue
            at = (key.item_id, key.currency_id)
            sums[at] = sums.get(at, DailyFigures()) + figures
        visits: dict[str, int] = {}
        for (account_id, day, item_id), count in self._staged.rows(ITEM_VISITS):
            if self._in(account_ids, account_id) and first <= day <= last:
                visits[item_id] = visits.get(item_id, 0) + count

        def revenue(f: DailyFigures) -> int:
            return f.gross - f.refunded

        ranked = sorted(
            ((k, f) for k, f in sums.items() if f.units > 0 or revenue(f) > 0),
            key=lambda kf: (-(kf[1].units if sort == "units" else revenue(kf[1])), kf[0]),
        )[:limit]
        found = []
        for (item_id, currency), figures in ranked:
            listing = self._staged.get(LISTINGS, item_id)
            seen = visits.get(item_id)
            found.append(
                ListingSales(
                    item_id=item_id,
                    currency_id=currency,
                    title=None if listing is None else listing.title,
                    units=figures.units,
                    revenue=from_cents(revenue(figures)),
                    orders=figures.orders,
                    visits=seen,
                    conversion=(figures.orders / seen) if seen else None,
                )
            )
        return found

    async def work_counts(
        self, account_ids: Sequence[int] | None, ship_by: Mapping[int, datetime]
    ) -> WorkCounts:
        listings = [
            listing
            for listing in self._staged.values(LISTINGS)
            if self._in(account_ids, listing.account_id)
        ]
        shipments = {s.id: s for s in self._staged.values(SHIPMENTS)}
        pending = 0
        for order in self._staged.values(ORDERS):
            shipment = shipments.get(order.shipping_id) if order.shipping_id else None
            if (
                self._in(account_ids, order.account_id)
                and order.status is OrderStatus.PAID
                and shipment is not None
                and shipment.status in NOT_SHIPPED
            ):
                pending += 1
        ready = [
            s
            for s in shipments.values()
            if self._in(account_ids, s.account_id) and s.status is ShipmentStatus.READY_TO_SHIP
        ]
        return WorkCounts(
            active_products=sum(
                1 for listing in listings if listing.status is ListingStatus.ACTIVE
            ),
            pending_orders=pending,
            unanswered_questions=sum(
                1
                for q in self._staged.values(QUESTIONS)
                if self._in(account_ids, q.account_id) and q.status is QuestionStatus.UNANSWERED
            ),
            labels_to_print=sum(1 for s in ready if s.substatus == "ready_to_print"),
            paused_out_of_stock=sum(
                1
                for listing in listings
                if listing.status is ListingStatus.PAUSED and OUT_OF_STOCK in listing.sub_status
            ),
            to_ship=sum(
                1
                for s in ready
                if s.account_id in ship_by
                and (s.buffering_date is None or s.buffering_date < ship_by[s.account_id])
            ),
        )

    async def answer_waits(
        self, account_ids: Sequence[int] | None, since: datetime, until: datetime
    ) -> list[float]:
        waits = []
        for question in self._staged.values(QUESTIONS):
            answered = question.answer.date_created if question.answer else None
            if (
                self._in(account_ids, question.account_id)
                and answered
                and since <= answered < until
            ):
                waits.append(max(0.0, (answered - question.date_created).total_seconds()))
        return waits

    async def median_answer_seconds(
        self, account_ids: Sequence[int] | None, since: datetime, until: datetime
    ) -> float | None:
        waits = await self.answer_waits(account_ids, since, until)
        return statistics.median(waits) if waits else None

    async def store_visits(
        self, account_id: int, day: date, visits: Mapping[str, int], read_at: datetime
    ) -> None:
        self._require_account(account_id)
        for item_id, count in visits.items():
            self._staged.put(ITEM_VISITS, (account_id, day, item_id), count)

    async def visits(
        self, account_ids: Sequence[int] | None, first: date, last: date
    ) -> list[DayVisits]:
        sums: dict[tuple[date, str], int] = {}
        for (account_id, day, item_id), count in self._staged.rows(ITEM_VISITS):
            if self._in(account_ids, account_id) and first <= day <= last:
                sums[(day, item_id)] = sums.get((day, item_id), 0) + count
        return [DayVisits(day, item_id, n) for (day, item_id), n in sorted(sums.items())]

    async def store_reputation(
        self, account_id: int, reputation: Reputation, read_at: datetime
    ) -> None:
        self._require_account(account_id)
        self._staged.put(REPUTATIONS, account_id, (reputation, read_at))

    async def reputation_levels(self, account_ids: Sequence[int] | None) -> dict[int, int | None]:
        return {
            account_id: reputation.level
            for account_id, (reputation, _) in self._staged.rows(REPUTATIONS)
            if self._in(account_ids, account_id)
        }

    async def orders_by_status(
        self, account_ids: Sequence[int] | None, since: datetime
    ) -> dict[str, int]:
        found: dict[str, int] = {}
        for order in self._staged.values(ORDERS):
            if self._in(account_ids, order.account_id) and order.date_created >= since:
                found[order.status.value] = found.get(order.status.value, 0) + 1
        return found

    async def rebuild(self, account_id: int | None) -> int:
        return sum(
            1
            for order in self._staged.values(ORDERS)
            if account_id is None or order.account_id == account_id
        )
