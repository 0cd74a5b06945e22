"""The read side of analytics in SQL: sums over the daily roll-up (meli_sales_daily),
never over the orders, and counts of the work waiting, each on an index."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal_column, or_, select

from adapters.sql.repositories.base import SqlRepository
from adapters.sql.repositories.order_counts import rebuild_order_counts
from adapters.sql.repositories.sales_roll_up import rebuild_roll_up
from adapters.sql.tables import (
    item_visits,
    orders,
    products,
    questions,
    reputations,
    sales_daily,
    shipments,
)
from application.ports.repositories.analytics import (
    DailyTotal,
    DayVisits,
    ListingSales,
    WorkCounts,
)
from domain.analytics import ALL_LISTINGS, FIGURES, DailyFigures, from_cents
from domain.listings import OUT_OF_STOCK, ListingStatus
from domain.orders import OrderStatus
from domain.questions import QuestionStatus
from domain.reputation import Reputation, level_of
from domain.shipments import ShipmentStatus

# A paid order whose shipment has not left yet still needs the seller (§6.1).
NOT_SHIPPED = (ShipmentStatus.PENDING, ShipmentStatus.HANDLING, ShipmentStatus.READY_TO_SHIP)


def _scope(column: Any, account_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
    return [] if account_ids is None else [column.in_(list(account_ids))]


def _sums() -> list[Any]:
    return [func.coalesce(func.sum(sales_daily.c[name]), 0).label(name) for name in FIGURES]


def _figures(row: Any) -> DailyFigures:
    return DailyFigures(*(int(row[name]) for name in FIGURES))


class SqlAnalyticsRepository(SqlRepository):
    def _sales_scope(
        self, account_ids: Sequence[int] | None, first: date, last: date, currency_id: str | None
    ) -> list[ColumnElement[bool]]:
        conditions = [
            *_scope(sales_daily.c.account_id, account_ids),
            sales_daily.c.day >= first,
            sales_daily.c.day <= last,
        ]
        if currency_id is not None:
            conditions.append(sales_daily.c.currency_id == currency_id)
        return conditions

    async def daily_totals(
        self,
        account_ids: Sequence[int] | None,
        first: date,
        last: date,
        currency_id: str | None = None,
    ) -> list[DailyTotal]:
        rows = await self._all(
            select(sales_daily.c.day, sales_daily.c.currency_id, *_sums())
            .where(
                *self._sales_scope(account_ids, first, last, currency_id),
                # A literal, not a parameter: a prepared statement's generic plan can use
                # the partial index on item_id = '' only when the query says ''.
                sales_daily.c.item_id == literal_column(f"'{ALL_LISTINGS}'"),
            )
            .group_by(sales_daily.c.day, sales_daily.c.currency_id)
            .order_by(sales_daily.c.day, sales_daily.c.currency_id)
        )
        return [DailyTotal(row["day"], row["currency_id"], _figures(row)) for row in rows]

    async def top_listings(
        self,
        account_ids: Sequence[int] | None,
        first: date,
        last: date,
        sort: str,
        limit: int,
        currency_id: str | None = None,
    ) -> list[ListingSales]:
        sums = (
            select(
                sales_daily.c.item_id,
                sales_daily.c.currency_id,
                func.sum(sales_daily.c.units).label("units"),
                func.sum(sales_daily.c.gross - sales_daily.c.refunded).label("revenue"),
                func.sum(sales_daily.c.orders).label("orders"),
            )
            .where(
                *self._sales_scope(account_ids, first, last, currency_id),
                sales_daily.c.item_id != ALL_LISTINGS,
            )
            .group_by(sales_daily.c.item_id, sales_daily.c.currency_id)
            .subquery()
        )
        key = sums.c.units if sort == "units" else sums.c.revenue
        rows = await self._all(
            select(sums, products.c.title)
            .outerjoin(products, products.c.item_id == sums.c.item_id)
            .where((sums.c.units > 0) | (sums.c.revenue > 0))
            .order_by(key.desc(), sums.c.item_id, sums.c.currency_id)
            .limit(limit)
        )
        visits: dict[str, int] = {}
        item_ids = [row["item_id"] for row in rows]
        if item_ids:
            for row in await self._all(
                select(item_visits.c.item_id, func.sum(item_visits.c.visits).label("visits"))
                .where(
                    *_scope(item_visits.c.account_id, account_ids),
                    item_visits.c.item_id.in_(item_ids),
                    item_visits.c.day >= first,
                    item_visits.c.day <= last,
                )
                .group_by(item_visits.c.item_id)
            ):
                visits[row["item_id"]] = int(row["visits"])
        found = []
        for row in rows:
            seen = visits.get(row["item_id"])
            found.append(
                ListingSales(
                    item_id=row["item_id"],
                    currency_id=row["currency_id"],
                    title=row["title"],
                    units=int(row["units"]),
                    revenue=from_cents(int(row["revenue"])),
                    orders=int(row["orders"]),
                    visits=seen,
                    conversion=(int(row["orders"]) / seen) if seen else None,
                )
            )
        return found

    async def work_counts(
        self, account_ids: Sequence[int] | None, ship_by: Mapping[int, datetime]
    ) -> WorkCounts:
        active = (
            select(func.count())
            .select_from(products)
            .where(
                *_scope(products.c.account_id, account_ids),
                products.c.status == ListingStatus.ACTIVE.value,
            )
            .scalar_subquery()
        )
        pending = (
            select(func.count())
            .select_from(orders.join(shipments, shipments.c.id == orders.c.shipping_id))
            .where(
                *_scope(orders.c.account_id, account_ids),
                orders.c.status == OrderStatus.PAID.value,
                shipments.c.status.in_([s.value for s in NOT_SHIPPED]),
            )
            .scalar_subquery()
        )
        unanswered = (
            select(func.count())
            .select_from(questions)
            .where(
                *_scope(questions.c.account_id, account_ids),
                questions.c.status == QuestionStatus.UNANSWERED.value,
            )
            .scalar_subquery()
        )
        ready = [
            *_scope(shipments.c.account_id, account_ids),
            shipments.c.status == ShipmentStatus.READY_TO_SHIP.value,
        ]
        labels = (
            select(func.count())
            .select_from(shipments)
            .where(*ready, shipments.c.substatus == "ready_to_print")
            .scalar_subquery()
        )
        # Accounts grouped by their end of day (one group per time zone).
        by_cutoff: dict[datetime, list[int]] = {}
        for account_id, cutoff in ship_by.items():
            by_cutoff.setdefault(cutoff, []).append(account_id)
        due = or_(
            false(),
            *(
                and_(
                    shipments.c.account_id.in_(ids),
                    or_(shipments.c.buffering_date.is_(None), shipments.c.buffering_date < cutoff),
                )
                for cutoff, ids in by_cutoff.items()
            ),
        )
        to_ship = select(func.count()).select_from(shipments).where(*ready, due).scalar_subquery()
        # The counts in one round trip: the dashboard asks for them on every view.
        counts = (
            await self._all(
                select(
                    active.label("active"),
                    pending.label("pending"),
                    unanswered.label("unanswered"),
                    labels.label("labels"),
                    to_ship.label("to_ship"),
                )
            )
        )[0]
        # sub_status is a JSON list: the paused listings are few, read them.
        paused = await self._all(
            select(products.c.sub_status).where(
                *_scope(products.c.account_id, account_ids),
                products.c.status == ListingStatus.PAUSED.value,
            )
        )
        return WorkCounts(
            active_products=int(counts["active"]),
            pending_orders=int(counts["pending"]),
            unanswered_questions=int(counts["unanswered"]),
            labels_to_print=int(counts["labels"]),
            paused_out_of_stock=sum(1 for r in paused if OUT_OF_STOCK in (r["sub_status"] or ())),
            to_ship=int(counts["to_ship"]),
        )

    async def answer_waits(
        self, account_ids: Sequence[int] | None, since: datetime, until: datetime
    ) -> list[float]:
        rows = await self._all(
            select(questions.c.date_created, questions.c.answer_date_created).where(
                *_scope(questions.c.account_id, account_ids),
                questions.c.answer_date_created >= since,
                questions.c.answer_date_created < until,
            )
        )
        return [
            max(0.0, (r["answer_date_created"] - r["date_created"]).total_seconds()) for r in rows
        ]

    async def median_answer_seconds(
        self, account_ids: Sequence[int] | None, since: datetime, until: datetime
    ) -> float | None:
        if self._dialect != "postgresql":
            waits = await self.answer_waits(account_ids, since, until)
            return statistics.median(waits) if waits else None
        wait = func.greatest(
            0,
            # date_part is a double; extract() a numeric, several times slower to sort.
            func.date_part("epoch", questions.c.answer_date_created - questions.c.date_created),
        )
        result = await self._execute(
            select(func.percentile_cont(0.5).within_group(wait)).where(
                *_scope(questions.c.account_id, account_ids),
                questions.c.answer_date_created >= since,
                questions.c.answer_date_created < until,
            )
        )
        median = result.scalar_one()
        return None if median is None else float(median)

    async def store_visits(
        self, account_id: int, day: date, visits: Mapping[str, int], read_at: datetime
    ) -> None:
        rows = [
            {
                "account_id": account_id,
                "day": day,
                "item_id": item_id,
                "visits": count,
                "read_at": read_at,
            }
            for item_id, count in sorted(visits.items())
        ]
        await self._upsert(item_visits, rows, ["account_id", "day", "item_id"])

    async def visits(
        self, account_ids: Sequence[int] | None, first: date, last: date
    ) -> list[DayVisits]:
        rows = await self._all(
            select(
                item_visits.c.day,
                item_visits.c.item_id,
                func.sum(item_visits.c.visits).label("visits"),
            )
            .where(
                *_scope(item_visits.c.account_id, account_ids),
                item_visits.c.day >= first,
                item_visits.c.day <= last,
            )
            .group_by(item_visits.c.day, item_visits.c.item_id)
            .order_by(item_visits.c.day, item_visits.c.item_id)
        )
        return [DayVisits(r["day"], r["item_id"], int(r["visits"])) for r in rows]

    async def store_reputation(
        self, account_id: int, reputation: Reputation, read_at: datetime
    ) -> None:
        row = {
            "account_id": account_id,
            "level_id": reputation.level_id,
            "power_seller_status": reputation.power_seller_status,
            "completed_sales": reputation.completed_sales,
            "metrics": [
                {
                    "name": m.name,
                    "rate": None if m.rate is None else str(m.rate),
                    "value": m.value,
                    "period": m.period,
                    "limit": str(m.limit),
                }
                for m in reputation.metrics
            ],
            "read_at": read_at,
        }
        await self._upsert(reputations, [row], ["account_id"])

    async def reputation_levels(self, account_ids: Sequence[int] | None) -> dict[int, int | None]:
        rows = await self._all(
            select(reputations.c.account_id, reputations.c.level_id).where(
                *_scope(reputations.c.account_id, account_ids)
            )
        )
        return {row["account_id"]: level_of(row["level_id"]) for row in rows}

    async def orders_by_status(
        self, account_ids: Sequence[int] | None, since: datetime
    ) -> dict[str, int]:
        rows = await self._all(
            select(orders.c.status, func.count().label("n"))
            .where(*_scope(orders.c.account_id, account_ids), orders.c.date_created >= since)
            .group_by(orders.c.status)
        )
        return {row["status"]: int(row["n"]) for row in rows}

    async def rebuild(self, account_id: int | None) -> int:
        # The order counts GET /orders reads are kept with the orders as the roll-up is,
        # so they are recounted with it (after a restore or a bulk load of orders).
        await rebuild_order_counts(self, account_id)
        return await rebuild_roll_up(self, account_id)
