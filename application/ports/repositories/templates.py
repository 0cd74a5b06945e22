"""Stored templates of answers and messages. Repository conventions: see
application.ports.repositories.accounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.templates import Template, TemplateKind


class TemplateRepository(Protocol):
    async def add(self, template: Template) -> Template:
        """Store and return with its id. Raises Conflict if the name is taken (per
        account; shared templates among themselves)."""
        ...

    async def get(self, template_id: int) -> Template: ...

    async def save(self, template: Template) -> None:
        """Store changes to a template. Raises NotFound, or Conflict if the new name is
        taken (per account)."""
        ...

    async def list(
        self, account_id: int | None = None, kind: TemplateKind | None = None
    ) -> Sequence[Template]:
        """Templates of the account plus the shared ones (account_id None), by name (code
        point order); without an account, only the shared ones; of one kind if given."""
        ...

    async def delete(self, template_id: int) -> None:
        """Remove the template. Raises NotFound."""
        ...
