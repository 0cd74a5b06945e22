"""Orders and shipments in SQL."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    select,
)

from adapters.sql.repositories.base import (
    JsonObject,
    Row,
    SqlRepository,
    compact,
    money_from_json,
    money_json,
    money_of,
    page_of,
    when_from_json,
    when_json,
)
from adapters.sql.tables import (
    orders,
    shipments,
)
from application.errors import NotFound
from application.queries import (
    OrderQuery,
    Page,
)
from domain.money import Money
from domain.orders import Buyer, Order, OrderItem, OrderNote, OrderStatus, Payment
from domain.shipments import Shipment, ShipmentStatus, ShippingMode


def _order_item_json(item: OrderItem) -> JsonObject:
    return compact(
        {
            "item_id": item.item_id,
            "title": item.title,
            "quantity": item.quantity,
            "unit_price": money_json(item.unit_price),
            "variation_id": item.variation_id,
            "seller_sku": item.seller_sku,
        }
    )


def _order_item_from_json(data: JsonObject) -> OrderItem:
    return OrderItem(
        item_id=data["item_id"],
        title=data["title"],
        quantity=data["quantity"],
        unit_price=money_from_json(data["unit_price"]),
        variation_id=data.get("variation_id"),
        seller_sku=data.get("seller_sku"),
    )


def _payment_json(payment: Payment) -> JsonObject:
    return compact(
        {
            "id": payment.id,
            "status": payment.status,
            "amount": money_json(payment.amount),
            "status_detail": payment.status_detail,
            "payment_method_id": payment.payment_method_id,
            "date_approved": when_json(payment.date_approved),
        }
    )


def _payment_from_json(data: JsonObject) -> Payment:
    return Payment(
        id=data["id"],
        status=data["status"],
        amount=money_from_json(data["amount"]),
        status_detail=data.get("status_detail"),
        payment_method_id=data.get("payment_method_id"),
        date_approved=when_from_json(data.get("date_approved")),
    )


def order_to_row(order: Order) -> JsonObject:
    return {
        "id": order.id,
        "account_id": order.account_id,
        "seller_id": order.seller_id,
        "status": order.status.value,
        "status_detail": order.status_detail,
        "items": [_order_item_json(i) for i in order.items],
        "total_amount": order.total_amount.amount,
        "currency_id": order.total_amount.currency_id,
        "paid_amount": None if order.paid_amount is None else order.paid_amount.amount,
        "paid_currency_id": None if order.paid_amount is None else order.paid_amount.currency_id,
        "buyer_id": order.buyer.id,
        "buyer": compact(
            {
                "id": order.buyer.id,
                "nickname": order.buyer.nickname,
                "first_name": order.buyer.first_name,
                "last_name": order.buyer.last_name,
            }
        ),
        "payments": [_payment_json(p) for p in order.payments],
        "shipping_id": order.shipping_id,
        "pack_id": order.pack_id,
        "tags": list(order.tags),
        "notes": [
            compact({"text": n.text, "id": n.id, "date_created": when_json(n.date_created)})
            for n in order.notes
        ],
        "date_created": order.date_created,
        "date_closed": order.date_closed,
        "last_updated": order.last_updated,
    }


def order_to_domain(row: Row) -> Order:
    buyer = row["buyer"]
    return Order(
        id=row["id"],
        account_id=row["account_id"],
        seller_id=row["seller_id"],
        status=OrderStatus(row["status"]),
        status_detail=row["status_detail"],
        items=tuple(_order_item_from_json(i) for i in row["items"]),
        total_amount=Money.of(row["total_amount"], row["currency_id"]),
        paid_amount=money_of(row["paid_amount"], row["paid_currency_id"]),
        buyer=Buyer(
            id=buyer["id"],
            nickname=buyer.get("nickname"),
            first_name=buyer.get("first_name"),
            last_name=buyer.get("last_name"),
        ),
        payments=tuple(_payment_from_json(p) for p in row["payments"]),
        shipping_id=row["shipping_id"],
        pack_id=row["pack_id"],
        tags=tuple(row["tags"]),
        notes=tuple(
            OrderNote(
                text=n["text"], id=n.get("id"), date_created=when_from_json(n.get("date_created"))
            )
            for n in row["notes"]
        ),
        date_created=row["date_created"],
        date_closed=row["date_closed"],
        last_updated=row["last_updated"],
    )


def shipment_to_row(shipment: Shipment) -> JsonObject:
    return {
        "id": shipment.id,
        "account_id": shipment.account_id,
        "status": shipment.status.value,
        "substatus": shipment.substatus,
        "mode": shipment.mode.value,
        "logistic_type": shipment.logistic_type,
        "tracking_number": shipment.tracking_number,
        "tracking_method": shipment.tracking_method,
        "order_ids": list(shipment.order_ids),
        "cost_amount": None if shipment.cost is None else shipment.cost.amount,
        "cost_currency_id": None if shipment.cost is None else shipment.cost.currency_id,
        "receiver_zip_code": shipment.receiver_zip_code,
        "date_created": shipment.date_created,
        "last_updated": shipment.last_updated,
    }


def shipment_to_domain(row: Row) -> Shipment:
    return Shipment(
        id=row["id"],
        account_id=row["account_id"],
        status=ShipmentStatus(row["status"]),
        substatus=row["substatus"],
        mode=ShippingMode(row["mode"]),
        logistic_type=row["logistic_type"],
        tracking_number=row["tracking_number"],
        tracking_method=row["tracking_method"],
        order_ids=tuple(row["order_ids"]),
        cost=money_of(row["cost_amount"], row["cost_currency_id"]),
        receiver_zip_code=row["receiver_zip_code"],
        date_created=row["date_created"],
        last_updated=row["last_updated"],
    )


class SqlOrderRepository(SqlRepository):
    async def get(self, order_id: int) -> Order:
        order = await self.find(order_id)
        if order is None:
            raise NotFound("order", order_id)
        return order

    async def find(self, order_id: int) -> Order | None:
        row = await self._one(select(orders).where(orders.c.id == order_id))
        return None if row is None else order_to_domain(row)

    async def upsert(self, orders_: Iterable[Order]) -> None:
        await self._upsert(orders, [order_to_row(o) for o in orders_], ["id"])

    async def search(self, query: OrderQuery) -> Page[Order]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(orders.c.account_id == query.account_id)
        if query.status is not None:
            conditions.append(orders.c.status == query.status)
        if query.created_from is not None:
            conditions.append(orders.c.date_created >= query.created_from)
        if query.created_to is not None:
            conditions.append(orders.c.date_created <= query.created_to)
        statement = (
            select(orders)
            .where(*conditions)
            .order_by(orders.c.date_created.desc(), orders.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [order_to_domain(row) for row in await self._all(statement)]
        return page_of(items, await self._count(orders, conditions), query.paging)


class SqlShipmentRepository(SqlRepository):
    async def get(self, shipment_id: int) -> Shipment:
        shipment = await self.find(shipment_id)
        if shipment is None:
            raise NotFound("shipment", shipment_id)
        return shipment

    async def find(self, shipment_id: int) -> Shipment | None:
        row = await self._one(select(shipments).where(shipments.c.id == shipment_id))
        return None if row is None else shipment_to_domain(row)

    async def upsert(self, shipments_: Iterable[Shipment]) -> None:
        await self._upsert(shipments, [shipment_to_row(s) for s in shipments_], ["id"])
