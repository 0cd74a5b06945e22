"""Publishing and changing listings: local validation first, then MercadoLibre.

Bad input is refused with every problem named before any MercadoLibre call; what
MercadoLibre itself refuses comes back as ValidationFailed with its causes. After each
change the listing is stored as MercadoLibre answered it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from application.accounts import usable_account
from application.catalogue import store_observed
from application.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    ValidationFailed,
)
from application.inventory import StockWriter, final_state
from application.ports.clock import Clock
from application.ports.listing_gateway import (
    CategoryPrediction,
    ListingChanges,
    ListingGateway,
    ListingHealth,
    NewListing,
    VariationChange,
)
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.queries import ListingQuery, Page
from domain.accounts import AccountStatus
from domain.errors import InvalidValue
from domain.inventory import StockChange, StockLevel, StockOutcome, StockRequest
from domain.listings import (
    DEFAULT_MAX_TITLE_LENGTH,
    MAX_VARIATIONS,
    Attribute,
    Condition,
    Listing,
    ListingStatus,
    Picture,
    Shipping,
    Variation,
    check_variations,
    has_control_characters,
)
from domain.money import Money, currency
from domain.sites import site

MAX_PICTURES = 12  # category max_pictures_per_item of the common categories (§4.2)
MAX_DESCRIPTION = 50_000  # §4.7
LISTING_TYPES = frozenset(
    {"free", "bronze", "silver", "gold", "gold_special", "gold_premium", "gold_pro"}
)
SHIPPING_MODES = frozenset({"me1", "me2", "custom", "not_specified"})
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_PICTURE_ID = re.compile(r"^[\w-]+$")


@attrs.define(frozen=True)
class VariationInput:
    """A variation as a caller describes it; `id` names an existing one."""

    attribute_combinations: tuple[tuple[str, str], ...] = ()  # (attribute id, value name)
    price: Decimal | None = None
    available_quantity: int | None = None
    picture_ids: tuple[str, ...] = ()
    seller_sku: str | None = None
    id: int | None = None


@attrs.define(frozen=True)
class CreateListingCommand:
    account_id: int
    title: str
    category_id: str
    price: Decimal
    available_quantity: int
    condition: str = "new"
    listing_type_id: str = "gold_special"
    buying_mode: str = "buy_it_now"
    currency_id: str | None = None
    pictures: tuple[str, ...] = ()  # URLs or MercadoLibre picture ids
    description: str | None = None
    shipping_mode: str | None = None
    free_shipping: bool = False
    local_pick_up: bool = False
    variations: tuple[VariationInput, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()  # (attribute id, value name)
    video_id: str | None = None
    seller_sku: str | None = None
    safety_stock: int | None = None


@attrs.define(frozen=True)
class UpdateListingCommand:
    """Only the fields given change. Variations left out are KEPT: unlike MercadoLibre's
    PUT, a caller never deletes a variation by forgetting it (§4.6). Quantities are the
    seller's counts, written like a stock update (safety stock kept back)."""

    item_id: str
    title: str | None = None
    price: Decimal | None = None
    available_quantity: int | None = None
    pictures: tuple[str, ...] | None = None
    attributes: tuple[tuple[str, str], ...] | None = None
    variations: tuple[VariationInput, ...] | None = None
    description: str | None = None
    video_id: str | None = None
    shipping_mode: str | None = None
    free_shipping: bool | None = None


@attrs.define(frozen=True)
class ListingWithStock:
    """A listing as stored and its stock levels (one per variation, or one for the
    item): what every use case that reads or changes one listing returns."""

    listing: Listing
    stock: tuple[StockLevel, ...]


async def _with_stock(uow: UnitOfWork, listing: Listing) -> ListingWithStock:
    return ListingWithStock(listing, tuple(await uow.inventory.for_item(listing.item_id)))


