"""Orders with their items, payments, tags and notes (mercadolibre-api.md §5)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

import attrs

from domain.answer_rules import normalise
from domain.common import aware, positive_int, text_within
from domain.errors import InvalidValue
from domain.lifecycle import Lifecycle
from domain.money import Money

MAX_NOTE_LENGTH = 300  # §5.5


class OrderStatus(StrEnum):
    CONFIRMED = "confirmed"
    PAYMENT_REQUIRED = "payment_required"
    PAYMENT_IN_PROCESS = "payment_in_process"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    PENDING_CANCEL = "pending_cancel"
    CANCELLED = "cancelled"
    INVALID = "invalid"


_O = OrderStatus
# The real flow of §5.2; a refunded paid order ends cancelled (§5.1).
ORDER_LIFECYCLE: Lifecycle[OrderStatus] = Lifecycle(
    "order",
    {
        _O.CONFIRMED: {
            _O.PAYMENT_REQUIRED,
            _O.PAYMENT_IN_PROCESS,
            _O.PAID,
            _O.CANCELLED,
            _O.INVALID,
        },
        _O.PAYMENT_REQUIRED: {_O.PAYMENT_IN_PROCESS, _O.PAID, _O.CANCELLED, _O.INVALID},
        _O.PAYMENT_IN_PROCESS: {_O.PARTIALLY_PAID, _O.PAID, _O.CANCELLED},
        _O.PARTIALLY_PAID: {_O.PAID, _O.CANCELLED},
        _O.PAID: {_O.PARTIALLY_REFUNDED, _O.PENDING_CANCEL, _O.CANCELLED},
        _O.PARTIALLY_REFUNDED: {_O.CANCELLED},
        _O.PENDING_CANCEL: {_O.CANCELLED, _O.PAID},
        _O.CANCELLED: set(),
        _O.INVALID: set(),
    },
)


@attrs.define(frozen=True)
class OrderItem:
    item_id: str
    title: str
    quantity: int = attrs.field(validator=positive_int)
    unit_price: Money
    variation_id: int | None = None
    seller_sku: str | None = None
    category_id: str | None = None
    full_unit_price: Money | None = None
    sale_fee: Money | None = None

    @property
    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


@attrs.define(frozen=True)
class Payment:
    id: int
    status: str
    amount: Money
    status_detail: str | None = None
    payment_method_id: str | None = None
    date_approved: datetime | None = attrs.field(default=None, validator=aware)
    order_id: int | None = None
    payer_id: int | None = None
    payment_type: str | None = None
    installments: int | None = None
    total_paid_amount: Money | None = None
    shipping_cost: Money | None = None
    marketplace_fee: Money | None = None
    refunded_amount: Money | None = None
    date_created: datetime | None = attrs.field(default=None, validator=aware)
    last_modified: datetime | None = attrs.field(default=None, validator=aware)


@attrs.define(frozen=True)
class Buyer:
    id: int
    nickname: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@attrs.define(frozen=True)
class OrderNote:
    text: str
    id: str | None = None
    date_created: datetime | None = attrs.field(default=None, validator=aware)

    def __attrs_post_init__(self) -> None:
        text_within("note", self.text, MAX_NOTE_LENGTH)


@attrs.define(frozen=True)
class Feedback:
    """What each side said of the sale: the rating of the seller's (`sale`) and the
    buyer's (`purchase`) feedback, when given (§5.1: `feedback.sale|seller`,
    `feedback.purchase|buyer`)."""

    sale: str | None = None
    purchase: str | None = None


@attrs.define(frozen=True)
class CancelDetail:
    """Why an order was cancelled (§5.1 `cancel_detail`; `pack_splitted` after a split)."""

    code: str | None = None
    description: str | None = None
    requested_by: str | None = None
    group: str | None = None
    date: datetime | None = attrs.field(default=None, validator=aware)


def _items_share_currency(instance: Order, attribute: attrs.Attribute, items: tuple) -> None:
    if not items:
        raise InvalidValue("order_items", "an order has at least one item")
    currencies = {item.unit_price.currency_id for item in items}
    if len(currencies) != 1:
        raise InvalidValue("order_items", "all items of an order share one currency")


@attrs.define
class Order:
    id: int = attrs.field(validator=positive_int)
    account_id: int
    seller_id: int
    status: OrderStatus
    items: tuple[OrderItem, ...] = attrs.field(converter=tuple, validator=_items_share_currency)
    total_amount: Money
    buyer: Buyer
    date_created: datetime = attrs.field(validator=aware)
    paid_amount: Money | None = None
    status_detail: str | None = None
    payments: tuple[Payment, ...] = attrs.field(default=(), converter=tuple)
    shipping_id: int | None = None
    pack_id: int | None = None
    tags: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    notes: tuple[OrderNote, ...] = attrs.field(default=(), converter=tuple)
    date_closed: datetime | None = attrs.field(default=None, validator=aware)
    last_updated: datetime | None = attrs.field(default=None, validator=aware)
    shipping_cost: Money | None = None
    feedback: Feedback = attrs.field(factory=Feedback)
    cancel_detail: CancelDetail | None = None
    buying_mode: str | None = None
    # The order as MercadoLibre last sent it, for the fields not modelled (§5.1).
    raw: Mapping[str, object] = attrs.field(factory=dict, converter=dict, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.total_amount.currency_id != self.currency_id:
            raise InvalidValue("total_amount", "must be in the currency of the items")

    @property
    def currency_id(self) -> str:
        return self.items[0].unit_price.currency_id

    @property
    def items_total(self) -> Money:
        total = Money.zero(self.currency_id)
        for item in self.items:
            total = total + item.total
        return total

    @property
    def conversation_id(self) -> int:
        """Messaging uses the pack id, or the order id when there is no pack (§5.4, §8.1)."""
        return self.pack_id if self.pack_id is not None else self.id

    @property
    def search_text(self) -> str:
        """What §5.3's `q=` finds an order by: its id, its listings' ids and titles and the
        buyer's nickname, without accents or case."""
        parts = [str(self.id), self.buyer.nickname or ""]
        for item in self.items:
            parts += [item.item_id, item.title]
        return normalise(" ".join(p for p in parts if p))

    def move_to(self, status: OrderStatus) -> None:
        self.status = ORDER_LIFECYCLE.check(self.status, status)

    def is_newer_than(self, other: Order) -> bool:
        """A snapshot from MercadoLibre replaces the stored one only if it is not older."""
        if self.last_updated is None or other.last_updated is None:
            return True
        return self.last_updated >= other.last_updated

    def may_replace(self, stored: Order) -> bool:
        """Whether this read may replace the stored copy: reads arrive out of order (a
        search page begun before a notification was read), and an older one never undoes
        what a newer one showed; a read without `last_updated` replaces only one
        without it either."""
        if self.last_updated is None:
            return stored.last_updated is None
        return stored.last_updated is None or self.last_updated >= stored.last_updated

    def add_tag(self, tag: str) -> None:
        if not tag or not tag.strip():
            raise InvalidValue("tag", "must not be empty")
        if tag not in self.tags:
            self.tags = (*self.tags, tag)

    def add_note(self, note: OrderNote) -> None:
        self.notes = (*self.notes, note)


class PackStatus(StrEnum):
    RELEASED = "released"
    ERROR = "error"
    PENDING_CANCEL = "pending_cancel"
    CANCELLED = "cancelled"


@attrs.define(frozen=True)
class Pack:
    """A cart: orders bought together and shipped as one (§5.4). `order_ids` are only
    the orders MercadoLibre shows this seller."""

    id: int = attrs.field(validator=positive_int)
    account_id: int
    status: str
    order_ids: tuple[int, ...] = attrs.field(default=(), converter=tuple)
    shipment_id: int | None = None
    buyer_id: int | None = None
    status_detail: str | None = None
    date_created: datetime | None = attrs.field(default=None, validator=aware)
    last_updated: datetime | None = attrs.field(default=None, validator=aware)
    raw: Mapping[str, object] = attrs.field(factory=dict, converter=dict, eq=False)

    def may_replace(self, stored: Pack) -> bool:
        """As Order.may_replace."""
        if self.last_updated is None:
            return stored.last_updated is None
        return stored.last_updated is None or self.last_updated >= stored.last_updated
