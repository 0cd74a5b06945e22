"""FakeListingGateway: the ListingGateway port over listings in memory.

It is held to the same contract suite as AiohttpListingGateway on the sandbox
(tests/contracts/test_listing_gateway.py), so what a use-case test learns from it is what
MercadoLibre does (mercadolibre-api.md §4).
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from adapters.mercadolibre.item_mapping import (
    changes_body,
    new_listing_body,
    relist_body,
    with_sent_skus,
)
from application.errors import (
    FieldProblem,
    Forbidden,
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
from domain.errors import DomainError
from domain.listings import Listing, ListingStatus
from domain.sites import site, site_of_item
from tests.fakes.categories import dry_run
from tests.fakes.item_put import apply_put
from tests.fakes.listing_quality import health_of, predictions

Hook = Callable[[], Awaitable[None]]

# §4.11: a multiget takes at most 20 ids, a scan page at most 100; §4.9: 1 to 8 answers.
MULTIGET_MAX_IDS = 20
SCAN_MAX_LIMIT = 100
PREDICTOR_MAX_LIMIT = 8
RELIST_TYPES = ("gold_pro", "gold_special", "free")  # §4.10: the types in current use
NEVER = datetime.min.replace(tzinfo=UTC)
DELETED = "deleted"  # §4.4: the sub_status of a deleted item
# §4.7: what MercadoLibre takes for HTML in a plain-text description.
HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


def is_deleted(listing: Listing) -> bool:
    return DELETED in listing.sub_status


def _item_site(item_id: str) -> str:
    """The item's site; NotFound for what cannot be an item id (never sent, §0.3)."""
    try:
        return site_of_item(item_id).id
    except DomainError:
        raise NotFound("listing", item_id) from None


def _multiget_ids(item_ids: Sequence[str]) -> list[str]:
    if isinstance(item_ids, str):
        raise TypeError("item_ids must be a sequence of ids, not one string")
    if len(item_ids) > MULTIGET_MAX_IDS:
        raise ValueError(f"a multiget takes at most {MULTIGET_MAX_IDS} ids (§4.11)")
    ids = []
    for item_id in dict.fromkeys(item_ids):
        try:
            site_of_item(item_id)
        except DomainError:
            continue
        ids.append(item_id)
    return ids


@attrs.define
class _Scroll:
    ids: list[str]
    position: int = 0
    pages: int = 0