class _Problems:
    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, field: str, reason: str) -> None:
        self.items.append(FieldProblem(field, reason))

    def check(self, message: str = "the listing is not valid") -> None:
        if self.items:
            raise ValidationFailed(self.items, message)


def _money(
    problems: _Problems, field: str, amount: Decimal | None, currency_id: str
) -> Money | None:
    if amount is None:
        return None
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        problems.add(field, "must be a positive number")
        return None
    money = Money.of(amount, currency_id)
    if money.amount != amount:
        places = currency(currency_id).decimal_places
        problems.add(field, f"{currency_id} prices take {places} decimal places")
        return None
    return money


def combination_key(attributes: Sequence[Attribute]) -> tuple[tuple[str, str], ...]:
    """A variation's identity across our input and MercadoLibre's answer, which adds
    names and value ids (§4.6)."""
    return tuple(
        sorted((a.id.upper(), (a.value_name or a.value_id or "").casefold()) for a in attributes)
    )


def _title(problems: _Problems, title: str | None) -> None:
    if title is None:
        return
    if not title.strip():
        problems.add("title", "must not be empty")
    elif len(title) > DEFAULT_MAX_TITLE_LENGTH:
        problems.add(
            "title", f"is {len(title)} characters long; the limit is {DEFAULT_MAX_TITLE_LENGTH}"
        )
    elif has_control_characters(title):
        problems.add("title", "must not contain control characters")


def _quantity(problems: _Problems, field: str, quantity: int | None) -> None:
    if quantity is None:
        return
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        problems.add(field, "must be a whole number of zero or more")
    elif quantity > 99_999:
        problems.add(field, "must be at most 99999 (max_stock_per_item, §4.10)")


def _pictures(problems: _Problems, pictures: Sequence[str] | None) -> tuple[Picture, ...]:
    if pictures is None:
        return ()
    if len(pictures) > MAX_PICTURES:
        problems.add("pictures", f"at most {MAX_PICTURES} pictures per listing")
    result = []
    for index, picture in enumerate(pictures):
        if picture.startswith(("http://", "https://")):
            result.append(Picture(source=picture))
        elif _PICTURE_ID.match(picture):
            result.append(Picture(id=picture))
        else:
            problems.add(f"pictures[{index}]", "must be an http(s) URL or a picture id")
    return tuple(result)


def _description(problems: _Problems, text: str | None) -> None:
    if text is None:
        return
    if len(text) > MAX_DESCRIPTION:
        problems.add("description", f"at most {MAX_DESCRIPTION} characters")
    if has_control_characters(text, multiline=True):
        problems.add(
            "description", "must not contain control characters other than tabs and line breaks"
        )
    if _HTML.search(text):
        problems.add(
            "description",
            "plain text only: MercadoLibre refuses HTML (item.description.type.invalid, §4.7)",
        )


def _attributes(
    problems: _Problems, field: str, pairs: Sequence[tuple[str, str]] | None
) -> tuple[Attribute, ...]:
    if pairs is None:
        return ()
    attributes = []
    seen = set()
    for index, (attribute_id, value) in enumerate(pairs):
        if not attribute_id or not str(value).strip():
            problems.add(f"{field}[{index}]", "needs an id and a value")
            continue
        if attribute_id in seen:
            problems.add(f"{field}[{index}]", f"{attribute_id} is given twice")
        seen.add(attribute_id)
        attributes.append(Attribute(attribute_id.upper(), str(value)))
    return tuple(attributes)


def _shipping(
    problems: _Problems, mode: str | None, free: bool | None, pick_up: bool | None
) -> Shipping | None:
    if mode is None and free is None and pick_up is None:
        return None
    if mode is not None and mode not in SHIPPING_MODES:
        problems.add("shipping.mode", f"must be one of {', '.join(sorted(SHIPPING_MODES))}")
    return Shipping(
        mode=mode or "not_specified", free_shipping=bool(free), local_pick_up=bool(pick_up)
    )


