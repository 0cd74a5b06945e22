"""A listing checked without publishing it: the local checks of a publication, the
category's own rules (read through the cache), and MercadoLibre's dry run
(POST /items/validate, mercadolibre-api.md §4.2), every problem in one answer."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import attrs

from application.accounts.usable import usable_account
from application.errors import FieldProblem, NotFound, ValidationFailed
from application.listings.category_reader import CategoryReader
from application.listings.commands import CreateListingCommand
from application.listings.create_listing import CreateListing
from application.ports.category_gateway import Category, CategoryAttribute, Requirement
from application.ports.listing_gateway import ListingGateway, NewListing
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.sites import site


@attrs.define(frozen=True)
class ValidationProblem:
    """One problem and who found it: `local` (what this service checks before any
    write), `category` (the category's settings and attributes, §4.9, §4.1) or
    `mercadolibre` (its dry run's causes, §4.2)."""

    field: str
    reason: str
    source: str
    code: str | None = None


@attrs.define(frozen=True)
class ListingValidation:
    """`valid` when nothing stands in the way of publishing. `warnings` do not (a value
    outside an attribute's listed values: MercadoLibre takes it as a free value).
    `mercadolibre_checked` says whether the dry run ran: it is sent only the body that
    passes the local checks, the body POST /products would send."""

    valid: bool
    problems: tuple[ValidationProblem, ...]
    warnings: tuple[ValidationProblem, ...]
    mercadolibre_checked: bool


class ValidateListing:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        listings: ListingGateway,
        reader: CategoryReader,
        create: CreateListing,
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._reader = reader
        self._create = create

    async def __call__(self, command: CreateListingCommand) -> ListingValidation:
        async with self._uow() as uow:
            account = await usable_account(uow, command.account_id)
        problems: list[ValidationProblem] = []
        warnings: list[ValidationProblem] = []
        draft: NewListing | None = None
        try:
            draft, _, _ = self._create.validate(command, account.site_id)
        except ValidationFailed as error:
            problems += [
                ValidationProblem(p.field, p.reason, "local", p.code) for p in error.problems
            ]
        category_found = False
        if not any(p.field == "category_id" for p in problems):
            try:
                category = await self._reader.category(command.account_id, command.category_id)
                attributes = await self._reader.attributes(command.account_id, command.category_id)
                types: tuple[str, ...] = ()
                if category.settings.listing_allowed:
                    types = await self._reader.listing_types(
                        command.account_id, account.seller_id, command.category_id
                    )
                category_found = True
            except NotFound:
                reason = f"MercadoLibre has no category {command.category_id}"
                problems.append(ValidationProblem("category_id", reason, "category"))
            if category_found:
                found, warned = category_problems(
                    command, site(account.site_id).currency_id, category, attributes, types
                )
                problems += [
                    ValidationProblem(p.field, p.reason, "category", p.code) for p in found
                ]
                warnings += [
                    ValidationProblem(p.field, p.reason, "category", p.code) for p in warned
                ]
        checked = False
        if draft is not None:
            try:
                await self._listings.validate_listing(command.account_id, draft)
            except ValidationFailed as error:
                problems += [
                    ValidationProblem(p.field, p.reason, "mercadolibre", p.code)
                    for p in error.problems
                ]
            checked = True
        return ListingValidation(not problems, tuple(problems), tuple(warnings), checked)


def category_problems(
    command: CreateListingCommand,
    currency_id: str,
    category: Category,
    attributes: tuple[CategoryAttribute, ...],
    listing_types: tuple[str, ...],
) -> tuple[list[FieldProblem], list[FieldProblem]]:
    """What the category's settings (§4.9) and attributes (§4.1, §4.2, §4.6) refuse, and
    what they only warn about."""
    problems: list[FieldProblem] = []
    warnings: list[FieldProblem] = []

    def add(field: str, reason: str) -> None:
        problems.append(FieldProblem(field, reason))

    settings = category.settings
    if not settings.listing_allowed:
        children = ", ".join(c.id for c in category.children[:10])
        add(
            "category_id",
            f"{category.id} takes no listings: choose one of its subcategories"
            + (f" ({children})" if children else ""),
        )
        return problems, warnings
    limit = settings.max_title_length
    if limit is not None and len(command.title.strip()) > limit:
        add("title", f"at most {limit} characters in {category.id}")
    limit = settings.max_pictures_per_item
    if limit is not None and len(command.pictures) > limit:
        add("pictures", f"at most {limit} pictures in {category.id}")
    limit = settings.max_variations_allowed
    if limit is not None and len(command.variations) > limit:
        add("variations", f"at most {limit} variations in {category.id}")
    limit = settings.max_pictures_per_item_var
    for index, variation in enumerate(command.variations):
        if limit is not None and len(variation.picture_ids) > limit:
            add(f"variations[{index}].picture_ids", f"at most {limit} pictures per variation")
    limit = settings.max_description_length
    if limit is not None and command.description is not None and len(command.description) > limit:
        add("description", f"at most {limit} characters in {category.id}")
    currency = command.currency_id or currency_id
    if settings.currencies and currency not in settings.currencies:
        add("currency_id", f"{category.id} lists in {', '.join(settings.currencies)}")
    if settings.item_conditions and command.condition not in settings.item_conditions:
        add("condition", f"must be one of {', '.join(settings.item_conditions)}")
    if settings.buying_modes and command.buying_mode not in settings.buying_modes:
        add("buying_mode", f"must be one of {', '.join(settings.buying_modes)}")
    minimum = settings.minimum_price
    if minimum is not None and Decimal(command.price) < minimum:
        add("price", f"at least {minimum} in {category.id}")
    if listing_types and command.listing_type_id not in listing_types:
        add("listing_type_id", f"the seller may use {', '.join(listing_types)} in {category.id}")
    _attribute_problems(command, attributes, add, warnings)
    return problems, warnings


def _attribute_problems(
    command: CreateListingCommand,
    attributes: tuple[CategoryAttribute, ...],
    add: Callable[[str, str], None],
    warnings: list[FieldProblem],
) -> None:
    by_id = {a.id: a for a in attributes}
    present = {attribute_id for attribute_id, _ in command.attributes}
    # §4.2: `condition` is the deprecated spelling of ITEM_CONDITION, and is always sent.
    present.add("ITEM_CONDITION")
    if command.variations:
        present |= set.intersection(
            *(
                {attribute_id for attribute_id, _ in v.attribute_combinations}
                for v in command.variations
            )
        )
    missing = [
        a.id
        for a in attributes
        if a.requirement is Requirement.REQUIRED and not a.read_only and a.id not in present
    ]
    if missing:
        add("attributes", f"{', '.join(missing)} required in this category")
    pairs = [(f"attributes[{i}]", pair) for i, pair in enumerate(command.attributes)]
    for index, variation in enumerate(command.variations):
        for j, pair in enumerate(variation.attribute_combinations):
            field = f"variations[{index}].attribute_combinations[{j}]"
            spec = by_id.get(pair[0])
            if spec is not None and not spec.allow_variations:
                add(field, f"{pair[0]} is not an attribute variations can differ in")
            pairs.append((field, pair))
    for field, (attribute_id, value) in pairs:
        spec = by_id.get(attribute_id)
        if spec is None or spec.value_type != "list" or not spec.values:
            continue
        if value.casefold() not in {v.name.casefold() for v in spec.values}:
            names = ", ".join(v.name for v in spec.values[:10])
            warnings.append(
                FieldProblem(field, f"{value!r} is not one of {attribute_id}'s values ({names})")
            )