class FakeListingGateway:
    """Items in memory with MercadoLibre's rules:

    - a scan walks the seller's live items in pages of at most 100 and ends with an empty
      page and no scroll (§4.11); a multiget takes at most 20 ids; deleted items (closed
      + `deleted`, §4.4) and unknown ids are absent, and NotFound for one item;
    - a PUT (§4.3, §4.6) applies `variations` as the whole set: an entry with an `id`
      changes only what it carries (`{"id"}` alone keeps it as it is), one without is
      new, those left out are deleted; stock at zero pauses, a restock reactivates; a
      closed item refuses every change, one with sales a new title. Each PUT body, as
      item_mapping builds it for the wire, is kept in `bodies`;
    - descriptions are their own resource (§4.7): multigets come without them;
    - the search in `last_updated_desc` order (§4.11) walks the live items the latest
      changed first; a change (a PUT, a sale) moves `last_updated` to now.

    Test controls: `items` (the listings, editable in place), `errors[(call, item_id)]`
    raised by that call, `hooks[call]` awaited once at the start of the next such call
    (reads take their answer first: it is what MercadoLibre had when the call came in),
    `expire_scroll_after_pages` (the next scan page after that many is ScrollExpired,
    once), `calls` by method and `fetched_ids` (what multigets asked for). `connect`
    tells the fake an account's seller; scans of another seller are then Forbidden.
    """

    def __init__(self, listings: Sequence[Listing] = ()) -> None:
        self.items: dict[str, Listing] = {}
        self.descriptions: dict[str, str] = {}
        self.bodies: list[tuple[str, dict[str, Any]]] = []
        self.calls: Counter[str] = Counter()
        self.errors: dict[tuple[str, str], BaseException] = {}
        self.hooks: dict[str, Hook] = {}
        self.fetched_ids: list[str] = []
        self.expire_scroll_after_pages: int | None = None
        self.accounts: dict[int, int] = {}
        self._scrolls: dict[str, _Scroll] = {}
        self._item_numbers = itertools.count(9_100_000_001)
        self._variation_ids = itertools.count(170_000_000_100)
        for listing in listings:
            self.add(listing)

    # -- the test's side ------------------------------------------------------------------

    def connect(self, account_id: int, seller_id: int) -> None:
        self.accounts[account_id] = seller_id

    def add(self, listing: Listing) -> Listing:
        """Put a listing on MercadoLibre; its description goes to its own resource."""
        if listing.description is not None:
            self.descriptions[listing.item_id] = listing.description
        self.items[listing.item_id] = attrs.evolve(listing, description=None)
        return self.items[listing.item_id]

    def sell(self, item_id: str, units: int, variation_id: int | None = None) -> None:
        """A buyer takes `units`: stock falls (zero pauses, §4.3), sales count up."""
        listing = self.items[item_id]
        shown = (
            listing.variation(variation_id).available_quantity
            if variation_id is not None
            else listing.available_quantity
        )
        listing.set_quantity(shown - units, variation_id)
        listing.sold_quantity += units
        listing.variations = tuple(
            attrs.evolve(v, sold_quantity=v.sold_quantity + units) if v.id == variation_id else v
            for v in listing.variations
        )
        listing.last_updated = datetime.now(UTC)

    def shown(self, item_id: str, variation_id: int | None = None) -> int:
        listing = self.items[item_id]
        if variation_id is None:
            return listing.available_quantity
        return listing.variation(variation_id).available_quantity

    async def _enter(self, call: str, item_ids: Sequence[str]) -> None:
        self.calls[call] += 1
        hook = self.hooks.pop(call, None)
        if hook is not None:
            await hook()
        for item_id in item_ids:
            error = self.errors.get((call, item_id))
            if error is not None:
                raise error

    def _live(self, item_id: str) -> Listing | None:
        listing = self.items.get(item_id)
        return None if listing is None or is_deleted(listing) else listing

    def _answer(self, listing: Listing, account_id: int, description: str | None) -> Listing:
        return attrs.evolve(listing, account_id=account_id, description=description)

    # -- reading --------------------------------------------------------------------------

    async def scan_item_ids(
        self, account_id: int, seller_id: int, scroll_id: str | None = None, limit: int = 100
    ) -> ItemIdPage:
        if not 1 <= limit <= SCAN_MAX_LIMIT:
            raise ValueError(f"a scan page holds 1 to {SCAN_MAX_LIMIT} ids, not {limit}")
        await self._enter("scan_item_ids", [])
        if self.accounts.get(account_id, seller_id) != seller_id:
            raise Forbidden(f"account {account_id} cannot search the items of {seller_id}")
        if scroll_id is None:
            scroll_id = secrets.token_hex(16)
            ids = [
                item_id
                for item_id, listing in self.items.items()
                if listing.seller_id == seller_id and not is_deleted(listing)
            ]
            scroll = self._scrolls[scroll_id] = _Scroll(ids)
        elif (found := self._scrolls.get(scroll_id)) is None:
            raise ScrollExpired(f"MercadoLibre no longer knows the scan of seller {seller_id}")
        else:
            scroll = found
        expire_after = self.expire_scroll_after_pages
        if expire_after is not None and scroll.pages >= expire_after:
            self.expire_scroll_after_pages = None
            del self._scrolls[scroll_id]
            raise ScrollExpired(f"the scan of seller {seller_id} expired")
        page = scroll.ids[scroll.position : scroll.position + limit]
        if not page:
            del self._scrolls[scroll_id]
            return ItemIdPage((), len(scroll.ids), None)
        scroll.position += len(page)
        scroll.pages += 1
        return ItemIdPage(tuple(page), len(scroll.ids), scroll_id)

    async def recently_updated_item_ids(
        self, account_id: int, seller_id: int, offset: int = 0, limit: int = 50
    ) -> ItemIdWindow:
        check_search_window(offset, limit)
        await self._enter("recently_updated_item_ids", [])
        if self.accounts.get(account_id, seller_id) != seller_id:
            raise Forbidden(f"account {account_id} cannot search the items of {seller_id}")
        live = [
            listing
            for listing in reversed(self.items.values())
            if listing.seller_id == seller_id and not is_deleted(listing)
        ]
        # Latest first; of two changed at once, the one put in later first (the sandbox's
        # order of changes).
        live.sort(key=lambda listing: listing.last_updated or NEVER, reverse=True)
        page = live[offset : offset + limit]
        return ItemIdWindow(tuple(listing.item_id for listing in page), len(live), offset)

    async def get_listings(self, account_id: int, item_ids: Sequence[str]) -> dict[str, Listing]:
        ids = _multiget_ids(item_ids)
        if not ids:
            return {}
        answer = {
            item_id: self._answer(listing, account_id, None)
            for item_id in ids
            if (listing := self._live(item_id)) is not None
        }
        await self._enter("get_listings", ids)
        self.fetched_ids.extend(ids)
        return answer

    async def get_stock(self, account_id: int, item_ids: Sequence[str]) -> dict[str, StockSnapshot]:
        ids = _multiget_ids(item_ids)
        if not ids:
            return {}
        snapshot = {
            item_id: StockSnapshot(
                item_id,
                listing.total_quantity,
                listing.status.value,
                tuple((v.id, v.available_quantity) for v in listing.variations),
            )
            for item_id in ids
            if (listing := self._live(item_id)) is not None
        }
        await self._enter("get_stock", ids)
        return snapshot

    async def get_listing(self, account_id: int, item_id: str) -> Listing:
        _item_site(item_id)
        listing = self._live(item_id)
        if listing is None:
            raise NotFound("listing", item_id)
        answer = self._answer(listing, account_id, self.descriptions.get(item_id))
        await self._enter("get_listing", [item_id])
        return answer

    async def get_description(self, account_id: int, item_id: str) -> str | None:
        """§4.7: the plain text; None when the item has none, or is unknown (a 404 both)."""
        _item_site(item_id)
        text = self.descriptions.get(item_id) if self._live(item_id) is not None else None
        await self._enter("get_description", [item_id])
        return text or None

    # -- writing --------------------------------------------------------------------------

    async def create_listing(self, account_id: int, listing: NewListing) -> Listing:
        """§4.2: a new item of the account's seller, active, with new variation ids; the
        description (§4.7) is stored unless MercadoLibre refuses it, and then the item
        comes back without one, as AiohttpListingGateway answers."""
        new_listing_body(listing)  # the local checks: site and currencies
        if account_id not in self.accounts:
            raise NotFound("account", account_id)
        await self._enter("create_listing", [])
        item_id = f"{listing.site_id}{next(self._item_numbers)}"
        now = datetime.now(UTC)
        optional = {"shipping": listing.shipping} if listing.shipping is not None else {}
        created = Listing(
            item_id=item_id,
            account_id=account_id,
            seller_id=self.accounts[account_id],
            title=listing.title,
            category_id=listing.category_id,
            price=listing.price,
            available_quantity=listing.available_quantity,
            condition=listing.condition,
            listing_type_id=listing.listing_type_id,
            buying_mode=listing.buying_mode,
            pictures=listing.pictures,
            variations=tuple(
                attrs.evolve(v, id=next(self._variation_ids), sold_quantity=0)
                for v in listing.variations
            ),
            attributes=listing.attributes,
            video_id=listing.video_id,
            seller_sku=listing.seller_sku,
            date_created=now,
            last_updated=now,
            **optional,
        )
        if created.variations:
            created.available_quantity = created.total_quantity
        self.add(created)
        description = listing.description
        if description is not None and HTML.search(description):
            description = None
        if description is not None:
            self.descriptions[item_id] = description
        return self._answer(self.items[item_id], account_id, description)

    async def validate_listing(self, account_id: int, listing: NewListing) -> None:
        """§4.2 dry run, with the sandbox's category rules for the categories of
        tests/fakes/categories.py: an unknown or non-leaf category, a title over the
        category's limit, a required attribute missing (from the attributes and from
        some variation's combination; ITEM_CONDITION comes from `condition`)."""
        new_listing_body(listing)
        if account_id not in self.accounts:
            raise NotFound("account", account_id)
        await self._enter("validate_listing", [])
        dry_run(listing)

    async def update_listing(
        self, account_id: int, item_id: str, changes: ListingChanges
    ) -> Listing:
        if changes.is_empty:
            raise ValueError("ListingChanges with nothing to change")
        body = changes_body(changes, _item_site(item_id))
        await self._enter("update_listing", [item_id])
        self._put(item_id, body)
        answered = self.items[item_id]
        # §4.6: a PUT answers variations without their attributes, so without SKUs.
        answered = attrs.evolve(
            answered,
            account_id=account_id,
            variations=tuple(attrs.evolve(v, seller_sku=None) for v in answered.variations),
            description=self.descriptions.get(item_id),
        )
        return with_sent_skus(answered, changes.variations or ())

    async def set_stock(
        self,
        account_id: int,
        item_id: str,
        quantities: Mapping[int | None, int],
        variation_ids: Sequence[int] = (),
    ) -> None:
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
        _item_site(item_id)
        await self._enter("set_stock", [item_id])
        self._put(item_id, body)

    async def set_description(self, account_id: int, item_id: str, text: str) -> None:
        _item_site(item_id)
        await self._enter("set_description", [item_id])
        if item_id not in self.items:
            raise NotFound("listing", item_id)
        html = HTML.search(text)
        if html:
            reason = f"Invalid character '<' found at position {html.start()}."
            code = "item.description.type.invalid"
            raise ValidationFailed([FieldProblem("item.description.plain_text", reason, code)])
        self.descriptions[item_id] = text

    async def delete_listing(self, account_id: int, item_id: str) -> None:
        """§4.4: closed, then deleted; one gone or deleted already is fine."""
        _item_site(item_id)
        await self._enter("delete_listing", [item_id])
        listing = self.items.get(item_id)
        if listing is None or is_deleted(listing):
            return
        listing.status = ListingStatus.CLOSED
        listing.sub_status = (DELETED,)

    async def relist_listing(self, account_id: int, item_id: str, relist: Relist) -> Listing:
        """§4.3 relist, with the sandbox's rules: only a closed item that is not deleted,
        of the account's seller; a listing type in current use, prices above 0 and
        quantities of 1 or more, variations of the item. The new item has a new id, no
        sales, new variation ids and the old description; the old one stays closed."""
        relist_body(relist)  # the local checks: a price and quantity, or variations
        _item_site(item_id)
        await self._enter("relist_listing", [item_id])
        old = self.items.get(item_id)
        if old is None:
            raise NotFound("listing", item_id)
        if self.accounts.get(account_id) != old.seller_id:
            raise Forbidden(f"{item_id} is not a listing of account {account_id}")
        if old.status is not ListingStatus.CLOSED or is_deleted(old):
            reason = f"Item {item_id} cannot be relisted: only closed items can."
            raise ValidationFailed([FieldProblem("item.status", reason, "item.relist.invalid")])
        problems = []
        if relist.listing_type_id not in RELIST_TYPES:
            reason = f"Listing type {relist.listing_type_id} is not valid."
            problems.append(
                FieldProblem("item.listing_type_id", reason, "item.listing_type_id.invalid")
            )
        by_id = {v.id: v for v in old.variations}
        variations = []
        for index, given in enumerate(relist.variations):
            if given.id not in by_id:
                reason = f"Variation {given.id} is not a variation of item {item_id}."
                code = "item.variations.id.invalid"
                problems.append(FieldProblem(f"item.variations[{index}]", reason, code))
                continue
            variations.append(
                attrs.evolve(
                    by_id[given.id],
                    id=next(self._variation_ids),
                    price=given.price,
                    available_quantity=given.quantity,
                    sold_quantity=0,
                )
            )
        prices = (
            [relist.price] if relist.price is not None else [v.price for v in relist.variations]
        )
        if any(p.amount <= 0 for p in prices):
            problems.append(
                FieldProblem(
                    "item.price", "The price must be greater than 0.", "item.price.invalid"
                )
            )
        quantities = (
            [relist.quantity]
            if relist.quantity is not None
            else [v.quantity for v in relist.variations]
        )
        if any(q < 1 for q in quantities if q is not None):
            reason = "quantity must be a whole number, 1 or more."
            problems.append(FieldProblem("item.quantity", reason, "item.quantity.invalid"))
        if problems:
            raise ValidationFailed(problems, f"MercadoLibre refused POST /items/{item_id}/relist")
        now = datetime.now(UTC)
        new = attrs.evolve(
            old,
            item_id=f"{old.item_id[:3]}{next(self._item_numbers)}",
            status=ListingStatus.ACTIVE,
            sub_status=(),
            sold_quantity=0,
            listing_type_id=relist.listing_type_id,
            price=relist.price if relist.price is not None else max(v.price for v in variations),
            available_quantity=relist.quantity
            if relist.quantity is not None
            else sum(v.available_quantity for v in variations),
            variations=tuple(variations),
            date_created=now,
            last_updated=now,
            relisted_from=item_id,
            removed_at=None,
        )
        self.add(new)
        description = self.descriptions.get(item_id)
        if description is not None:
            self.descriptions[new.item_id] = description
        return self._answer(self.items[new.item_id], account_id, description)

    def _put(self, item_id: str, body: dict[str, Any]) -> None:
        """PUT /items/{id} (§4.3, §4.6) on the stored listing."""
        listing = self.items.get(item_id)
        if listing is None:
            raise NotFound("listing", item_id)
        self.bodies.append((item_id, body))
        apply_put(listing, body, lambda: next(self._variation_ids))

    # -- quality and categories -------------------------------------------------------------

    async def listing_health(self, account_id: int, item_id: str) -> ListingHealth:
        """§4.12, scored like the sandbox: closed (or deleted) items have no health."""
        _item_site(item_id)
        await self._enter("listing_health", [item_id])
        listing = self.items.get(item_id)
        if listing is None:
            raise NotFound("listing", item_id)
        if is_deleted(listing) or listing.status not in (
            ListingStatus.ACTIVE,
            ListingStatus.PAUSED,
        ):
            raise NotFound("listing health", item_id)
        return health_of(listing, self.descriptions.get(item_id))

    async def predict_category(
        self, account_id: int, site_id: str, title: str, limit: int = 4
    ) -> list[CategoryPrediction]:
        if not 1 <= limit <= PREDICTOR_MAX_LIMIT:
            raise ValueError(f"the predictor answers 1 to {PREDICTOR_MAX_LIMIT}, not {limit}")
        try:
            site(site_id)
        except DomainError as error:
            raise ValidationFailed([FieldProblem("site_id", str(error))]) from error
        if not title.strip():
            raise ValidationFailed([FieldProblem("title", "must not be empty")])
        await self._enter("predict_category", [])
        return predictions(site_id, title)[:limit]
