from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from application.accounts.usable import usable_account
from application.errors import (
    Conflict,
    FieldProblem,
    ValidationFailed,
)
from application.inventory.states import final_state
from application.inventory.stock_writer import StockWriter
from application.listings.commands import UpdateListingCommand, VariationInput
from application.listings.observed import store_observed
from application.listings.validation import (
    Problems,
    check_description,
    check_quantity,
    check_references,
    check_title,
    check_variation_set,
    checked_attributes,
    checked_money,
    checked_pictures,
    checked_shipping,
)
from application.listings.views import ListingWithStock, with_stock
from application.listings.written import stored_after_write
from application.ports.clock import Clock
from application.ports.listing_gateway import (
    ListingChanges,
    ListingGateway,
    VariationChange,
)
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.inventory import StockOutcome, StockRequest
from domain.listings import (
    Listing,
    Variation,
)
from domain.money import Money


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
        # Whatever the input alone makes wrong, MercadoLibre is not even read for.
        _check_input(command, stored.price.currency_id)
        # MercadoLibre's copy is the one a PUT applies to; the local one may be stale.
        current = await self._listings.get_listing(stored.account_id, command.item_id)
        changes, quantities = self._changes(command, current)
        if changes.is_empty and not quantities and command.description is None:
            raise ValidationFailed([FieldProblem("body", "nothing to change")])
        updated = current
        account_id = stored.account_id
        if not changes.is_empty:
            answered = await self._listings.update_listing(account_id, command.item_id, changes)
            updated = _with_skus_of(answered, current)
        result = await stored_after_write(self._listings, account_id, updated, self._store)
        if quantities:
            updated = await self._set_stock(command, updated, quantities, requested_at)
        if command.description is not None:
            await self._listings.set_description(account_id, command.item_id, command.description)
            updated = attrs.evolve(updated, description=command.description)
        if quantities or command.description is not None:
            result = await stored_after_write(self._listings, account_id, updated, self._store)
        return result

    async def _store(self, listing: Listing) -> ListingWithStock:
        async with self._uow() as uow:
            # Stores the listing, and shapes its stock levels after it: a level for each
            # variation just added, none left for the item once it has variations.
            await store_observed(uow, [listing], self._safety_stock, self._clock.now())
            result = await with_stock(uow, listing)
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
        problems = Problems()
        if current.is_final:
            raise Conflict(f"{current.item_id} is closed; a closed listing cannot change")
        currency_id = current.price.currency_id
        check_title(problems, command.title)
        if (
            command.title is not None
            and current.sold_quantity > 0
            and (command.title != current.title)
        ):
            problems.add("title", "cannot change once the listing has sales (§4.3)")
        price = checked_money(problems, "price", command.price, currency_id)
        check_quantity(problems, "available_quantity", command.available_quantity)
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
        pictures = (
            checked_pictures(problems, command.pictures) if command.pictures is not None else None
        )
        attributes = (
            checked_attributes(problems, "attributes", command.attributes)
            if command.attributes is not None
            else None
        )
        check_description(problems, command.description)
        check_references(
            problems,
            command.video_id,
            None,
            [(i, v.seller_sku, v.picture_ids) for i, v in enumerate(command.variations or ())],
        )
        shipping = checked_shipping(problems, command.shipping_mode, command.free_shipping, None)
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
        problems: Problems,
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
            check_quantity(problems, f"{field}.available_quantity", variation.available_quantity)
            variation_price = checked_money(
                problems, f"{field}.price", variation.price, currency_id
            )
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
                    combination = checked_attributes(
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
            combination = checked_attributes(
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
        check_variation_set(problems, merged)
        if all(entry.keeps_as_is for entry in entries):
            return None
        return tuple(entries)


def _check_input(command: UpdateListingCommand, currency_id: str) -> None:
    """The checks that need no copy of the listing: what MercadoLibre and the database
    take as values (the rules that depend on the listing come with UpdateListing's
    changes). Raises ValidationFailed naming every problem."""
    problems = Problems()
    check_title(problems, command.title)
    checked_money(problems, "price", command.price, currency_id)
    check_quantity(problems, "available_quantity", command.available_quantity)
    if command.pictures is not None:
        checked_pictures(problems, command.pictures)
    if command.attributes is not None:
        checked_attributes(problems, "attributes", command.attributes)
    check_description(problems, command.description)
    for index, variation in enumerate(command.variations or ()):
        field = f"variations[{index}]"
        check_quantity(problems, f"{field}.available_quantity", variation.available_quantity)
        checked_money(problems, f"{field}.price", variation.price, currency_id)
        checked_attributes(
            problems, f"{field}.attribute_combinations", variation.attribute_combinations
        )
    check_references(
        problems,
        command.video_id,
        None,
        [(i, v.seller_sku, v.picture_ids) for i, v in enumerate(command.variations or ())],
    )
    problems.check()


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
