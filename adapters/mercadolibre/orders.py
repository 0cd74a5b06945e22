"""OrderGateway over HTTP (mercadolibre-api.md §5, §6): orders, the order search, packs,
payments and shipments. Every call goes through AccountCalls; shipments are asked for
with `x-format-new: true` (§6.1) and either shape is read (shipment_mapping.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.order_mapping import read_money, read_order, read_pack, text_or_none
from adapters.mercadolibre.question_mapping import clean_text, read_id, read_when
from adapters.mercadolibre.shipment_details import read_shipment_details
from adapters.mercadolibre.shipment_mapping import read_shipment
from application.errors import Conflict, NotFound, Unavailable, ValidationFailed
from application.ports.order_gateway import (
    MAX_LABELS,
    SEARCH_LIMIT,
    LabelFile,
    OrderPage,
    ShippingOption,
    ShippingQuote,
)
from domain.errors import DomainError
from domain.money import Money
from domain.orders import Order, OrderNote, Pack
from domain.shipment_details import ShipmentDetails
from domain.shipments import Shipment

NEW_FORMAT = {"x-format-new": "true"}


def search_date(moment: datetime) -> str:
    """§5.3's example format: 2015-07-01T00:00:00.000-00:00, here in UTC."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}-00:00"


def _total(body: Mapping[str, Any], fallback: int) -> int:
    paging = body.get("paging")
    total = paging.get("total") if isinstance(paging, Mapping) else body.get("total")
    return total if isinstance(total, int) and not isinstance(total, bool) else fallback


def read_note(body: Any, what: str) -> OrderNote:
    """A note as §5.5's calls answer it: `{id, note, date_created, date_last_updated}`,
    bare or under `note` [INF: the shapes are not documented]."""
    data = body.get("note", body) if isinstance(body, Mapping) else None
    if isinstance(data, str) and isinstance(body, Mapping):
        data = body
    if not isinstance(data, Mapping):
        raise Unavailable(f"{what} answered something other than a note")
    text = data.get("note", data.get("text"))
    note_id = data.get("id", data.get("note_id"))
    if not isinstance(text, str) or note_id is None:
        raise Unavailable(f"{what} answered a note without id or text")
    try:
        return OrderNote(
            text=clean_text(text)[:300],
            id=clean_text(str(note_id))[:64],
            date_created=read_when(data.get("date_created")),
        )
    except DomainError as error:
        raise Unavailable(f"{what}: the note cannot be kept: {error}") from None


