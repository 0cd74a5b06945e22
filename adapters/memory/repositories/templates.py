"""Templates of answers and messages, in memory."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from adapters.memory.repositories.base import InMemoryRepository
from adapters.memory.store import ANSWER_RULES, TEMPLATES, private_copy
from application.errors import Conflict, NotFound
from domain.templates import Template, TemplateKind


class InMemoryTemplateRepository(InMemoryRepository):
    async def add(self, template: Template) -> Template:
        self._require_account(template.account_id)
        stored = attrs.evolve(template, id=self._store.next_id(TEMPLATES))
        self._staged.put(TEMPLATES, stored.id, stored)
        return private_copy(stored)

    async def get(self, template_id: int) -> Template:
        return self._get(TEMPLATES, template_id, "template")

    async def save(self, template: Template) -> None:
        if template.id is None or self._staged.get(TEMPLATES, template.id) is None:
            raise NotFound("template", template.id)
        self._require_account(template.account_id)
        self._staged.put(TEMPLATES, template.id, template)

    async def list(
        self, account_id: int | None = None, kind: TemplateKind | None = None
    ) -> Sequence[Template]:
        found = [
            template
            for template in self._staged.values(TEMPLATES)
            if (template.account_id is None or template.account_id == account_id)
            and (kind is None or template.kind is kind)
        ]
        found.sort(key=lambda template: (template.name, template.id))
        return [private_copy(template) for template in found]

    async def delete(self, template_id: int) -> None:
        if self._staged.get(TEMPLATES, template_id) is None:
            raise NotFound("template", template_id)
        # The foreign key from meli_answer_rules of the SQL schema refuses the delete.
        if any(rule.template_id == template_id for rule in self._staged.values(ANSWER_RULES)):
            raise Conflict(f"template {template_id} is used by an auto-answer rule")
        self._staged.delete(TEMPLATES, template_id)
