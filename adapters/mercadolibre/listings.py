"""ListingGateway over HTTP (mercadolibre-api.md §4).

Every call goes through AccountCalls (the account's token, one renewal after a 401, the
client's rate limiter, retries and error translation). Answers are read with the
MercadoLibre converter into wire.py shapes and mapped by item_mapping.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.converter import structure
from adapters.mercadolibre.item_mapping import (
    changes_body,
    is_deleted,
    multiget_bodies,
    new_listing_body,
    relist_body,
    to_health,
    to_listing,
    to_stock,
    with_sent_skus,
)
from adapters.mercadolibre.wire import (
    DescriptionAnswer,
    HealthAnswer,
    ItemAnswer,
    ItemStateAnswer,
    PredictionAnswer,
    ScanAnswer,
    StockAnswer,
)
from application.errors import (
    ApplicationError,
    Conflict,
    FieldProblem,
    NotFound,
    ScrollExpired,
    ValidationFailed,
)
from application.ports.listing_gateway import (
    CategoryPrediction,
    ItemIdPage,
    ItemIdWindow,
    ListingChanges,
    ListingHealth,
    NewListing,
    Relist,
    StockSnapshot,
    check_search_window,
)
from domain.errors import DomainError, InvalidValue
from domain.listings import Listing
from domain.sites import site, site_of_item

log = logging.getLogger(__name__)

# §4.11: a multiget takes at most 20 ids; a scan page at most 100. §4.9: the predictor
# answers 1 to 8 categories.
MULTIGET_MAX_IDS = 20
SCAN_MAX_LIMIT = 100
PREDICTOR_MAX_LIMIT = 8

# §0.3 `attributes=`: only what the local Listing keeps (site_id comes from the item id,
# the description from its own resource). Nested fields are not trimmed: `variations`
# comes whole, with its `attributes` (SELLER_SKU) because of include_attributes=all (§4.6).
LISTING_ATTRIBUTES = (
    "id",
    "seller_id",
    "title",
    "category_id",
    "price",
    "currency_id",
    "available_quantity",
    "sold_quantity",
    "status",
    "sub_status",
    "condition",
    "listing_type_id",
    "buying_mode",
    "permalink",
    "thumbnail",
    "pictures",
    "variations",
    "attributes",
    "shipping",
    "seller_custom_field",
    "video_id",
    "health",
    "tags",
    "date_created",
    "last_updated",
    "parent_item_id",
)
# sub_status tells a deleted item (closed + `deleted`, §4.4) from a closed one.
STOCK_ATTRIBUTES = ("id", "available_quantity", "status", "sub_status", "variations")
STATE_ATTRIBUTES = ("id", "status", "sub_status")

Sleep = Callable[[float], Awaitable[None]]


@attrs.define(frozen=True)
class ConflictPolicy:
    """How long to wait before each new attempt of a PUT /items/{id} that got the
    optimistic-locking 409 (§2.5, §4.4: "wait a few seconds and retry"). After the last
    delay the Conflict is raised."""

    delays: tuple[float, ...] = (1.0, 2.0, 4.0)
    sleep: Sleep = asyncio.sleep


class AiohttpListingGateway:
    """ListingGateway over HTTP.

    Decisions a caller should know:
    - Ids that cannot be MercadoLibre item ids are never sent: absent from multigets,
      NotFound for single-item calls.
    - A deleted item (closed with sub_status `deleted`, §4.4) counts as gone: absent
      from `get_listings` / `get_stock`, NotFound from `get_listing`.
    - An unknown item status is kept as `inactive` (item_mapping.listing_status).
    - An answer the Listing refuses is Unavailable naming the item (item_mapping).
    - PUT /items/{id} rides out the 409 with `conflict_policy`.
    """

    def __init__(self, calls: AccountCalls, conflict_policy: ConflictPolicy | None = None):
        self._calls = calls
        self.conflict_policy = conflict_policy or ConflictPolicy()

    # -- reading ------------------------------------------------------------------------

    async def scan_item_ids(
        self, account_id: int, seller_id: int, scroll_id: str | None = None, limit: int = 100
    ) -> ItemIdPage:
        """§4.11 scan. The end is the page with no results (MercadoLibre then answers a
        null scroll_id). An unknown or expired scroll is answered 400 [INF] with a message
        about the scroll; that, and only that, is ScrollExpired."""
        if not 1 <= limit <= SCAN_MAX_LIMIT:
            raise ValueError(f"a scan page holds 1 to {SCAN_MAX_LIMIT} ids, not {limit}")
        path = f"/users/{int(seller_id)}/items/search"
        params: dict[str, str | int] = {"search_type": "scan", "limit": limit}
        if scroll_id is not None:
            params["scroll_id"] = scroll_id
        try:
            body = await self._calls.get(account_id, path, params)
        except (ValidationFailed, NotFound) as error:
            if scroll_id is not None and "scroll" in str(error).lower():
                raise ScrollExpired(
                    f"MercadoLibre no longer knows the scan of seller {seller_id}: {error}"
                ) from error
            raise
        page = structure(body, ScanAnswer, f"GET {path}")
        if not page.results:
            return ItemIdPage((), page.paging.total, None)
        return ItemIdPage(tuple(page.results), page.paging.total, page.scroll_id)

    async def recently_updated_item_ids(
        self, account_id: int, seller_id: int, offset: int = 0, limit: int = 50
    ) -> ItemIdWindow:
        """§4.11 seller search with `orders=last_updated_desc` and offset paging."""
        check_search_window(offset, limit)
        path = f"/users/{int(seller_id)}/items/search"
        params = {"orders": "last_updated_desc", "offset": offset, "limit": limit}
        page = structure(await self._calls.get(account_id, path, params), ScanAnswer, path)
        return ItemIdWindow(tuple(page.results), page.paging.total, offset)

    async def get_listings(self, account_id: int, item_ids: Sequence[str]) -> dict[str, Listing]:
        """One multiget (§4.11) trimmed to LISTING_ATTRIBUTES, with the variations' SKUs
        (include_attributes=all, §4.6). Per id: 200 -> Listing (unless deleted), 404 or
        410 -> absent, any other code -> its port error (e.g. 403 -> Forbidden). Listings
        come without description (None: not read). ValueError beyond 20 ids."""
        ids = _multiget_ids(item_ids)
        if not ids:
            return {}
        params = {
            "ids": ",".join(ids),
            "attributes": ",".join(LISTING_ATTRIBUTES),
            "include_attributes": "all",
        }
        body = await self._calls.get(account_id, "/items", params)
        listings = {}
        for item_id, item_body in multiget_bodies(body, ids):
            answer = structure(item_body, ItemAnswer, f"GET /items?ids= (item {item_id})")
            if not is_deleted(answer.sub_status):
                listings[answer.id] = to_listing(answer, account_id)
        return listings

    async def get_stock(self, account_id: int, item_ids: Sequence[str]) -> dict[str, StockSnapshot]:
        """One multiget trimmed to STOCK_ATTRIBUTES; absent ids as in get_listings."""
        ids = _multiget_ids(item_ids)
        if not ids:
            return {}
        params = {"ids": ",".join(ids), "attributes": ",".join(STOCK_ATTRIBUTES)}
        body = await self._calls.get(account_id, "/items", params)
        stock = {}
        for item_id, item_body in multiget_bodies(body, ids):
            answer = structure(item_body, StockAnswer, f"GET /items?ids= (item {item_id})")
            if not is_deleted(answer.sub_status):
                stock[answer.id] = to_stock(answer)
        return stock

    async def get_listing(self, account_id: int, item_id: str) -> Listing:
        """GET /items/{id} then GET /items/{id}/description (§4.1, §4.7); a listing
        without description has None. NotFound for an unknown or deleted item."""
        path = _item_path(item_id)
        params = {"attributes": ",".join(LISTING_ATTRIBUTES), "include_attributes": "all"}
        try:
            body = await self._calls.get(account_id, path, params)
        except NotFound as error:
            raise NotFound("listing", item_id) from error
        answer = structure(body, ItemAnswer, f"GET {path}")
        if is_deleted(answer.sub_status):
            raise NotFound("listing", item_id)
        description = await self.get_description(account_id, item_id)
        return to_listing(answer, account_id, description)

    async def get_description(self, account_id: int, item_id: str) -> str | None:
        """GET /items/{id}/description (§4.7); None when the item has none (404)."""
        path = f"{_item_path(item_id)}/description"
        try:
            body = await self._calls.get(account_id, path)
        except NotFound:
            return None
        return structure(body, DescriptionAnswer, f"GET {path}").plain_text or None

    # -- writing ------------------------------------------------------------------------

    async def create_listing(self, account_id: int, listing: NewListing) -> Listing:
        """POST /items (§4.2; takes a `listing_create` quota permit; never repeated after
        an ambiguous failure), then POST /items/{id}/description (§4.7).

        Once the item exists this never raises for the description: a refused or failed
        description is logged and the Listing comes back with `description=None`, so
        that the caller does not publish the item twice; `set_description` fixes it
        later. Raises ValidationFailed with MercadoLibre's causes for the item itself.
        """
        body = new_listing_body(listing)
        created = await self._calls.send(account_id, "POST", "/items", body)
        answer = structure(created, ItemAnswer, "POST /items")
        description = None
        if listing.description is not None:
            description = await self._first_description(account_id, answer.id, listing.description)
        return with_sent_skus(to_listing(answer, account_id, description), listing.variations)

    async def validate_listing(self, account_id: int, listing: NewListing) -> None:
        """POST /items/validate with the body create_listing would send (§4.2 dry run):
        204 when MercadoLibre would take it, else ValidationFailed with its causes.
        Publishes nothing, so it is safe to repeat."""
        body = new_listing_body(listing)
        await self._calls.send(account_id, "POST", "/items/validate", body, idempotent=True)

    async def _first_description(self, account_id: int, item_id: str, text: str) -> str | None:
        try:
            path = f"{_item_path(item_id)}/description"
            # Safe to repeat: a second POST only finds the description already there.
            await self._calls.send(account_id, "POST", path, {"plain_text": text}, idempotent=True)
        except ValidationFailed as error:
            if _already_exists(error):
                return text
            log.warning("listing %s was created; its description was refused: %s", item_id, error)
            return None
        except ApplicationError as error:
            log.warning("listing %s was created but its description failed: %s", item_id, error)
            return None
        return text

    async def update_listing(
        self, account_id: int, item_id: str, changes: ListingChanges
    ) -> Listing:
        """PUT /items/{id} with only the given fields (item_mapping.changes_body), riding
        out the 409 (§2.5), and the listing as the PUT answered it. That answer carries
        neither the description (its own resource, §4.7) nor the variations' SKUs (§4.6),
        so the description is read with one GET and the SKUs sent are filled in: the
        Listing returned is complete and can be stored as is. ValueError for empty
        changes; NotFound; ValidationFailed; Conflict after the last retry."""
        if changes.is_empty:
            raise ValueError("ListingChanges with nothing to change")
        changed = changes_body(changes, _site_id(item_id))
        body = await self._put_item(account_id, item_id, changed)
        answer = structure(body, ItemAnswer, f"PUT /items/{item_id}")
        description = await self.get_description(account_id, item_id)
        listing = to_listing(answer, account_id, description)
        return with_sent_skus(listing, changes.variations or ())

    async def set_stock(
        self,
        account_id: int,
        item_id: str,
        quantities: Mapping[int | None, int],
        variation_ids: Sequence[int] = (),
    ) -> None:
        """A PUT /items/{id} with stock only (§4.3, §4.6), the 409 ridden out. With
        variations every id of `variation_ids` is sent (`{"id"}` alone keeps one as it
        is), since MercadoLibre deletes the variations a PUT leaves out. ValueError when
        the keys of `quantities` do not fit: None alone without variations, variation
        ids of `variation_ids` with them."""
        if not quantities:
            raise ValueError("no stock to set")
        body: dict[str, Any]
        if variation_ids:
            stray = set(quantities) - set(variation_ids)
            if stray:
                raise ValueError(f"not variations of {item_id}: {sorted(map(str, stray))}")
            body = {
                "variations": [
                    {"id": v, "available_quantity": quantities[v]} if v in quantities else {"id": v}
                    for v in variation_ids
                ]
            }
        else:
            if set(quantities) != {None}:
                raise ValueError(f"{item_id} has no variations given: use the key None")
            body = {"available_quantity": quantities[None]}
        await self._put_item(account_id, item_id, body)

    async def set_description(self, account_id: int, item_id: str, text: str) -> None:
        """PUT /items/{id}/description?api_version=2 (§4.7); when MercadoLibre has no
        description to replace (404), POST it; when a POST finds one already there
        (created in between), PUT again. Plain text only: HTML is ValidationFailed."""
        path = f"{_item_path(item_id)}/description"
        body = {"plain_text": text}
        try:
            await self._replace_description(account_id, path, body)
            return
        except NotFound:
            pass
        try:
            await self._calls.send(account_id, "POST", path, body, idempotent=True)
        except NotFound as error:
            raise NotFound("listing", item_id) from error
        except ValidationFailed as error:
            if not _already_exists(error):
                raise
            await self._replace_description(account_id, path, body)

    async def _replace_description(self, account_id: int, path: str, body: Any) -> None:
        await self._calls.call(account_id, "PUT", path, params={"api_version": 2}, json_body=body)

    async def delete_listing(self, account_id: int, item_id: str) -> None:
        """§4.4: PUT {"status":"closed"}, then PUT {"deleted":"true"}, the 409 between
        the two ridden out. One GET first says where the item stands: gone or deleted
        -> nothing to do; closed (or under_review + forbidden) -> only step 2."""
        path = _item_path(item_id)
        try:
            body = await self._calls.get(
                account_id, path, {"attributes": ",".join(STATE_ATTRIBUTES)}
            )
        except NotFound:
            return
        state = structure(body, ItemStateAnswer, f"GET {path}")
        if is_deleted(state.sub_status):
            return
        forbidden = state.status == "under_review" and "forbidden" in state.sub_status
        try:
            if state.status != "closed" and not forbidden:
                await self._put_item(account_id, item_id, {"status": "closed"})
            await self._put_item(account_id, item_id, {"deleted": "true"})
        except NotFound:
            return

    async def relist_listing(self, account_id: int, item_id: str, relist: Relist) -> Listing:
        """POST /items/{id}/relist (§4.3), then the new item's description (§4.7, one
        GET). A POST that creates an item: the client never repeats it blind."""
        path = f"{_item_path(item_id)}/relist"
        try:
            body = await self._calls.send(account_id, "POST", path, relist_body(relist))
        except NotFound as error:
            raise NotFound("listing", item_id) from error
        answer = structure(body, ItemAnswer, f"POST {path}")
        description = await self.get_description(account_id, answer.id)
        listing = to_listing(answer, account_id, description)
        if listing.relisted_from is None:
            listing = attrs.evolve(listing, relisted_from=item_id)
        return listing

    async def _put_item(self, account_id: int, item_id: str, body: dict[str, Any]) -> Any:
        """PUT /items/{id}; a 409 (§2.5: `item optimistic locking error: conflict`, the
        only 409 items answer) is tried again after each of the policy's delays."""
        path = _item_path(item_id)
        policy = self.conflict_policy
        attempt = 0
        while True:
            try:
                return await self._calls.send(account_id, "PUT", path, body)
            except NotFound as error:
                raise NotFound("listing", item_id) from error
            except Conflict as error:
                if attempt >= len(policy.delays):
                    raise Conflict(f"{error} (after {attempt + 1} attempts)") from error
                delay = policy.delays[attempt]
                attempt += 1
                log.info("PUT %s got 409; trying again in %.1fs", path, delay)
                await policy.sleep(delay)

    # -- quality and categories -----------------------------------------------------------

    async def listing_health(self, account_id: int, item_id: str) -> ListingHealth:
        """GET /items/{id}/health (§4.12). An item MercadoLibre has no health for
        ("health is not supported for this item": inactive, closed, penalized) is
        NotFound("listing health"), like an unknown item: there is nothing to read."""
        path = f"{_item_path(item_id)}/health"
        try:
            body = await self._calls.get(account_id, path)
        except NotFound as error:
            raise NotFound("listing", item_id) from error
        except ValidationFailed as error:
            if "not supported" in str(error).lower():
                raise NotFound("listing health", item_id) from error
            raise
        return to_health(structure(body, HealthAnswer, f"GET {path}"), item_id)

    async def predict_category(
        self, account_id: int, site_id: str, title: str, limit: int = 4
    ) -> list[CategoryPrediction]:
        """GET /sites/{site}/domain_discovery/search (§4.9), most likely first. Sent with
        the given account's token: MercadoLibre increasingly refuses anonymous calls
        (§0.3, §4.11), and the token only identifies the application. Entries without a
        category are left out."""
        if not 1 <= limit <= PREDICTOR_MAX_LIMIT:
            raise ValueError(f"the predictor answers 1 to {PREDICTOR_MAX_LIMIT}, not {limit}")
        try:
            site(site_id)
        except InvalidValue as error:
            raise ValidationFailed([FieldProblem("site_id", error.reason)]) from error
        if not title.strip():
            raise ValidationFailed([FieldProblem("title", "must not be empty")])
        path = f"/sites/{site_id}/domain_discovery/search"
        body = await self._calls.get(account_id, path, params={"q": title, "limit": limit})
        answers = structure(body, list[PredictionAnswer], f"GET {path}")
        return [
            CategoryPrediction(a.category_id, a.category_name, a.domain_id, a.domain_name)
            for a in answers
            if a.category_id
        ]