class AiohttpOrderGateway:
    """OrderGateway over HTTP."""

    def __init__(self, calls: AccountCalls) -> None:
        self._calls = calls

    async def get_order(self, account_id: int, order_id: int) -> Order:
        path = f"/orders/{int(order_id)}"
        body = await self._calls.get(account_id, path)
        return read_order(body, account_id, f"GET {path}")

    async def search_orders(
        self,
        account_id: int,
        seller_id: int,
        updated_from: datetime,
        updated_to: datetime,
        offset: int = 0,
        limit: int = SEARCH_LIMIT,
    ) -> OrderPage:
        body = await self._calls.get(
            account_id,
            "/orders/search",
            {
                "seller": int(seller_id),
                "order.date_last_updated.from": search_date(updated_from),
                "order.date_last_updated.to": search_date(updated_to),
                "sort": "date_asc",
                "offset": int(offset),
                "limit": int(limit),
            },
        )
        results = body.get("results") if isinstance(body, Mapping) else None
        if not isinstance(results, list):
            raise Unavailable("GET /orders/search answered without a list of results")
        orders: list[Order] = []
        unreadable: list[str] = []
        for result in results:
            try:
                orders.append(read_order(result, account_id, "GET /orders/search"))
            except Unavailable as error:
                unreadable.append(str(error))
        return OrderPage(tuple(orders), _total(body, len(results)), tuple(unreadable))

    async def get_shipment(self, account_id: int, shipment_id: int) -> Shipment:
        path = f"/shipments/{int(shipment_id)}"
        body = await self._calls.get(account_id, path, headers=NEW_FORMAT)
        return read_shipment(body, account_id, f"GET {path}")

    async def get_pack(self, account_id: int, pack_id: int) -> Pack:
        path = f"/packs/{int(pack_id)}"
        body = await self._calls.get(account_id, path)
        return read_pack(body, account_id, f"GET {path}")

    async def labels(self, account_id: int, shipment_ids: tuple[int, ...], fmt: str) -> LabelFile:
        """§6.3: the label answer is checked by its content type and magic bytes (a JSON
        answer means MercadoLibre has no label to print, [OBS])."""
        if not 1 <= len(shipment_ids) <= MAX_LABELS or fmt not in ("pdf", "zpl"):
            raise ValueError(f"1 to {MAX_LABELS} shipments, as pdf or zpl")
        try:
            response = await self._calls.call(
                account_id,
                "GET",
                "/shipment_labels",
                params={
                    "shipment_ids": ",".join(str(int(i)) for i in shipment_ids),
                    "response_type": "pdf" if fmt == "pdf" else "zpl2",
                },
            )
        except ValidationFailed as error:
            if "label" not in str(error).lower():
                raise
            raise Conflict(f"MercadoLibre printed no label: {error}") from error
        kind = response.content_type.split(";")[0].strip().lower()
        if kind == "application/json" or isinstance(response.body, Mapping | list):
            message = response.body.get("message") if isinstance(response.body, Mapping) else None
            raise Conflict(f"MercadoLibre printed no label: {message or 'it answered JSON'}")
        if fmt == "pdf" and not response.content.startswith(b"%PDF"):
            raise Unavailable(f"GET /shipment_labels answered {kind or 'no type'}, not a PDF")
        if fmt == "zpl" and not response.content.strip():
            raise Unavailable("GET /shipment_labels answered an empty label")
        return LabelFile(response.content, kind or "application/octet-stream")

    async def shipment_details(
        self, account_id: int, shipment_id: int, currency_id: str, seller_id: int | None
    ) -> ShipmentDetails:
        return await read_shipment_details(
            self._calls, account_id, shipment_id, currency_id, seller_id
        )

    async def ready_to_ship(self, account_id: int, shipment_id: int) -> None:
        path = f"/shipments/{int(shipment_id)}/process/ready_to_ship"
        await self._calls.call(account_id, "POST", path, idempotent=True)

    async def update_tracking(
        self,
        account_id: int,
        shipment_id: int,
        status: str,
        tracking_number: str,
        tracking_url: str | None,
        when: datetime,
        *,
        substatus: str | None = None,
        comment: str | None = None,
        service_id: int | None = None,
    ) -> None:
        """§6.4: `{payload: {service_id, comment, date}, tracking_number, tracking_url,
        status, substatus}`; what was not given is left out (the comment is empty)."""
        payload: dict[str, Any] = {"comment": comment or "", "date": when.isoformat()}
        if service_id is not None:
            payload["service_id"] = service_id
        body: dict[str, Any] = {
            "payload": payload,
            "tracking_number": tracking_number,
            "status": status,
        }
        if tracking_url:
            body["tracking_url"] = tracking_url
        if substatus:
            body["substatus"] = substatus
        path = f"/shipments/{int(shipment_id)}/seller_notifications"
        await self._calls.send(account_id, "POST", path, body, idempotent=True)

    async def shipping_options(self, account_id: int, item_id: str, zip_code: str) -> ShippingQuote:
        path = f"/items/{quote(item_id, safe='')}/shipping_options"
        body = await self._calls.get(account_id, path, {"zip_code": zip_code})
        given = body.get("options") if isinstance(body, Mapping) else None
        if not isinstance(given, list):
            raise Unavailable(f"GET {path} answered without a list of options")
        options = []
        for option in given:
            if not isinstance(option, Mapping):
                continue
            currency_id = option.get("currency_id")
            cost = read_money(option.get("cost"), currency_id)
            if cost is None:
                continue  # an option without a price says nothing a buyer could pay
            estimate = option.get("estimated_delivery_time")
            options.append(
                ShippingOption(
                    name=text_or_none(option.get("name")) or "",
                    cost=cost,
                    list_cost=read_money(option.get("list_cost"), currency_id),
                    id=read_id(option.get("id")),
                    shipping_method_id=read_id(option.get("shipping_method_id")),
                    estimated_delivery=read_when(estimate.get("date"))
                    if isinstance(estimate, Mapping)
                    else None,
                )
            )
        destination = body.get("destination")
        zip_given = destination.get("zip_code") if isinstance(destination, Mapping) else None
        return ShippingQuote(text_or_none(zip_given, 32) or zip_code, tuple(options))

    async def free_shipping_cost(self, account_id: int, seller_id: int, item_id: str) -> Money:
        path = f"/users/{int(seller_id)}/shipping_options/free"
        body = await self._calls.get(account_id, path, {"item_id": item_id})
        coverage = body.get("coverage") if isinstance(body, Mapping) else None
        country = coverage.get("all_country") if isinstance(coverage, Mapping) else None
        cost = (
            read_money(country.get("list_cost"), country.get("currency_id"))
            if isinstance(country, Mapping)
            else None
        )
        if cost is None:
            raise Unavailable(f"GET {path} answered without coverage.all_country.list_cost")
        return cost

    async def notes(self, account_id: int, order_id: int) -> tuple[OrderNote, ...]:
        path = f"/orders/{int(order_id)}/notes"
        body = await self._calls.get(account_id, path)
        groups = body if isinstance(body, list) else [body]
        found: list[OrderNote] = []
        for group in groups:
            results = group.get("results") if isinstance(group, Mapping) else None
            for result in results if isinstance(results, list) else []:
                found.append(read_note(result, f"GET {path}"))
        return tuple(found)

    async def add_note(self, account_id: int, order_id: int, text: str) -> OrderNote:
        path = f"/orders/{int(order_id)}/notes"
        body = await self._calls.send(account_id, "POST", path, {"note": text})
        return read_note(body, f"POST {path}")

    async def update_note(
        self, account_id: int, order_id: int, note_id: str, text: str
    ) -> OrderNote:
        path = f"/orders/{int(order_id)}/notes/{quote(note_id, safe='')}"
        body = await self._calls.send(account_id, "PUT", path, {"note": text}, idempotent=True)
        return read_note(body, f"PUT {path}")

    async def delete_note(self, account_id: int, order_id: int, note_id: str) -> None:
        path = f"/orders/{int(order_id)}/notes/{quote(note_id, safe='')}"
        await self._calls.call(account_id, "DELETE", path)

    async def payment_order_id(self, account_id: int, resource: str) -> int:
        """§9.3: a `payments` notification names /collections/{id}; /payments/{id} is
        read as given."""
        path = resource.partition("?")[0].rstrip("/")
        last = path.rsplit("/", 1)[-1]
        if not last.isdigit() or not path.startswith(("/collections/", "/payments/")):
            raise NotFound("payment", resource)
        body = await self._calls.get(account_id, path)
        data = body.get("collection", body) if isinstance(body, Mapping) else None
        order_id = read_id(data.get("order_id")) if isinstance(data, Mapping) else None
        if order_id is None:
            raise Unavailable(f"GET {path} names no order (no order_id)")
        return order_id
