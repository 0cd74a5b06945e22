"""Query parameters and pages shared by the read side of the repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Generic, TypeVar

import attrs

from application.errors import FieldProblem, ValidationFailed
from domain.inventory import StockLevel

T = TypeVar("T")
MAX_PAGE_SIZE = 200


def _check_paging(offset: int, limit: int) -> None:
    problems = []
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        problems.append(FieldProblem("offset", "must be a whole number of zero or more"))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        problems.append(FieldProblem("limit", f"must be between 1 and {MAX_PAGE_SIZE}"))
    if problems:
        raise ValidationFailed(problems)


@attrs.define(frozen=True)
class Paging:
    offset: int = 0
    limit: int = 50

    def __attrs_post_init__(self) -> None:
        _check_paging(self.offset, self.limit)


@attrs.define(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    offset: int
    limit: int


@attrs.define(frozen=True)
class ListingQuery:
    account_id: int | None = None
    status: str | None = None
    title: str | None = None  # case-insensitive substring
    sku: str | None = None
    include_removed: bool = False
    relisted_from: str | None = None  # the listings that relisted this closed one
    paging: Paging = attrs.field(factory=Paging)


@attrs.define(frozen=True)
class InventoryQuery:
    """Stock levels of listings still on MercadoLibre. `below`: only levels whose
    publishable quantity (count minus safety stock) is under it. `sku`: only the
    listings with this seller SKU."""

    account_id: int | None = None
    below: int | None = None
    sku: str | None = None
    paging: Paging = attrs.field(factory=Paging)


@attrs.define(frozen=True)
class InventoryLine:
    """One stock level with what identifies it: the listing's title and status, and the
    SKU of the variation (or of the listing)."""

    level: StockLevel
    account_id: int
    title: str
    status: str
    seller_sku: str | None


@attrs.define(frozen=True)
class OrderQuery:
    """Orders by account (or any of `account_ids`, the connected ones), status, creation
    time (`created_from` and `created_to` both inclusive), pack, tag, the status of their
    shipment and text (`text`: the order id, a listing id or title, the buyer's nickname;
    case- and accent-insensitive substring, as §5.3's `q=`); newest first."""

    account_id: int | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    paging: Paging = attrs.field(factory=Paging)
    account_ids: tuple[int, ...] | None = None
    pack_id: int | None = None
    tag: str | None = None
    shipment_status: str | None = None
    text: str | None = None


@attrs.define(frozen=True)
class QuestionQuery:
    """Questions by account, status, item, creation time (`created_from` inclusive,
    `created_to` exclusive) and text (case- and accent-insensitive substring); the
    unanswered ones first, oldest first, then the others newest first."""

    account_id: int | None = None
    status: str | None = None
    item_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    text: str | None = None
    paging: Paging = attrs.field(factory=Paging)


@attrs.define(frozen=True)
class InboxQuery:
    status: str | None = None
    topic: str | None = None
    paging: Paging = attrs.field(factory=Paging)


@attrs.define(frozen=True)
class SyncLogQuery:
    account_id: int | None = None
    kind: str | None = None
    paging: Paging = attrs.field(factory=Paging)


@attrs.define(frozen=True)
class ResourceQuery:
    topic: str | None = None
    account_id: int | None = None
    paging: Paging = attrs.field(factory=Paging)


@attrs.define(frozen=True)
class DeadLetterQuery:
    source: str | None = None
    # False: only those not replayed yet (open); True: only replayed ones; None: all.
    replayed: bool | None = None
    account_id: int | None = None
    paging: Paging = attrs.field(factory=Paging)


@attrs.define(frozen=True)
class DeliveryQuery:
    subscription_id: int | None = None
    status: str | None = None
    paging: Paging = attrs.field(factory=Paging)
