from __future__ import annotations

import attrs

from application.listings.category_reader import CategoryReader, calling_account
from application.ports.category_gateway import Category
from application.ports.unit_of_work import UnitOfWorkFactory


@attrs.define(frozen=True)
class CategoryDetails:
    """A category with the listing types the calling seller may use in it (§4.9, §4.10;
    empty for a category that takes no listings)."""

    category: Category
    listing_types: tuple[str, ...]
    account_id: int


class GetCategory:
    """One category as a seller building a listing needs it: its path from the root,
    settings and the listing types allowed. Read through the cache (CategoryReader),
    with the account named or a connected one of the category's site."""

    def __init__(self, uow: UnitOfWorkFactory, reader: CategoryReader) -> None:
        self._uow = uow
        self._reader = reader

    async def __call__(self, category_id: str, account_id: int | None = None) -> CategoryDetails:
        account = await calling_account(self._uow, category_id[:3], account_id)
        assert account.id is not None
        category = await self._reader.category(account.id, category_id)
        types: tuple[str, ...] = ()
        if category.settings.listing_allowed:
            types = await self._reader.listing_types(account.id, account.seller_id, category_id)
        return CategoryDetails(category, types, account.id)
