from __future__ import annotations

from application.errors import Conflict
from application.ports.unit_of_work import UnitOfWorkFactory


class DeleteTemplate:
    """Remove a template no rule answers with. Raises NotFound, or Conflict naming the
    rules that use it."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, template_id: int) -> None:
        async with self._uow() as uow:
            await uow.templates.get(template_id)
            users = await uow.answer_rules.using_template(template_id)
            if users:
                names = ", ".join(f"{rule.id} ({rule.name})" for rule in users)
                raise Conflict(f"template {template_id} is used by auto-answer rule(s) {names}")
            await uow.templates.delete(template_id)
            await uow.commit()
