"""JSON shapes of listings, stock and bulk updates, and their mapping from the domain."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from application.ports.listing_gateway import CategoryPrediction, ListingHealth
from domain.inventory import StockBatch, StockLevel, StockResult
from domain.listings import Listing
from entrypoints.http.views import PageInfo


@attrs.define(frozen=True)
class AttributeView:
    """`id` is null only for a free-text combination of an older listing, known by its
    `name` (§4.6)."""

    id: str | None
    value_name: str | None
    value_id: str | None
    name: str | None


@attrs.define(frozen=True)
class PictureView:
    id: str | None
    url: str | None


@attrs.define(frozen=True)
class VariationView:
    id: int | None
    attribute_combinations: list[AttributeView]
    price: Decimal
    available_quantity: int
    sold_quantity: int
    picture_ids: list[str]
    seller_sku: str | None


@attrs.define(frozen=True)
class ShippingView:
    mode: str
    free_shipping: bool
    local_pick_up: bool
    logistic_type: str | None


@attrs.define(frozen=True)
class StockLevelView:
    """The seller's count, the units held back, and what MercadoLibre should show."""

    variation_id: int | None
    quantity: int
    safety_stock: int
    publishable: int
    updated_at: datetime | None


@attrs.define(frozen=True)
class ListingView:
    """A listing as stored locally (MercadoLibre's copy at the last sync or change).

    `stock` is its stock levels (one per variation, or one for the item) in every answer
    about one listing: GET, POST and PUT /products/{item_id}, pause, activate and
    DELETE. It is null only in the pages of GET /products."""

    item_id: str
    account_id: int
    site_id: str
    title: str
    category_id: str
    price: Decimal
    currency_id: str
    available_quantity: int
    sold_quantity: int
    status: str
    sub_status: list[str]
    condition: str
    listing_type_id: str
    buying_mode: str
    permalink: str | None
    thumbnail: str | None
    pictures: list[PictureView]
    variations: list[VariationView]
    attributes: list[AttributeView]
    shipping: ShippingView
    description: str | None
    video_id: str | None
    seller_sku: str | None
    health: float | None
    date_created: datetime | None
    last_updated: datetime | None
    removed_at: datetime | None
    # The closed listing this one relisted; a relisted one is found from its parent with
    # GET /products?relisted_from=
    relisted_from: str | None = None
    stock: list[StockLevelView] | None = None


@attrs.define(frozen=True)
class ListingPage:
    results: list[ListingView]
    paging: PageInfo


def _attribute(a) -> AttributeView:
    return AttributeView(a.id, a.value_name, a.value_id, a.name)


def stock_view(level: StockLevel) -> StockLevelView:
    return StockLevelView(
        level.variation_id, level.quantity, level.safety_stock, level.publishable, level.updated_at
    )


def listing_view(listing: Listing, stock: tuple[StockLevel, ...] | None = None) -> ListingView:
    return ListingView(
        item_id=listing.item_id,
        account_id=listing.account_id,
        site_id=listing.site_id,
        title=listing.title,
        category_id=listing.category_id,
        price=listing.price.amount,
        currency_id=listing.price.currency_id,
        available_quantity=listing.available_quantity,
        sold_quantity=listing.sold_quantity,
        status=listing.status.value,
        sub_status=list(listing.sub_status),
        condition=listing.condition.value,
        listing_type_id=listing.listing_type_id,
        buying_mode=listing.buying_mode,
        permalink=listing.permalink,
        thumbnail=listing.thumbnail,
        pictures=[PictureView(p.id, p.url or p.source) for p in listing.pictures],
        variations=[
            VariationView(
                v.id,
                [_attribute(a) for a in v.attribute_combinations],
                v.price.amount,
                v.available_quantity,
                v.sold_quantity,
                list(v.picture_ids),
                v.seller_sku,
            )
            for v in listing.variations
        ],
        attributes=[_attribute(a) for a in listing.attributes],
        shipping=ShippingView(
            listing.shipping.mode,
            listing.shipping.free_shipping,
            listing.shipping.local_pick_up,
            listing.shipping.logistic_type,
        ),
        description=listing.description,
        video_id=listing.video_id,
        seller_sku=listing.seller_sku,
        health=listing.health,
        date_created=listing.date_created,
        last_updated=listing.last_updated,
        removed_at=listing.removed_at,
        relisted_from=listing.relisted_from,
        stock=None if stock is None else [stock_view(level) for level in stock],
    )


@attrs.define(frozen=True)
class StockResultView:
    """What became of one stock update: applied, unchanged, rejected (our checks refused
    it, with the reason), superseded by a later request, mismatch (MercadoLibre shows
    another figure) or failed (MercadoLibre could not be written; nothing was stored)."""

    item_id: str
    variation_id: int | None
    quantity: int
    outcome: str
    reason: str | None
    published: int | None
    observed: int | None


def stock_result_view(result: StockResult) -> StockResultView:
    return StockResultView(
        result.item_id,
        result.variation_id,
        result.quantity,
        result.outcome.value,
        result.reason,
        result.published,
        result.observed,
    )


@attrs.define(frozen=True)
class StockBatchView:
    id: int
    status: str
    requested_at: datetime
    finished_at: datetime | None
    error: str | None
    counts: dict[str, int]
    results: list[StockResultView]


def stock_batch_view(batch: StockBatch) -> StockBatchView:
    counts: dict[str, int] = {}
    for result in batch.results:
        counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
    assert batch.id is not None
    return StockBatchView(
        batch.id,
        batch.status.value,
        batch.requested_at,
        batch.finished_at,
        batch.error,
        counts,
        [stock_result_view(r) for r in batch.results],
    )


@attrs.define(frozen=True)
class HealthGoalView:
    id: str
    name: str
    progress: float
    completed: bool
    completed_at: datetime | None = None


@attrs.define(frozen=True)
class ListingHealthView:
    """Listing quality (0 to 1) and the goals still open (§4.12)."""

    item_id: str
    health: float | None
    level: str | None
    goals: list[HealthGoalView]


def health_view(health: ListingHealth) -> ListingHealthView:
    return ListingHealthView(
        health.item_id,
        health.health,
        health.level,
        [
            HealthGoalView(g.id, g.name, g.progress, g.completed, g.completed_at)
            for g in health.goals
        ],
    )


@attrs.define(frozen=True)
class CategoryPredictionView:
    category_id: str
    category_name: str
    domain_id: str
    domain_name: str


@attrs.define(frozen=True)
class CategoryPredictions:
    results: list[CategoryPredictionView]


def predictions_view(predictions: list[CategoryPrediction]) -> CategoryPredictions:
    return CategoryPredictions(
        [
            CategoryPredictionView(p.category_id, p.category_name, p.domain_id, p.domain_name)
            for p in predictions
        ]
    )


@attrs.define(frozen=True)
class Accepted:
    """A sync of the account was asked for: stored as a queued run (`sync_log_id`) before
    its job was sent; `status_url` says where to follow it."""

    job: str
    status_url: str
    account_id: int
    sync_log_id: int


@attrs.define(frozen=True)
class BatchAccepted:
    """A bulk update was queued; `status_url` says where to follow it."""

    job: str
    status_url: str
    batch_id: int
