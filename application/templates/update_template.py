from __future__ import annotations

import attrs

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.templates.commands import TemplateChanges
from domain.templates import Template


class UpdateTemplate:
    """Change a template's name or text, checked as when it was created (the rules that
    answer with it then send the new text). Raises NotFound, InvalidValue, Conflict."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, template_id: int, changes: TemplateChanges) -> Template:
        async with self._uow() as uow:
            template = await uow.templates.get(template_id)
            changed = attrs.evolve(
                template,
                name=template.name if changes.name is None else changes.name,
                text=template.text if changes.text is None else changes.text,
                updated_at=self._clock.now(),
            )
            await uow.templates.save(changed)
            await uow.commit()
        return changed
