"""Orders (with their lines and payments) in SQL: typed rows plus the JSON MercadoLibre
sent (mercadolibre-api.md §5); their shipments and packs: shipments.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, literal, select

from adapters.sql.repositories.base import (
    MAX_IN_IDS,
    JsonObject,
    Row,
    SqlRepository,
    chunks,
    compact,
    money_of,
    page_of,
    when_from_json,
    when_json,
)
from adapters.sql.repositories.order_counts import (
    count_changes,
    count_keys,
    counted_here,
    kept_count,
    move_order_counts,
    stored_keys,
)
from adapters.sql.repositories.sales_roll_up import clear_payments_and_roll_up
from adapters.sql.tables import order_items, orders, payments, shipments
from application.errors import NotFound
from application.queries import OrderQuery, Page
from domain.answer_rules import normalise
from domain.money import Money
from domain.orders import (
    Buyer,
    CancelDetail,
    Feedback,
    Order,
    OrderItem,
    OrderNote,
    OrderStatus,
    Payment,
)


def like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def with_offset(stored: datetime | None, raw: Mapping[str, Any], *keys: str) -> datetime | None:
    """The stored instant (UTC) with the offset MercadoLibre wrote it in, when the raw JSON
    still says the same instant (§0.3: offsets are kept)."""
    if stored is None:
        return None
    for key in keys:
        given = raw.get(key)
        if not isinstance(given, str):
            continue
        try:
            moment = datetime.fromisoformat(given.strip())
        except ValueError:
            continue
        if moment.tzinfo is not None and moment == stored:
            return moment
    return stored


def _amount(money: Money | None) -> Any:
    return None if money is None else money.amount


def order_to_row(order: Order) -> JsonObject:
    cancel = order.cancel_detail
    return {
        "id": order.id,
        "account_id": order.account_id,
        "seller_id": order.seller_id,
        "status": order.status.value,
        "status_detail": order.status_detail,
        "total_amount": order.total_amount.amount,
        "currency_id": order.total_amount.currency_id,
        "paid_amount": _amount(order.paid_amount),
        "paid_currency_id": None if order.paid_amount is None else order.paid_amount.currency_id,
        "shipping_cost": _amount(order.shipping_cost),
        "buyer_id": order.buyer.id,
        "buyer": compact(
            {
                "id": order.buyer.id,
                "nickname": order.buyer.nickname,
                "first_name": order.buyer.first_name,
                "last_name": order.buyer.last_name,
            }
        ),
        "shipping_id": order.shipping_id,
        "pack_id": order.pack_id,
        "tags": list(order.tags),
        "tags_search": f" {' '.join(order.tags)} " if order.tags else "",
        "text_search": order.search_text,
        "notes": [
            compact({"text": n.text, "id": n.id, "date_created": when_json(n.date_created)})
            for n in order.notes
        ],
        "feedback_sale": order.feedback.sale,
        "feedback_purchase": order.feedback.purchase,
        "cancel_detail": None
        if cancel is None
        else compact(
            {
                "code": cancel.code,
                "description": cancel.description,
                "requested_by": cancel.requested_by,
                "group": cancel.group,
                "date": when_json(cancel.date),
            }
        ),
        "buying_mode": order.buying_mode,
        "date_created": order.date_created,
        "date_closed": order.date_closed,
        "last_updated": order.last_updated,
        "raw": dict(order.raw),
    }


def item_rows(order: Order) -> list[JsonObject]:
    return [
        {
            "order_id": order.id,
            "line": line,
            "item_id": item.item_id,
            "variation_id": item.variation_id,
            "title": item.title,
            "quantity": item.quantity,
            "unit_price": item.unit_price.amount,
            "currency_id": item.unit_price.currency_id,
            "full_unit_price": _amount(item.full_unit_price),
            "sale_fee": _amount(item.sale_fee),
            "seller_sku": item.seller_sku,
            "category_id": item.category_id,
        }
        for line, item in enumerate(order.items)
    ]


def payment_rows(order: Order) -> list[JsonObject]:
    return [
        {
            "id": p.id,
            "order_id": order.id,
            "line": line,
            "status": p.status,
            "status_detail": p.status_detail,
            "amount": p.amount.amount,
            "currency_id": p.amount.currency_id,
            "payment_method_id": p.payment_method_id,
            "payment_type": p.payment_type,
            "installments": p.installments,
            "payer_id": p.payer_id,
            "total_paid_amount": _amount(p.total_paid_amount),
            "shipping_cost": _amount(p.shipping_cost),
            "marketplace_fee": _amount(p.marketplace_fee),
            "refunded_amount": _amount(p.refunded_amount),
            "date_approved": p.date_approved,
            "date_created": p.date_created,
            "last_modified": p.last_modified,
        }
        for line, p in enumerate(order.payments)
    ]


def item_to_domain(row: Row) -> OrderItem:
    currency_id = row["currency_id"]
    return OrderItem(
        item_id=row["item_id"],
        title=row["title"],
        quantity=row["quantity"],
        unit_price=Money.of(row["unit_price"], currency_id),
        variation_id=row["variation_id"],
        seller_sku=row["seller_sku"],
        category_id=row["category_id"],
        full_unit_price=money_of(row["full_unit_price"], currency_id),
        sale_fee=money_of(row["sale_fee"], currency_id),
    )


def payment_to_domain(row: Row, order_raw: Mapping[str, Any]) -> Payment:
    currency_id = row["currency_id"]
    given = [p for p in order_raw.get("payments") or () if isinstance(p, Mapping)]
    raw = next((p for p in given if str(p.get("id")) == str(row["id"])), {})
    return Payment(
        id=row["id"],
        status=row["status"],
        amount=Money.of(row["amount"], currency_id),
        status_detail=row["status_detail"],
        payment_method_id=row["payment_method_id"],
        date_approved=with_offset(row["date_approved"], raw, "date_approved"),
        order_id=row["order_id"],
        payer_id=row["payer_id"],
        payment_type=row["payment_type"],
        installments=row["installments"],
        total_paid_amount=money_of(row["total_paid_amount"], currency_id),
        shipping_cost=money_of(row["shipping_cost"], currency_id),
        marketplace_fee=money_of(row["marketplace_fee"], currency_id),
        refunded_amount=money_of(row["refunded_amount"], currency_id),
        date_created=with_offset(row["date_created"], raw, "date_created"),
        last_modified=with_offset(row["last_modified"], raw, "date_last_modified"),
    )


def order_to_domain(
    row: Row,
    items: list[OrderItem],
    payments_: list[Payment],
    listed_raw: Mapping[str, Any] | None = None,
) -> Order:
    """The order of `row`, with the raw JSON of the row; or, for a listed row, without it,
    its timestamps' offsets read from `listed_raw` (the parts LISTED_COLUMNS select)."""
    buyer = row["buyer"]
    raw = (row["raw"] or {}) if listed_raw is None else listed_raw
    cancel = row["cancel_detail"]
    currency_id = row["currency_id"]
    return Order(
        id=row["id"],
        account_id=row["account_id"],
        seller_id=row["seller_id"],
        status=OrderStatus(row["status"]),
        status_detail=row["status_detail"],
        items=tuple(items),
        total_amount=Money.of(row["total_amount"], currency_id),
        paid_amount=money_of(row["paid_amount"], row["paid_currency_id"]),
        buyer=Buyer(
            id=buyer["id"],
            nickname=buyer.get("nickname"),
            first_name=buyer.get("first_name"),
            last_name=buyer.get("last_name"),
        ),
        payments=tuple(payments_),
        shipping_id=row["shipping_id"],
        pack_id=row["pack_id"],
        tags=tuple(row["tags"]),
        notes=tuple(
            OrderNote(
                text=n["text"], id=n.get("id"), date_created=when_from_json(n.get("date_created"))
            )
            for n in row["notes"]
        ),
        date_created=with_offset(row["date_created"], raw, "date_created"),
        date_closed=with_offset(row["date_closed"], raw, "date_closed"),
        last_updated=with_offset(row["last_updated"], raw, "last_updated", "date_last_updated"),
        shipping_cost=money_of(row["shipping_cost"], currency_id),
        feedback=Feedback(sale=row["feedback_sale"], purchase=row["feedback_purchase"]),
        cancel_detail=None
        if cancel is None
        else CancelDetail(
            code=cancel.get("code"),
            description=cancel.get("description"),
            requested_by=cancel.get("requested_by"),
            group=cancel.get("group"),
            date=when_from_json(cancel.get("date")),
        ),
        buying_mode=row["buying_mode"],
        raw=raw if listed_raw is None else {},
    )