def _check_variations(problems: _Problems, variations: Sequence[Variation]) -> None:
    try:
        check_variations(variations, MAX_VARIATIONS)
    except InvalidValue as error:
        problems.add("variations", error.reason)


class CreateListing:
    def __init__(
        self, uow: UnitOfWorkFactory, listings: ListingGateway, clock: Clock, safety_stock: int = 0
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock
        self._safety_stock = safety_stock

    async def __call__(self, command: CreateListingCommand) -> ListingWithStock:
        async with self._uow() as uow:
            account = await usable_account(uow, command.account_id)
        draft, safety, quantities = self.validate(command, account.site_id)
        created = await self._listings.create_listing(command.account_id, draft)
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.listings.upsert([created])
            levels = []
            if created.variations:
                for variation in created.variations:
                    wanted = quantities.get(
                        combination_key(variation.attribute_combinations),
                        variation.available_quantity + safety,
                    )
                    levels.append(StockLevel(created.item_id, wanted, variation.id, safety, now))
            else:
                levels.append(
                    StockLevel(created.item_id, command.available_quantity, None, safety, now)
                )
            await uow.inventory.upsert(levels)
            for level in levels:
                await uow.inventory.record_change(
                    StockChange(level.item_id, level.quantity, now, "create", level.variation_id)
                )
            result = await _with_stock(uow, created)
            await uow.commit()
        return result

    def validate(self, command: CreateListingCommand, site_id: str) -> tuple[NewListing, int, dict]:
        """The listing to publish, its safety stock and the local quantities; raises
        ValidationFailed naming every problem."""
        problems = _Problems()
        currency_id = site(site_id).currency_id
        if command.currency_id is not None and command.currency_id != currency_id:
            problems.add("currency_id", f"{site_id} lists in {currency_id}")
        _title(problems, command.title)
        if not command.category_id.startswith(site_id) or not command.category_id[3:].isdigit():
            problems.add("category_id", f"must be a category of {site_id}, e.g. {site_id}1055")
        price = _money(problems, "price", command.price, currency_id)
        _quantity(problems, "available_quantity", command.available_quantity)
        try:
            condition = Condition(command.condition)
        except ValueError:
            condition = Condition.NEW
            problems.add("condition", "must be new, used or not_specified")
        if command.listing_type_id not in LISTING_TYPES:
            problems.add("listing_type_id", f"must be one of {', '.join(sorted(LISTING_TYPES))}")
        if command.buying_mode not in ("buy_it_now", "auction", "classified"):
            problems.add("buying_mode", "must be buy_it_now, auction or classified")
        pictures = _pictures(problems, command.pictures)
        if not pictures and command.listing_type_id != "free":
            problems.add("pictures", "paid listing types need at least one picture")
        _description(problems, command.description)
        attributes = _attributes(problems, "attributes", command.attributes)
        shipping = _shipping(
            problems, command.shipping_mode, command.free_shipping, command.local_pick_up
        )
        safety = self._safety_stock if command.safety_stock is None else command.safety_stock
        if safety < 0:
            problems.add("safety_stock", "must be zero or more")
        variations: list[Variation] = []
        quantities: dict = {}
        for index, given in enumerate(command.variations):
            field = f"variations[{index}]"
            if given.id is not None:
                problems.add(f"{field}.id", "a new listing has no variations yet")
            combination = _attributes(
                problems, f"{field}.attribute_combinations", given.attribute_combinations
            )
            if not combination:
                problems.add(f"{field}.attribute_combinations", "must not be empty")
                continue
            variation_price = _money(
                problems, f"{field}.price", given.price or command.price, currency_id
            )
            _quantity(problems, f"{field}.available_quantity", given.available_quantity)
            if given.available_quantity is None:
                problems.add(f"{field}.available_quantity", "is required")
            if variation_price is None or given.available_quantity is None:
                continue
            quantities[combination_key(combination)] = given.available_quantity
            variations.append(
                Variation(
                    combination,
                    variation_price,
                    max(0, given.available_quantity - safety),
                    picture_ids=given.picture_ids,
                    seller_sku=given.seller_sku,
                )
            )
        _check_variations(problems, variations)
        publishable = (
            sum(v.available_quantity for v in variations)
            if variations
            else max(0, (command.available_quantity or 0) - safety)
        )
        if not problems.items and publishable == 0:
            problems.add(
                "available_quantity",
                f"nothing would be for sale once the safety stock ({safety}) is kept back",
            )
        problems.check()
        assert price is not None
        draft = NewListing(
            site_id=site_id,
            title=command.title.strip(),
            category_id=command.category_id,
            price=price,
            available_quantity=publishable,
            condition=condition,
            listing_type_id=command.listing_type_id,
            buying_mode=command.buying_mode,
            pictures=pictures,
            description=command.description,
            shipping=shipping,
            variations=tuple(variations),
            attributes=attributes,
            video_id=command.video_id,
            seller_sku=command.seller_sku,
        )
        return draft, safety, quantities


class UpdateListing:
    """PUT /products/{item_id}: change a listing on MercadoLibre, then the local copy.

    Stock never travels in the item PUT. A quantity the caller gives goes through the
    StockWriter, the path of PATCH /products/{id}/stock: the stock ledger, the safety
    stock, the item's lock and the read-back. The PUT still names every variation, as
    MercadoLibre deletes those it leaves out (§4.6), but one that does not change goes
    by `id` alone: sending back its stored available_quantity would undo the sales made
    since we last read it (overselling or underselling).

    Order: the PUT, whose answer is stored at once; then the stock; then the
    description (its own resource, §4.7). A failure in a later step leaves the earlier
    ones stored, and propagates as its port error.

    The stock levels follow the listing's shape (store_observed): once variations are
    added to a listing that had none, its stock is per variation only and the
    item-level level is removed (the ledger keeps its history).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        listings: ListingGateway,
        clock: Clock,
        safety_stock: int = 0,
        *,
        stock: StockWriter,
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock
        self._safety_stock = safety_stock
        self._stock = stock

    async def __call__(self, command: UpdateListingCommand) -> ListingWithStock:
        requested_at = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.listings.get(command.item_id)
            # A closed or removed listing is final: refused from the local copy, as the
            # stock and status changes are, without asking MercadoLibre (a deleted item
            # is not found there at all, §4.4).
            state = final_state(stored)
            if state is not None:
                raise Conflict(f"{state}: a closed or removed listing cannot change")
            await usable_account(uow, stored.account_id)
        # MercadoLibre's copy is the one a PUT applies to; the local one may be stale.
        current = await self._listings.get_listing(stored.account_id, command.item_id)
        changes, quantities = self._changes(command, current)
        if changes.is_empty and not quantities and command.description is None:
            raise ValidationFailed([FieldProblem("body", "nothing to change")])
        updated = current
        if not changes.is_empty:
            answered = await self._listings.update_listing(
                stored.account_id, command.item_id, changes
            )
            updated = _with_skus_of(answered, current)
        result = await self._store(updated)
        if quantities:
            updated = await self._set_stock(command, updated, quantities, requested_at)
        if command.description is not None:
            await self._listings.set_description(
                stored.account_id, command.item_id, command.description
            )
            updated = attrs.evolve(updated, description=command.description)
        if quantities or command.description is not None:
            result = await self._store(updated)
        return result

    async def _store(self, listing: Listing) -> ListingWithStock:
        async with self._uow() as uow:
            # Stores the listing, and shapes its stock levels after it: a level for each
            # variation just added, none left for the item once it has variations.
            await store_observed(uow, [listing], self._safety_stock, self._clock.now())
            result = await _with_stock(uow, listing)
            await uow.commit()
        return result

    async def _set_stock(
        self,
        command: UpdateListingCommand,
        listing: Listing,
        quantities: dict[int | None, int],
        requested_at: datetime,
    ) -> Listing:
        """Write the caller's quantities like PATCH /products/{id}/stock; the listing as
        MercadoLibre now shows it. Port errors propagate; a request the writer refuses
        is ValidationFailed naming the variation (the other changes are stored)."""
        requests = [
            StockRequest(listing.item_id, quantity, variation_id)
            for variation_id, quantity in quantities.items()
        ]
        write = await self._stock.apply(listing.item_id, requests, requested_at, "update")
        results = write.or_raise()
        fields = {
            variation.id: f"variations[{index}].available_quantity"
            for index, variation in enumerate(command.variations or ())
            if variation.id is not None
        }
        shown = attrs.evolve(listing)
        refused = []
        for result in results:
            if result.outcome is StockOutcome.REJECTED:
                field = fields.get(result.variation_id, "available_quantity")
                refused.append(FieldProblem(field, result.reason or "refused"))
                continue
            if result.outcome is StockOutcome.SUPERSEDED:
                continue
            observed = result.observed if result.observed is not None else result.published
            if observed is not None:
                shown.set_quantity(observed, result.variation_id)
        if refused:
            raise ValidationFailed(refused, "the listing was updated, but not its stock")
        return shown

    def _changes(
        self, command: UpdateListingCommand, current: Listing
    ) -> tuple[ListingChanges, dict[int | None, int]]:
        """The PUT to send, and the quantities to write through the StockWriter (by
        variation id, None for a listing without variations). Raises ValidationFailed
        naming every problem."""
        problems = _Problems()
        if current.is_final:
            raise Conflict(f"{current.item_id} is closed; a closed listing cannot change")
        currency_id = current.price.currency_id
        _title(problems, command.title)
        if (
            command.title is not None
            and current.sold_quantity > 0
            and (command.title != current.title)
        ):
            problems.add("title", "cannot change once the listing has sales (§4.3)")
        price = _money(problems, "price", command.price, currency_id)
        _quantity(problems, "available_quantity", command.available_quantity)
        if command.available_quantity is not None and current.variations:
            problems.add(
                "available_quantity",
                "this listing has variations: set the quantity of each variation",
            )
        elif command.available_quantity is not None and any(
            v.id is None for v in command.variations or ()
        ):
            problems.add(
                "available_quantity",
                "variations are being added: once it has variations, a listing's stock is "
                "the quantity of each variation (§4.6)",
            )
        pictures = _pictures(problems, command.pictures) if command.pictures is not None else None
        attributes = (
            _attributes(problems, "attributes", command.attributes)
            if command.attributes is not None
            else None
        )
        _description(problems, command.description)
        shipping = _shipping(problems, command.shipping_mode, command.free_shipping, None)
        quantities: dict[int | None, int] = {}
        variations = None
        if command.variations is not None or (price is not None and current.variations):
            variations = self._variation_changes(
                problems, command.variations or (), current, price, quantities
            )
        problems.check()
        if command.available_quantity is not None:
            quantities[None] = command.available_quantity
        changes = ListingChanges(
            title=command.title if command.title != current.title else None,
            price=price,
            pictures=pictures,
            attributes=attributes,
            variations=variations,
            shipping=shipping,
            video_id=command.video_id,
        )
        return changes, quantities

    def _variation_changes(
        self,
        problems: _Problems,
        given: Sequence[VariationInput],
        current: Listing,
        price: Money | None,
        quantities: dict[int | None, int],
    ) -> tuple[VariationChange, ...] | None:
        """The variations to send: every existing one by id, with only what changes
        (none of them with a quantity: those go to `quantities`), plus new ones; those
        the caller left out are kept as they are. None when nothing would change.

        A listing price applies to every variation the caller did not price (§4.6: one
        price for every variation)."""
        by_id = {v.id: v for v in current.variations}
        updates: dict[int | None, dict] = {variation_id: {} for variation_id in by_id}
        priced: set[int] = set()
        added: list[Variation] = []
        currency_id = current.price.currency_id
        for index, variation in enumerate(given):
            field = f"variations[{index}]"
            _quantity(problems, f"{field}.available_quantity", variation.available_quantity)
            variation_price = _money(problems, f"{field}.price", variation.price, currency_id)
            if variation.id is not None:
                existing = by_id.get(variation.id)
                if existing is None:
                    problems.add(
                        f"{field}.id", f"{variation.id} is not a variation of {current.item_id}"
                    )
                    continue
                update = updates[variation.id]
                if variation_price is not None:
                    update["price"] = variation_price
                    priced.add(variation.id)
                if variation.available_quantity is not None:
                    quantities[variation.id] = variation.available_quantity
                if variation.picture_ids:
                    update["picture_ids"] = variation.picture_ids
                if variation.seller_sku is not None:
                    update["seller_sku"] = variation.seller_sku
                if variation.attribute_combinations:
                    combination = _attributes(
                        problems,
                        f"{field}.attribute_combinations",
                        variation.attribute_combinations,
                    )
                    if current.sold_quantity > 0 and combination != existing.attribute_combinations:
                        problems.add(
                            f"{field}.attribute_combinations",
                            "cannot change once the listing has sales (§4.6)",
                        )
                    update["attribute_combinations"] = combination
                continue
            combination = _attributes(
                problems, f"{field}.attribute_combinations", variation.attribute_combinations
            )
            if not combination or variation.available_quantity is None:
                problems.add(
                    field, "a new variation needs attribute_combinations and available_quantity"
                )
                continue
            added.append(
                Variation(
                    combination,
                    variation_price or price or current.price,
                    # A new variation has no stock level yet: it gets one with the default
                    # safety stock kept back, as a new listing does.
                    max(0, variation.available_quantity - self._safety_stock),
                    picture_ids=variation.picture_ids,
                    seller_sku=variation.seller_sku,
                )
            )
        if price is not None:
            for variation_id, update in updates.items():
                if variation_id not in priced:
                    update["price"] = price
        entries = []
        merged = []
        for variation_id, existing in by_id.items():
            # Only what differs travels; `{"id"}` alone keeps the rest, stock included.
            change = {
                name: value
                for name, value in updates[variation_id].items()
                if getattr(existing, name) != value
            }
            merged.append(attrs.evolve(existing, **change))
            entries.append(VariationChange(variation_id, **change))
        merged.extend(added)
        entries.extend(VariationChange.new(v) for v in added)
        _check_variations(problems, merged)
        if all(entry.keeps_as_is for entry in entries):
            return None
        return tuple(entries)


def _with_skus_of(listing: Listing, current: Listing) -> Listing:
    """A PUT answers variations without their SKUs (§4.6: `attributes` come only with
    include_attributes=all); those not sent keep the SKU MercadoLibre had."""
    skus = {v.id: v.seller_sku for v in current.variations if v.seller_sku}
    if not skus or all(v.seller_sku for v in listing.variations):
        return listing
    variations = tuple(
        v if v.seller_sku else attrs.evolve(v, seller_sku=skus.get(v.id))
        for v in listing.variations
    )
    return attrs.evolve(listing, variations=variations)


class ChangeListingStatus:
    """Pause or reactivate a listing (§4.3: lowercase statuses; closed is final)."""

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway, clock: Clock) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock

    async def __call__(self, item_id: str, status: ListingStatus) -> ListingWithStock:
        if status not in (ListingStatus.ACTIVE, ListingStatus.PAUSED):
            raise ValidationFailed([FieldProblem("status", "only active or paused")])
        async with self._uow() as uow:
            stored = await uow.listings.get(item_id)
            await usable_account(uow, stored.account_id)
        if stored.is_final or stored.removed_at is not None:
            raise Conflict(f"{item_id} is closed; a closed listing cannot change status")
        current = await self._listings.get_listing(stored.account_id, item_id)
        if current.is_final:
            raise Conflict(f"{item_id} is closed; a closed listing cannot be reactivated")
        if status is ListingStatus.ACTIVE and current.total_quantity == 0:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "available_quantity", "Is not possible to activate an item without stock."
                    )
                ]
            )
        updated = current
        if current.status is not status:
            updated = await self._listings.update_listing(
                stored.account_id, item_id, ListingChanges(status=status)
            )
        async with self._uow() as uow:
            await uow.listings.upsert([updated])
            result = await _with_stock(uow, updated)
            await uow.commit()
        return result


DELETED = "deleted"  # §4.5: the sub_status of a deleted item, which stays closed (§4.4)


class DeleteListing:
    """Close, then delete (§4.4); the local copy is kept, marked removed.

    The copy stores what MercadoLibre then shows: status `closed`, sub_status
    `["deleted"]` (§4.4, §4.5). Idempotent: a listing already deleted is answered as
    stored, its first `removed_at` kept, and MercadoLibre is not called again.
    """

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway, clock: Clock) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock

    async def __call__(self, item_id: str) -> ListingWithStock:
        async with self._uow() as uow:
            stored = await uow.listings.get(item_id)
            if stored.removed_at is not None and DELETED in stored.sub_status:
                return await _with_stock(uow, stored)
            await usable_account(uow, stored.account_id)
        # Not deleted yet, or only marked removed by a sync (gone from a scan): make sure.
        # The gateway's delete is idempotent; one already gone or deleted costs a GET.
        await self._listings.delete_listing(stored.account_id, item_id)
        now = self._clock.now()
        async with self._uow() as uow:
            # Read again: a DELETE retried while this one was waiting on MercadoLibre may
            # have stored the removal; its time stands.
            current = await uow.listings.find(item_id) or stored
            deleted = attrs.evolve(
                current,
                status=ListingStatus.CLOSED,
                sub_status=(DELETED,),
                removed_at=current.removed_at or now,
            )
            await uow.listings.upsert([deleted])
            result = await _with_stock(uow, deleted)
            await uow.commit()
        return result


class GetListingHealth:
    """A listing's quality score (§4.12). MercadoLibre scores only live listings: a
    closed or removed one is a Conflict naming its state, read from the local copy,
    and MercadoLibre is not called."""

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway) -> None:
        self._uow = uow
        self._listings = listings

    async def __call__(self, item_id: str) -> ListingHealth:
        async with self._uow() as uow:
            stored = await uow.listings.get(item_id)
        state = final_state(stored)
        if state is not None:
            raise Conflict(f"{state}: a closed or removed listing has no health (§4.12)")
        return await self._listings.listing_health(stored.account_id, item_id)


class PredictCategory:
    """The category predictor, through a connected account (preferably of that site)."""

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway) -> None:
        self._uow = uow
        self._listings = listings

    async def __call__(self, site_id: str, title: str) -> list[CategoryPrediction]:
        problems = _Problems()
        try:
            site(site_id)
        except InvalidValue as error:
            problems.add("site_id", error.reason)
        if not title or not title.strip():
            problems.add("title", "must not be empty")
        elif len(title) > 200:
            problems.add("title", "at most 200 characters")
        problems.check("cannot predict a category")
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
        if not accounts:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "account",
                        "connect a MercadoLibre account first: the predictor is called "
                        "with an account's token",
                    )
                ],
                "cannot predict a category",
            )
        account = next((a for a in accounts if a.site_id == site_id), accounts[0])
        assert account.id is not None
        return await self._listings.predict_category(account.id, site_id, title.strip())


class ListListings:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: ListingQuery) -> Page[Listing]:
        async with self._uow() as uow:
            return await uow.listings.search(query)


class GetListing:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, item_id: str) -> ListingWithStock:
        async with self._uow() as uow:
            listing = await uow.listings.find(item_id)
            if listing is None:
                raise NotFound("listing", item_id)
            return await _with_stock(uow, listing)
