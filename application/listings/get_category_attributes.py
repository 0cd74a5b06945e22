from __future__ import annotations

from application.listings.category_reader import CategoryReader, calling_account
from application.ports.category_gateway import CategoryAttribute
from application.ports.unit_of_work import UnitOfWorkFactory


class GetCategoryAttributes:
    """The attributes of a category (§4.1): required first, then recommended, then the
    rest, each group in MercadoLibre's order, with their allowed values. Read through
    the cache (CategoryReader)."""

    def __init__(self, uow: UnitOfWorkFactory, reader: CategoryReader) -> None:
        self._uow = uow
        self._reader = reader

    async def __call__(
        self, category_id: str, account_id: int | None = None
    ) -> tuple[CategoryAttribute, ...]:
        account = await calling_account(self._uow, category_id[:3], account_id)
        assert account.id is not None
        attributes = await self._reader.attributes(account.id, category_id)
        order = {"required": 0, "recommended": 1, "optional": 2}
        return tuple(sorted(attributes, key=lambda a: order[a.requirement.value]))