# What a listed order (search) reads of its raw JSON: only the timestamps as MercadoLibre
# wrote them, for their offsets (§0.3), not the whole snapshot (tens of kilobytes a page
# to read and decode that no list shows; get/find read it).
LISTED_RAW_KEYS = ("date_created", "date_closed", "last_updated", "date_last_updated", "payments")
LISTED_COLUMNS = [
    *(column for column in orders.c if column.name != "raw"),
    *(orders.c.raw[key].label(f"raw_{key}") for key in LISTED_RAW_KEYS),
]


def listed_parts(row: Row) -> JsonObject:
    """The parts of the raw JSON a listed row carries (LISTED_RAW_KEYS), as a mapping."""
    found = {key: row[f"raw_{key}"] for key in LISTED_RAW_KEYS}
    return {key: value for key, value in found.items() if value is not None}


class SqlOrderRepository(SqlRepository):
    async def get(self, order_id: int) -> Order:
        order = await self.find(order_id)
        if order is None:
            raise NotFound("order", order_id)
        return order

    async def find(self, order_id: int) -> Order | None:
        return (await self.find_many([order_id])).get(order_id)

    async def find_many(self, order_ids: Iterable[int]) -> dict[int, Order]:
        wanted = sorted(set(order_ids))
        rows: list[Row] = []
        for part in chunks(wanted, MAX_IN_IDS):
            rows += await self._all(select(orders).where(orders.c.id.in_(part)))
        return {order.id: order for order in await self._with_lines(rows)}

    async def _with_lines(self, rows: Iterable[Row], listed: bool = False) -> list[Order]:
        """The orders of `rows` with their lines and payments. `listed` rows carry only the
        timestamps of their raw JSON (LISTED_COLUMNS); their orders keep no raw JSON."""
        rows = list(rows)
        ids = [row["id"] for row in rows]
        lines: dict[int, list[OrderItem]] = {i: [] for i in ids}
        paid: dict[int, list[Row]] = {i: [] for i in ids}
        for part in chunks(ids, MAX_IN_IDS):
            for line in await self._all(
                select(order_items)
                .where(order_items.c.order_id.in_(part))
                .order_by(order_items.c.order_id, order_items.c.line)
            ):
                lines[line["order_id"]].append(item_to_domain(line))
            for payment in await self._all(
                select(payments)
                .where(payments.c.order_id.in_(part))
                .order_by(payments.c.order_id, payments.c.line, payments.c.id)
            ):
                paid[payment["order_id"]].append(payment)
        found = []
        for row in rows:
            given = listed_parts(row) if listed else None
            raw = (row["raw"] or {}) if given is None else given
            payments_ = [payment_to_domain(p, raw) for p in paid[row["id"]]]
            found.append(order_to_domain(row, lines[row["id"]], payments_, given))
        return found

    async def upsert(self, orders_: Iterable[Order]) -> None:
        batch = list({order.id: order for order in orders_}.values())
        if not batch:
            return
        # In id order: two batches sharing orders take their locks in the same order.
        batch.sort(key=lambda order: order.id)
        # The order counts move in the same transaction (order_counts): the stored
        # copies are read under the orders' locks (stored_keys), so a concurrent writer
        # of the same order is waited for and an order is counted once.
        before = await stored_keys(self, (o.id for o in batch))
        rows = [order_to_row(o) for o in batch]
        await self._upsert(orders, rows, ["id"])
        after = [
            k for r in rows for k in count_keys(r["account_id"], r["status"], r["tags_search"])
        ]
        await move_order_counts(self, count_changes(before, after))
        ids = [o.id for o in batch]
        for part in chunks(ids, MAX_IN_IDS):
            await self._write(delete(order_items).where(order_items.c.order_id.in_(part)))
        # The former payments go and, in the same statement, the sales roll-up moves,
        # under the orders' row locks just taken (adapters.sql.repositories.sales_roll_up).
        await clear_payments_and_roll_up(self, batch)
        items = [row for o in batch for row in item_rows(o)]
        if items:
            await self._write(order_items.insert(), items)
        # A payment id is unique: one moved to another order leaves the first.
        await self._upsert(payments, [row for o in batch for row in payment_rows(o)], ["id"])

    async def search(self, query: OrderQuery) -> Page[Order]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(orders.c.account_id == query.account_id)
        if query.account_ids is not None:
            conditions.append(orders.c.account_id.in_(query.account_ids))
        # The statuses, closed lists, are written into the statement (at execution): a
        # plan per status. With a parameter PostgreSQL's generic plan (after five runs)
        # takes each status for a quarter of the shipments, and counted the 500 orders
        # of ready_to_ship shipments by hashing all 100,000 orders (40 ms, not 0.7).
        if query.status is not None:
            conditions.append(orders.c.status == literal(query.status, literal_execute=True))
        if query.created_from is not None:
            conditions.append(orders.c.date_created >= query.created_from)
        if query.created_to is not None:
            conditions.append(orders.c.date_created <= query.created_to)
        if query.pack_id is not None:
            conditions.append(orders.c.pack_id == query.pack_id)
        if query.tag:
            conditions.append(orders.c.tags_search.like(f"% {like_escaped(query.tag)} %", "\\"))
        if query.text:
            pattern = f"%{like_escaped(normalise(query.text))}%"
            conditions.append(orders.c.text_search.like(pattern, "\\"))
        if query.shipment_status is not None:
            conditions.append(
                orders.c.shipping_id.in_(
                    select(shipments.c.id).where(
                        shipments.c.status == literal(query.shipment_status, literal_execute=True)
                    )
                )
            )
        # By accounts, status and tag, the count is one of those the order writes keep,
        # read with the page (one round trip).
        kept = kept_count(query) if counted_here(query) else None
        statement = (
            select(*LISTED_COLUMNS, *([] if kept is None else [kept.label("kept_count")]))
            .where(*conditions)
            .order_by(orders.c.date_created.desc(), orders.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        rows = await self._all(statement)
        if len(rows) < query.paging.limit and (rows or query.paging.offset == 0):
            total = query.paging.offset + len(rows)  # the last page: no count needed
        elif kept is not None:
            found = rows[0]["kept_count"] if rows else None
            if found is None:  # a page past the last: no row to carry it
                found = (await self._execute(select(kept))).scalar_one()
            total = int(found)
        else:
            # Its own statement: with the count in the page's (a scalar subquery),
            # PostgreSQL's generic plan for it reads every match of ?q= and ?tag= twice
            # and sorts them (22 ms instead of 8 for 20,000 matches); count(*) OVER ()
            # would read and sort every match too.
            total = await self._count(orders, conditions)
        return page_of(await self._with_lines(rows, listed=True), total, query.paging)
