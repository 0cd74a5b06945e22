from __future__ import annotations

from collections.abc import Sequence

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.templates import Template, TemplateKind


class ListTemplates:
    """The shared templates and, with an account, its own; of one kind if given."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, account_id: int | None = None, kind: TemplateKind | None = None
    ) -> Sequence[Template]:
        async with self._uow() as uow:
            if account_id is not None:
                await uow.accounts.get(account_id)
            return await uow.templates.list(account_id, kind)
