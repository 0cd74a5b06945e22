from __future__ import annotations

from decimal import Decimal

import attrs

from application.accounts.usable import usable_account
from application.errors import Conflict
from application.listings.validation import LISTING_TYPES, Problems, checked_money
from application.listings.views import ListingWithStock, with_stock
from application.listings.written import stored_after_write
from application.ports.clock import Clock
from application.ports.listing_gateway import ListingGateway, Relist, RelistedVariation
from application.ports.unit_of_work import UnitOfWorkFactory
from application.storable import integer_problem
from domain.inventory import StockChange, StockLevel
from domain.listings import Listing, ListingStatus
from domain.money import Money
from domain.sites import site


@attrs.define(frozen=True)
class RelistVariationInput:
    """A variation to publish again; None keeps its last price, or its stored stock."""

    id: int
    price: Decimal | None = None
    quantity: int | None = None


@attrs.define(frozen=True)
class RelistCommand:
    """What a relist changes; None keeps what the closed listing had: its listing type,
    its price, the seller's stored stock (minus the safety stock, which is kept). For a
    listing with variations, `variations` names those to publish again (all of them when
    empty)."""

    item_id: str
    listing_type_id: str | None = None
    price: Decimal | None = None
    quantity: int | None = None
    variations: tuple[RelistVariationInput, ...] = ()


class RelistListing:
    """Publish a closed listing again (§4.3). MercadoLibre answers a new listing with a
    new item id; the local copy stores it with `relisted_from` naming the closed one
    (which stays, closed) and stock levels carrying the closed one's safety stock.

    Checked before the call: the listing is closed on MercadoLibre (read first; a
    listing still open is a Conflict: close it first), the values fit the site and the
    database. The POST is not idempotent: it is never repeated after an ambiguous
    failure; the catalogue sync later finds the new listing with its link, if one was
    made."""

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway, clock: Clock) -> None:
        self._uow = uow
        self._listings = listings
        self._clock = clock

    async def __call__(self, command: RelistCommand) -> ListingWithStock:
        async with self._uow() as uow:
            stored = await uow.listings.get(command.item_id)
            account = await usable_account(uow, stored.account_id)
            levels = {
                level.variation_id: level for level in await uow.inventory.for_item(stored.item_id)
            }
        if stored.removed_at is not None:
            raise Conflict(f"{stored.item_id} was removed from MercadoLibre: it cannot be relisted")
        current = await self._listings.get_listing(stored.account_id, stored.item_id)
        if current.status is not ListingStatus.CLOSED or "deleted" in current.sub_status:
            raise Conflict(
                f"{stored.item_id} is {current.status.value}: only a closed listing is "
                "relisted (close it first with POST /products/{item_id}/close)"
            )
        relist, quantities = self._relist(
            command, current, levels, site(account.site_id).currency_id
        )
        new = await self._listings.relist_listing(stored.account_id, stored.item_id, relist)
        if new.relisted_from is None:
            new = attrs.evolve(new, relisted_from=stored.item_id)

        async def store(listing: Listing) -> ListingWithStock:
            return await self._store(listing, current, quantities, levels)

        return await stored_after_write(self._listings, stored.account_id, new, store)

    def _relist(
        self,
        command: RelistCommand,
        current: Listing,
        levels: dict[int | None, StockLevel],
        currency_id: str,
    ) -> tuple[Relist, dict[int | None, int]]:
        """The call's body and the seller's count per old variation id (None: the item).
        ValidationFailed naming every problem."""
        problems = Problems()
        listing_type = command.listing_type_id or current.listing_type_id
        if listing_type not in LISTING_TYPES:
            problems.add("listing_type_id", f"must be one of {', '.join(sorted(LISTING_TYPES))}")
        quantities: dict[int | None, int] = {}
        relisted: list[RelistedVariation] = []

        def publishable(field: str, key: int | None, given: int | None) -> int:
            level = levels.get(key)
            safety = level.safety_stock if level else 0
            quantity = given if given is not None else (level.quantity if level else 0)
            unstorable = integer_problem(quantity)
            if unstorable is not None:
                problems.add(field, unstorable)
                return 0
            quantities[key] = quantity
            shown = quantity - safety
            if shown < 1:
                problems.add(
                    field,
                    f"nothing would be for sale: {quantity} in stock, safety stock {safety}",
                )
            return shown

        if current.variations:
            if command.price is not None or command.quantity is not None:
                problems.add("variations", "a listing with variations is relisted per variation")
            by_id = {v.id: v for v in current.variations}
            wanted = command.variations or tuple(
                RelistVariationInput(v.id) for v in current.variations if v.id is not None
            )
            for index, given in enumerate(wanted):
                field = f"variations[{index}]"
                variation = by_id.get(given.id)
                if variation is None:
                    problems.add(f"{field}.id", f"not a variation of {current.item_id}")
                    continue
                price = self._price(
                    problems, f"{field}.price", given.price, variation.price, currency_id
                )
                shown = publishable(f"{field}.quantity", given.id, given.quantity)
                if price is not None and shown > 0:
                    relisted.append(RelistedVariation(given.id, price, shown))
        else:
            if command.variations:
                problems.add("variations", f"{current.item_id} has no variations")
            price = self._price(problems, "price", command.price, current.price, currency_id)
            shown = publishable("quantity", None, command.quantity)
        problems.check("the listing cannot be relisted")
        if current.variations:
            return Relist(listing_type, variations=tuple(relisted)), quantities
        return Relist(listing_type, price, shown), quantities

    @staticmethod
    def _price(
        problems: Problems, field: str, given: Decimal | None, last: Money, currency_id: str
    ) -> Money | None:
        if given is None:
            return last
        return checked_money(problems, field, given, currency_id)

    async def _store(
        self,
        new: Listing,
        closed: Listing,
        quantities: dict[int | None, int],
        levels: dict[int | None, StockLevel],
    ) -> ListingWithStock:
        """The new listing and its stock levels: each new variation takes the count and
        safety stock of the old one it was relisted from (matched by its combination)."""
        now = self._clock.now()
        old_by_combination = {
            tuple((a.id, a.value_name) for a in v.attribute_combinations): v.id
            for v in closed.variations
        }
        slots: list[tuple[int | None, int | None]] = [
            (
                v.id,
                old_by_combination.get(
                    tuple((a.id, a.value_name) for a in v.attribute_combinations)
                ),
            )
            for v in new.variations
        ] or [(None, None)]
        new_levels = []
        for new_id, old_id in slots:
            old = levels.get(old_id)
            safety = old.safety_stock if old else 0
            count = quantities.get(old_id)
            if count is None:
                shown = (
                    new.variation(new_id).available_quantity
                    if new_id is not None
                    else new.available_quantity
                )
                count = shown + safety
            new_levels.append(StockLevel(new.item_id, count, new_id, safety, now))
        async with self._uow() as uow:
            await uow.listings.upsert([new])
            await uow.inventory.upsert(new_levels)
            for level in new_levels:
                await uow.inventory.record_change(
                    StockChange(level.item_id, level.quantity, now, "relist", level.variation_id)
                )
            result = await with_stock(uow, new)
            await uow.commit()
        return result