def _site_id(item_id: str) -> str:
    """The site of an item id (§0.3: site prefix and digits), or NotFound for what
    cannot be an item id, which therefore never reaches a URL."""
    try:
        return site_of_item(item_id).id
    except DomainError:
        raise NotFound("listing", item_id) from None


def _item_path(item_id: str) -> str:
    _site_id(item_id)
    return f"/items/{item_id}"


def _multiget_ids(item_ids: Sequence[str]) -> list[str]:
    """The ids worth asking for: at most 20 (ValueError otherwise, before any call),
    each once, none that cannot be an item id (those would be 404 anyway)."""
    if isinstance(item_ids, str):
        raise TypeError("item_ids must be a sequence of ids, not one string")
    if len(item_ids) > MULTIGET_MAX_IDS:
        raise ValueError(
            f"a multiget takes at most {MULTIGET_MAX_IDS} ids (§4.11), not {len(item_ids)}"
        )
    ids = []
    for item_id in dict.fromkeys(item_ids):
        try:
            site_of_item(item_id)
        except DomainError:
            continue
        ids.append(item_id)
    return ids


def _already_exists(error: ValidationFailed) -> bool:
    """§4.7: POST /items/{id}/description on an item that has one [OBS: 400]."""
    codes = " ".join(p.code or "" for p in error.problems)
    return "already_exists" in codes or "already" in str(error).lower()
