"""Categories read through a cache with an expiry (mercadolibre-api.md §4.9, §4.1,
§4.10), and the account whose token the reads are sent with.

Why a cache, and why it expires: a category, its attributes and the listing types a
seller may use in it are the same for every listing built in it and change rarely, while
building one listing reads them several times (the category, its attributes, the
validation). They do change on MercadoLibre's side (attributes become `required` or
`catalog_required`, §4.2), so an entry lives `ttl` (MELI_CATEGORY_CACHE_TTL, one hour by
default). A stale entry costs little: POST /items/validate and POST /items are the
authority (§4.2) and name what they refuse.
"""

from __future__ import annotations

from datetime import timedelta

from application.accounts.usable import require_usable, usable_account
from application.errors import FieldProblem, ValidationFailed
from application.ports.cache import ExpiringCache
from application.ports.category_gateway import Category, CategoryAttribute, CategoryGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Account, AccountStatus

DEFAULT_TTL = timedelta(hours=1)


async def calling_account(
    uow_factory: UnitOfWorkFactory, site_id: str, account_id: int | None = None
) -> Account:
    """The account named (NotFound, ReauthorizationRequired), or else a connected
    account, one of the site first. ValidationFailed when none is connected."""
    async with uow_factory() as uow:
        if account_id is not None:
            return await usable_account(uow, account_id)
        accounts = await uow.accounts.list(AccountStatus.ACTIVE)
    usable = [a for a in accounts if a.is_usable]
    if not usable:
        raise ValidationFailed(
            [
                FieldProblem(
                    "account_id",
                    "connect a MercadoLibre account first: categories are read with an "
                    "account's token",
                )
            ],
            "cannot read the category",
        )
    return require_usable(next((a for a in usable if a.site_id == site_id), usable[0]))


class CategoryReader:
    """The CategoryGateway behind an ExpiringCache. Only answers are cached: a NotFound
    or a failure is asked again next time."""

    def __init__(
        self, gateway: CategoryGateway, cache: ExpiringCache, ttl: timedelta = DEFAULT_TTL
    ) -> None:
        self._gateway = gateway
        self._cache = cache
        self.ttl = ttl

    async def category(self, account_id: int, category_id: str) -> Category:
        key = f"category:{category_id}"
        found = await self._cache.get(key)
        if isinstance(found, Category):
            return found
        category = await self._gateway.get_category(account_id, category_id)
        await self._cache.put(key, category, self.ttl)
        return category

    async def attributes(self, account_id: int, category_id: str) -> tuple[CategoryAttribute, ...]:
        key = f"category-attributes:{category_id}"
        found = await self._cache.get(key)
        if isinstance(found, tuple):
            return found
        attributes = await self._gateway.get_attributes(account_id, category_id)
        await self._cache.put(key, attributes, self.ttl)
        return attributes

    async def listing_types(
        self, account_id: int, seller_id: int, category_id: str
    ) -> tuple[str, ...]:
        """Per seller: what a seller may use depends on the seller (§4.10)."""
        key = f"listing-types:{seller_id}:{category_id}"
        found = await self._cache.get(key)
        if isinstance(found, tuple):
            return found
        types = await self._gateway.listing_types(account_id, seller_id, category_id)
        await self._cache.put(key, types, self.ttl)
        return types
