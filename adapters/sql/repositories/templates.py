"""Templates of answers and messages in SQL."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from sqlalchemy import (
    delete,
    or_,
    select,
    update,
)

from adapters.sql.repositories.base import JsonObject, Row, SqlRepository
from adapters.sql.tables import templates
from application.errors import Conflict, NotFound
from domain.templates import Template, TemplateKind


def template_to_row(template: Template) -> JsonObject:
    return {
        "account_id": template.account_id,
        "name": template.name,
        "kind": template.kind.value,
        "text": template.text,
        "updated_at": template.updated_at,
    }


def template_to_domain(row: Row) -> Template:
    return Template(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        kind=TemplateKind(row["kind"]),
        text=row["text"],
        updated_at=row["updated_at"],
    )


def _taken(template: Template) -> Conflict:
    return Conflict(f"a template named {template.name!r} already exists")


class SqlTemplateRepository(SqlRepository):
    async def add(self, template: Template) -> Template:
        statement = (
            self._insert(templates)
            .values(template_to_row(template))
            .on_conflict_do_nothing()
            .returning(templates.c.id)
        )
        new_id = (await self._write(statement)).scalar_one_or_none()
        if new_id is None:
            raise _taken(template)
        return attrs.evolve(template, id=new_id)

    async def get(self, template_id: int) -> Template:
        row = await self._one(select(templates).where(templates.c.id == template_id))
        if row is None:
            raise NotFound("template", template_id)
        return template_to_domain(row)

    async def save(self, template: Template) -> None:
        statement = (
            update(templates).where(templates.c.id == template.id).values(template_to_row(template))
        )
        try:
            result = await self._write(statement)
        except Conflict:
            raise _taken(template) from None
        if result.rowcount == 0:
            raise NotFound("template", template.id)

    async def list(
        self, account_id: int | None = None, kind: TemplateKind | None = None
    ) -> Sequence[Template]:
        shared = templates.c.account_id.is_(None)
        conditions = [
            shared if account_id is None else or_(templates.c.account_id == account_id, shared)
        ]
        if kind is not None:
            conditions.append(templates.c.kind == kind.value)
        rows = await self._all(
            select(templates)
            .where(*conditions)
            .order_by(self._binary(templates.c.name), templates.c.id)
        )
        return [template_to_domain(row) for row in rows]

    async def delete(self, template_id: int) -> None:
        try:
            result = await self._write(delete(templates).where(templates.c.id == template_id))
        except Conflict:
            raise Conflict(f"template {template_id} is used by an auto-answer rule") from None
        if result.rowcount == 0:
            raise NotFound("template", template_id)
