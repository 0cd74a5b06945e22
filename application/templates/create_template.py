from __future__ import annotations

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.templates.commands import TemplateInput
from domain.templates import Template


class CreateTemplate:
    """Store a new template. Its text is checked first (InvalidValue naming the field: a
    malformed brace, a variable its kind does not know, too long); Conflict when the name
    is taken; NotFound for an unknown account."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, given: TemplateInput) -> Template:
        template = Template(
            name=given.name,
            kind=given.kind,
            text=given.text,
            account_id=given.account_id,
            updated_at=self._clock.now(),
        )
        async with self._uow() as uow:
            if template.account_id is not None:
                await uow.accounts.get(template.account_id)
            stored = await uow.templates.add(template)
            await uow.commit()
        return stored
