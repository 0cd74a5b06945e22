"""MercadoLibre shipment JSON -> the domain's Shipment (mercadolibre-api.md §6.1).

The gateway asks for the `x-format-new: true` shape (`logistic: {mode, type}`,
`lead_time` with the buyer's cost and the buffering date, `origin.sender_id`,
`destination.shipping_address`), and reads the legacy one too (`mode`, `logistic_type`,
`shipping_option`, `receiver_address`, `order_id` at the root; an order's embedded
`shipping` block is of that kind, §0.3). An unknown status or mode is that record's
error (Unavailable), never the run's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.mercadolibre.order_mapping import read_money, text_or_none
from adapters.mercadolibre.question_mapping import clean_json, read_id, read_when
from application.errors import Unavailable
from domain.errors import DomainError
from domain.shipments import Shipment, ShipmentStatus, ShippingMode


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def read_shipment(
    body: Any,
    account_id: int,
    what: str = "GET /shipments/{id}",
    order_ids: tuple[int, ...] = (),
) -> Shipment:
    """The shipment `body` describes (either shape). `order_ids` adds the orders known to
    ship in it (the new shape names none). Raises Unavailable naming `what`."""
    if not isinstance(body, Mapping):
        raise Unavailable(f"{what} answered something other than a shipment object")
    raw = clean_json(body)
    shipment_id = read_id(raw.get("id"))
    if shipment_id is None:
        raise Unavailable(f"{what} lacks a readable shipment id")
    name = f"{what}: shipment {shipment_id}"
    try:
        status = ShipmentStatus(raw.get("status"))
    except ValueError:
        raise Unavailable(f"{name} has an unknown status {str(raw.get('status'))[:40]!r}") from None
    logistic = _mapping(raw.get("logistic"))
    mode_text = logistic.get("mode") or raw.get("mode") or raw.get("shipping_mode")
    try:
        mode = ShippingMode(mode_text if mode_text is not None else "not_specified")
    except ValueError:
        raise Unavailable(f"{name} has an unknown mode {str(mode_text)[:40]!r}") from None
    # New shape: lead_time; legacy: shipping_option; an order's embedded block: both absent.
    option = _mapping(raw.get("lead_time")) or _mapping(raw.get("shipping_option"))
    currency_id = text_or_none(option.get("currency_id"), 3) or text_or_none(
        raw.get("currency_id"), 3
    )
    method = _mapping(option.get("shipping_method"))
    destination = _mapping(raw.get("destination"))
    address = _mapping(destination.get("shipping_address")) or _mapping(raw.get("receiver_address"))
    ids = list(order_ids)
    for candidate in (raw.get("order_id"),):
        found = read_id(candidate)
        if found is not None and found not in ids:
            ids.append(found)
    cost = read_money(option.get("cost"), currency_id)
    if cost is None and not option:
        cost = read_money(raw.get("cost"), currency_id)
    try:
        return Shipment(
            id=shipment_id,
            account_id=account_id,
            status=status,
            mode=mode,
            substatus=text_or_none(raw.get("substatus"), 64),
            logistic_type=text_or_none(logistic.get("type") or raw.get("logistic_type"), 64),
            tracking_number=text_or_none(raw.get("tracking_number"))
            or text_or_none(raw.get("shippingCode")),
            tracking_method=text_or_none(raw.get("tracking_method")),
            order_ids=tuple(ids),
            cost=cost,
            receiver_zip_code=text_or_none(address.get("zip_code"), 32),
            date_created=read_when(raw.get("date_created")),
            last_updated=read_when(raw.get("last_updated")),
            list_cost=read_money(option.get("list_cost"), currency_id),
            cost_type=text_or_none(option.get("cost_type"), 32),
            shipping_method=text_or_none(method.get("name")) or text_or_none(option.get("name")),
            buffering_date=read_when(_mapping(option.get("buffering")).get("date")),
            tags=tuple(t for t in (text_or_none(t, 64) for t in _list(raw.get("tags"))) if t),
            raw=raw,
        )
    except DomainError as error:
        raise Unavailable(f"{name} cannot be kept: {error}") from None
