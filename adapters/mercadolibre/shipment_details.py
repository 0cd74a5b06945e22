"""The §6.4 sub-resources of a shipment -> the domain's ShipmentDetails, read leniently.

`/history` is `[{status, substatus, date}]` (also accepted: under `results` or
`history`, and the legacy shipment's `status_history` of `date_<status>` fields);
`/delays` is `{shipment_id, delays: [{type, date, source}]}` or a bare list; `/costs`
is `{gross_amount, receiver: {...}, senders: [{...}]}`; `/sla` is `{status, service,
expected_date, last_updated}`; `/carrier` is `{name, url}`. A part MercadoLibre does not
have (404, or refused with 400/403: no SLA for fulfillment or cancelled shipments) is
None, and `/delays`' 404 "Delays Not Found for shipment" means none; one unreadable
entry is left out, never the whole answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.order_mapping import read_money, text_or_none
from adapters.mercadolibre.question_mapping import read_id, read_when
from application.errors import Forbidden, NotFound, ValidationFailed
from domain.errors import DomainError
from domain.money import Money
from domain.shipment_details import (
    Carrier,
    CostShare,
    ShipmentCosts,
    ShipmentDelay,
    ShipmentDetails,
    ShipmentEvent,
    ShipmentSla,
)

T = TypeVar("T")
# What MercadoLibre answers for a sub-resource it does not have for this shipment.
NOT_AVAILABLE = (NotFound, ValidationFailed, Forbidden)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _entries(body: Any, *keys: str) -> list[Any]:
    if isinstance(body, list):
        return body
    for key in keys:
        found = _mapping(body).get(key)
        if isinstance(found, list):
            return found
    return []


def read_history(body: Any) -> tuple[ShipmentEvent, ...]:
    events = []
    for entry in _entries(body, "results", "history"):
        status = text_or_none(_mapping(entry).get("status"), 64)
        if status is None:
            continue
        try:
            events.append(
                ShipmentEvent(
                    status,
                    text_or_none(entry.get("substatus"), 64),
                    read_when(entry.get("date")),
                )
            )
        except DomainError:
            continue
    if not events and isinstance(body, Mapping):
        # The legacy shipment's status_history: {date_shipped: ..., date_delivered: ...}.
        legacy = _mapping(body.get("status_history")) or body
        for key, value in legacy.items():
            when = read_when(value)
            if key.startswith("date_") and when is not None:
                events.append(ShipmentEvent(key.removeprefix("date_")[:64], None, when))
        events.sort(key=lambda e: e.date)  # type: ignore[arg-type, return-value]
    return tuple(events)


def read_delays(body: Any) -> tuple[ShipmentDelay, ...]:
    delays = []
    for entry in _entries(body, "delays", "results"):
        kind = text_or_none(_mapping(entry).get("type"), 64)
        if kind is None:
            continue
        try:
            delays.append(
                ShipmentDelay(
                    kind, read_when(entry.get("date")), text_or_none(entry.get("source"), 64)
                )
            )
        except DomainError:
            continue
    return tuple(delays)


def _discount(discounts: Any, currency_id: str) -> Money | None:
    total = Decimal(0)
    found = False
    for discount in discounts if isinstance(discounts, list) else []:
        amount = read_money(_mapping(discount).get("promoted_amount"), currency_id)
        if amount is not None:
            total += amount.amount
            found = True
    return Money.of(total, currency_id) if found else None


def _share(body: Any, currency_id: str) -> CostShare | None:
    data = _mapping(body)
    cost = read_money(data.get("cost"), currency_id)
    if cost is None:
        return None
    return CostShare(
        user_id=read_id(data.get("user_id")),
        cost=cost,
        discount=_discount(data.get("discounts"), currency_id),
        compensation=read_money(data.get("compensation"), currency_id),
    )


def read_costs(body: Any, currency_id: str, seller_id: int | None) -> ShipmentCosts | None:
    """The buyer's share (`receiver`) and the seller's (the `senders` entry of
    `seller_id`, else the only or first one)."""
    data = _mapping(body)
    if not data:
        return None
    senders = [s for s in (_share(s, currency_id) for s in _entries(data.get("senders"))) if s]
    seller = next((s for s in senders if s.user_id == seller_id), None)
    if seller is None and senders:
        seller = senders[0]
    return ShipmentCosts(
        gross_amount=read_money(data.get("gross_amount"), currency_id),
        buyer=_share(data.get("receiver"), currency_id),
        seller=seller,
    )


def read_sla(body: Any) -> ShipmentSla | None:
    data = _mapping(body)
    status = text_or_none(data.get("status"), 64)
    if status is None:
        return None
    return ShipmentSla(
        status=status,
        service=text_or_none(data.get("service"), 64),
        expected_date=read_when(data.get("expected_date")),
        last_updated=read_when(data.get("last_updated")),
    )


def read_carrier(body: Any) -> Carrier | None:
    data = _mapping(body)
    name, url = text_or_none(data.get("name")), text_or_none(data.get("url"), 2000)
    return None if name is None and url is None else Carrier(name, url)


async def _optional(call: Awaitable[T]) -> T | None:
    try:
        return await call
    except NOT_AVAILABLE:
        return None


async def read_shipment_details(
    calls: AccountCalls,
    account_id: int,
    shipment_id: int,
    currency_id: str,
    seller_id: int | None,
) -> ShipmentDetails:
    """The five sub-resources, asked for at once."""
    base = f"/shipments/{int(shipment_id)}"

    def get(part: str) -> Awaitable[Any]:
        return calls.get(account_id, f"{base}/{part}")

    async def read(part: str, reader: Callable[[Any], T]) -> T | None:
        body = await _optional(get(part))
        return None if body is None else reader(body)

    async def delays() -> tuple[ShipmentDelay, ...] | None:
        try:
            return read_delays(await get("delays"))
        except NotFound:
            return ()  # §6.4: 404 "Delays Not Found for shipment" when none
        except (ValidationFailed, Forbidden):
            return None

    history, found_delays, costs, sla, carrier = await asyncio.gather(
        read("history", read_history),
        delays(),
        read("costs", lambda b: read_costs(b, currency_id, seller_id)),
        read("sla", read_sla),
        read("carrier", read_carrier),
    )
    return ShipmentDetails(history, found_delays, costs, sla, carrier)
