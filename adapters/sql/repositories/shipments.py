"""Shipments (mercadolibre-api.md §6) and packs (§5.4) in SQL: typed rows plus the JSON
MercadoLibre sent."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from adapters.sql.repositories.base import (
    MAX_IN_IDS,
    JsonObject,
    Row,
    SqlRepository,
    chunks,
    money_of,
)
from adapters.sql.repositories.orders import with_offset
from adapters.sql.tables import packs, shipments
from application.errors import NotFound
from domain.money import Money
from domain.orders import Pack
from domain.shipments import Shipment, ShipmentStatus, ShippingMode


def _amount(money: Money | None) -> Any:
    return None if money is None else money.amount


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
        "cost_amount": _amount(shipment.cost),
        "cost_currency_id": None if shipment.cost is None else shipment.cost.currency_id,
        "list_cost": _amount(shipment.list_cost),
        "cost_type": shipment.cost_type,
        "shipping_method": shipment.shipping_method,
        "buffering_date": shipment.buffering_date,
        "pack_id": shipment.pack_id,
        "tags": list(shipment.tags),
        "receiver_zip_code": shipment.receiver_zip_code,
        "date_created": shipment.date_created,
        "last_updated": shipment.last_updated,
        "raw": dict(shipment.raw),
    }


def shipment_to_domain(row: Row) -> Shipment:
    raw = row["raw"] or {}
    currency_id = row["cost_currency_id"]
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
        cost=money_of(row["cost_amount"], currency_id),
        receiver_zip_code=row["receiver_zip_code"],
        date_created=with_offset(row["date_created"], raw, "date_created"),
        last_updated=with_offset(row["last_updated"], raw, "last_updated"),
        list_cost=money_of(row["list_cost"], currency_id),
        cost_type=row["cost_type"],
        shipping_method=row["shipping_method"],
        buffering_date=row["buffering_date"],
        pack_id=row["pack_id"],
        tags=tuple(row["tags"] or ()),
        raw=raw,
    )


def pack_to_row(pack: Pack) -> JsonObject:
    return {
        "id": pack.id,
        "account_id": pack.account_id,
        "status": pack.status,
        "status_detail": pack.status_detail,
        "shipment_id": pack.shipment_id,
        "buyer_id": pack.buyer_id,
        "order_ids": list(pack.order_ids),
        "date_created": pack.date_created,
        "last_updated": pack.last_updated,
        "raw": dict(pack.raw),
    }


def pack_to_domain(row: Row) -> Pack:
    raw = row["raw"] or {}
    return Pack(
        id=row["id"],
        account_id=row["account_id"],
        status=row["status"],
        status_detail=row["status_detail"],
        shipment_id=row["shipment_id"],
        buyer_id=row["buyer_id"],
        order_ids=tuple(row["order_ids"]),
        date_created=with_offset(row["date_created"], raw, "date_created"),
        last_updated=with_offset(row["last_updated"], raw, "last_updated"),
        raw=raw,
    )


class SqlShipmentRepository(SqlRepository):
    async def get(self, shipment_id: int) -> Shipment:
        shipment = await self.find(shipment_id)
        if shipment is None:
            raise NotFound("shipment", shipment_id)
        return shipment

    async def find(self, shipment_id: int) -> Shipment | None:
        row = await self._one(select(shipments).where(shipments.c.id == shipment_id))
        return None if row is None else shipment_to_domain(row)

    async def find_many(self, shipment_ids: Iterable[int]) -> dict[int, Shipment]:
        found: dict[int, Shipment] = {}
        for part in chunks(sorted(set(shipment_ids)), MAX_IN_IDS):
            for row in await self._all(select(shipments).where(shipments.c.id.in_(part))):
                found[row["id"]] = shipment_to_domain(row)
        return found

    async def upsert(self, shipments_: Iterable[Shipment]) -> None:
        await self._upsert(shipments, [shipment_to_row(s) for s in shipments_], ["id"])


class SqlPackRepository(SqlRepository):
    async def get(self, pack_id: int) -> Pack:
        pack = await self.find(pack_id)
        if pack is None:
            raise NotFound("pack", pack_id)
        return pack

    async def find(self, pack_id: int) -> Pack | None:
        row = await self._one(select(packs).where(packs.c.id == pack_id))
        return None if row is None else pack_to_domain(row)

    async def upsert(self, packs_: Iterable[Pack]) -> None:
        await self._upsert(packs, [pack_to_row(p) for p in packs_], ["id"])
