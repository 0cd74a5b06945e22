from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.templates import Template


class GetTemplate:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, template_id: int) -> Template:
        """Raises NotFound."""
        async with self._uow() as uow:
            return await uow.templates.get(template_id)
