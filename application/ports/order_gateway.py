"""The MercadoLibre gateway for orders, packs, payments and shipments (mercadolibre-api.md
§5, §6), as the use cases see it. Errors as for application.ports.marketplace: NotFound,
Forbidden (another seller's), ValidationFailed (MercadoLibre's causes), Unauthorized,
RateLimited, Unavailable. Every read parses both shapes MercadoLibre returns (§0.3) and
asks for the current one (`x-format-new: true` for shipments)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import attrs

from domain.money import Money
from domain.orders import Order, OrderNote, Pack
from domain.shipment_details import ShipmentDetails
from domain.shipments import Shipment

SEARCH_LIMIT = 51  # §5.3: the page MercadoLibre's order search serves at most [INF]
MAX_LABELS = 50  # §6.3: shipments per GET /shipment_labels [INF]


@attrs.define(frozen=True)
class LabelFile:
    """Labels as MercadoLibre printed them: a PDF (`%PDF` first) or ZPL II (text, or a
    zip of it), with its content type."""

    content: bytes = attrs.field(repr=False)
    content_type: str


@attrs.define(frozen=True)
class OrderPage:
    """One page of GET /orders/search: the orders read, MercadoLibre's `paging.total`,
    and the results that could not be read as an order (that record's error only)."""

    orders: tuple[Order, ...]
    total: int
    unreadable: tuple[str, ...] = ()


@attrs.define(frozen=True)
class ShippingOption:
    """One way a buyer could get the listing (§6.5): what the buyer pays (`cost`) and
    the list cost, with MercadoLibre's estimate of the delivery."""

    name: str
    cost: Money
    list_cost: Money | None = None
    id: int | None = None
    shipping_method_id: int | None = None
    estimated_delivery: datetime | None = None


@attrs.define(frozen=True)
class ShippingQuote:
    zip_code: str
    options: tuple[ShippingOption, ...]


class OrderGateway(Protocol):
    """Calls on behalf of a connected account (its token, one renewal after a 401)."""

    async def get_order(self, account_id: int, order_id: int) -> Order:
        """GET /orders/{id} (§5.1). Raises NotFound, Forbidden. Idempotent."""
        ...

    async def search_orders(
        self,
        account_id: int,
        seller_id: int,
        updated_from: datetime,
        updated_to: datetime,
        offset: int = 0,
        limit: int = SEARCH_LIMIT,
    ) -> OrderPage:
        """GET /orders/search?seller=&order.date_last_updated.from=&.to=&sort=date_asc
        (§5.3), both ends inclusive. Raises Forbidden for another seller, ValidationFailed
        past MercadoLibre's limit or offset cap. Idempotent."""
        ...

    async def get_shipment(self, account_id: int, shipment_id: int) -> Shipment:
        """GET /shipments/{id} with `x-format-new: true` (§6.1). Raises NotFound,
        Forbidden. Idempotent."""
        ...

    async def get_pack(self, account_id: int, pack_id: int) -> Pack:
        """GET /packs/{id} (§5.4). Raises NotFound, Forbidden. Idempotent."""
        ...

    async def labels(self, account_id: int, shipment_ids: tuple[int, ...], fmt: str) -> LabelFile:
        """GET /shipment_labels?shipment_ids=&response_type=pdf|zpl2 (§6.3), at most
        MAX_LABELS shipments in one call. A JSON answer instead of a label (MercadoLibre
        has none to print) is Conflict with its message, never a file; a PDF that does not
        start with `%PDF` is Unavailable. Raises ValidationFailed, Forbidden, NotFound.
        Idempotent (printing again prints the same labels)."""
        ...

    async def shipment_details(
        self, account_id: int, shipment_id: int, currency_id: str, seller_id: int | None
    ) -> ShipmentDetails:
        """GET /shipments/{id}/history, /delays, /costs, /sla and /carrier (§6.4), amounts
        in `currency_id`, the seller's share of the costs that of `seller_id`. A part
        MercadoLibre does not have (404, or refused) is None, and no delays (its 404
        "Delays Not Found") an empty tuple: never an error. Raises Unavailable,
        RateLimited, Unauthorized when MercadoLibre cannot answer. Idempotent."""
        ...

    async def ready_to_ship(self, account_id: int, shipment_id: int) -> None:
        """POST /shipments/{id}/process/ready_to_ship ("I have the product", §5.4): ME2
        only (Forbidden otherwise). Idempotent (saying it twice changes nothing more)."""
        ...

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
        """POST /shipments/{id}/seller_notifications (§6.4, ME1 status updates):
        `status` shipped, delivered or not_delivered, with its `substatus`, the seller's
        `comment` and the carrier's `service_id` when given. MercadoLibre refuses other
        modes and final shipments (ValidationFailed). Idempotent: the same update twice
        says the same."""
        ...

    async def shipping_options(self, account_id: int, item_id: str, zip_code: str) -> ShippingQuote:
        """GET /items/{id}/shipping_options?zip_code= (§6.5): the methods and costs a
        buyer at `zip_code` would see. Raises NotFound, ValidationFailed. Idempotent."""
        ...

    async def free_shipping_cost(self, account_id: int, seller_id: int, item_id: str) -> Money:
        """GET /users/{seller_id}/shipping_options/free?item_id= (§6.5): what free
        shipping of the listing costs the seller (`coverage.all_country.list_cost`).
        Raises NotFound, Forbidden, ValidationFailed. Idempotent."""
        ...

    async def notes(self, account_id: int, order_id: int) -> tuple[OrderNote, ...]:
        """GET /orders/{id}/notes (§5.5), oldest first. Raises NotFound, Forbidden.
        Idempotent."""
        ...

    async def add_note(self, account_id: int, order_id: int, text: str) -> OrderNote:
        """POST /orders/{id}/notes {"note"} (§5.5: at most 300 characters). NOT
        idempotent: never repeated by the gateway once sent (a time-out is Unavailable and
        whether MercadoLibre took it is unknown: read the notes back)."""
        ...

    async def update_note(
        self, account_id: int, order_id: int, note_id: str, text: str
    ) -> OrderNote:
        """PUT /orders/{id}/notes/{note_id} {"note"}. Raises NotFound. Idempotent."""
        ...

    async def delete_note(self, account_id: int, order_id: int, note_id: str) -> None:
        """DELETE /orders/{id}/notes/{note_id}. Raises NotFound. Idempotent."""
        ...

    async def payment_order_id(self, account_id: int, resource: str) -> int:
        """The order a `payments` notification's resource (§9.3: /collections/{id}, or
        /payments/{id}) belongs to. Raises NotFound, Forbidden. Idempotent."""
        ...
