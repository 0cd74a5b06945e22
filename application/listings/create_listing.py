"""Publishing a listing: local validation first, then MercadoLibre (§4.2); the listing is
stored as MercadoLibre answered it.
"""

from __future__ import annotations

from application.accounts.usable import usable_account
from application.listings.commands import CreateListingCommand
from application.listings.validation import (
    LISTING_TYPES,
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
    combination_key,
)
from application.listings.views import ListingWithStock, with_stock
from application.listings.written import stored_after_write
from application.ports.clock import Clock
from application.ports.listing_gateway import (
    ListingGateway,
    NewListing,
)
from application.ports.unit_of_work import UnitOfWorkFactory
from application.storable import MAX_CATEGORY_ID, integer_problem
from domain.inventory import StockChange, StockLevel
from domain.listings import (
    Condition,
    Listing,
    Variation,
)
from domain.sites import site


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

        async def store(listing: Listing) -> ListingWithStock:
            return await self._store(listing, command, safety, quantities)

        return await stored_after_write(self._listings, command.account_id, created, store)

    async def _store(
        self, created: Listing, command: CreateListingCommand, safety: int, quantities: dict
    ) -> ListingWithStock:
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
            result = await with_stock(uow, created)
            await uow.commit()
        return result

    def validate(self, command: CreateListingCommand, site_id: str) -> tuple[NewListing, int, dict]:
        """The listing to publish, its safety stock and the local quantities; raises
        ValidationFailed naming every problem."""
        problems = Problems()
        currency_id = site(site_id).currency_id
        if command.currency_id is not None and command.currency_id != currency_id:
            problems.add("currency_id", f"{site_id} lists in {currency_id}")
        check_title(problems, command.title)
        if (
            not command.category_id.startswith(site_id)
            or not command.category_id[3:].isdigit()
            or len(command.category_id) > MAX_CATEGORY_ID
        ):
            problems.add("category_id", f"must be a category of {site_id}, e.g. {site_id}1055")
        price = checked_money(problems, "price", command.price, currency_id)
        check_quantity(problems, "available_quantity", command.available_quantity)
        try:
            condition = Condition(command.condition)
        except ValueError:
            condition = Condition.NEW
            problems.add("condition", "must be new, used or not_specified")
        if command.listing_type_id not in LISTING_TYPES:
            problems.add("listing_type_id", f"must be one of {', '.join(sorted(LISTING_TYPES))}")
        if command.buying_mode not in ("buy_it_now", "auction", "classified"):
            problems.add("buying_mode", "must be buy_it_now, auction or classified")
        pictures = checked_pictures(problems, command.pictures)
        if not pictures and command.listing_type_id != "free":
            problems.add("pictures", "paid listing types need at least one picture")
        check_description(problems, command.description)
        attributes = checked_attributes(problems, "attributes", command.attributes)
        shipping = checked_shipping(
            problems, command.shipping_mode, command.free_shipping, command.local_pick_up
        )
        safety = self._safety_stock if command.safety_stock is None else command.safety_stock
        unstorable = integer_problem(safety)
        if unstorable is not None:
            problems.add("safety_stock", unstorable)
            safety = 0
        check_references(
            problems,
            command.video_id,
            command.seller_sku,
            [(i, v.seller_sku, v.picture_ids) for i, v in enumerate(command.variations)],
        )
        variations: list[Variation] = []
        quantities: dict = {}
        for index, given in enumerate(command.variations):
            field = f"variations[{index}]"
            if given.id is not None:
                problems.add(f"{field}.id", "a new listing has no variations yet")
            combination = checked_attributes(
                problems, f"{field}.attribute_combinations", given.attribute_combinations
            )
            if not combination:
                problems.add(f"{field}.attribute_combinations", "must not be empty")
                continue
            variation_price = checked_money(
                problems, f"{field}.price", given.price or command.price, currency_id
            )
            check_quantity(problems, f"{field}.available_quantity", given.available_quantity)
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
        check_variation_set(problems, variations)
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
