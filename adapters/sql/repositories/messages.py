"""Post-sale messages and message templates in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs
from sqlalchemy import (
    delete,
    or_,
    select,
    update,
)

from adapters.sql.repositories.base import JsonObject, Row, SqlRepository
from adapters.sql.tables import (
    message_templates,
    messages,
)
from application.errors import Conflict, NotFound
from domain.messages import Message, MessageTemplate


def message_to_row(message: Message) -> JsonObject:
    return {
        "id": message.id,
        "account_id": message.account_id,
        "pack_id": message.pack_id,
        "from_user_id": message.from_user_id,
        "to_user_id": message.to_user_id,
        "text": message.text,
        "date_created": message.date_created,
        "attachments": list(message.attachments),
        "status": message.status,
        "moderation_status": message.moderation_status,
        "date_read": message.date_read,
        "order_id": message.order_id,
    }


def message_to_domain(row: Row) -> Message:
    return Message(
        id=row["id"],
        account_id=row["account_id"],
        pack_id=row["pack_id"],
        from_user_id=row["from_user_id"],
        to_user_id=row["to_user_id"],
        text=row["text"],
        date_created=row["date_created"],
        attachments=tuple(row["attachments"]),
        status=row["status"],
        moderation_status=row["moderation_status"],
        date_read=row["date_read"],
        order_id=row["order_id"],
    )


def template_to_row(template: MessageTemplate) -> JsonObject:
    return {"account_id": template.account_id, "name": template.name, "body": template.body}


def template_to_domain(row: Row) -> MessageTemplate:
    return MessageTemplate(
        id=row["id"], account_id=row["account_id"], name=row["name"], body=row["body"]
    )


class SqlMessageRepository(SqlRepository):
    async def find(self, message_id: str) -> Message | None:
        row = await self._one(select(messages).where(messages.c.id == message_id))
        return None if row is None else message_to_domain(row)

    async def upsert(self, messages_: Iterable[Message]) -> None:
        await self._upsert(messages, [message_to_row(m) for m in messages_], ["id"])

    async def conversation(self, account_id: int, pack_id: int) -> Sequence[Message]:
        rows = await self._all(
            select(messages)
            .where(messages.c.account_id == account_id, messages.c.pack_id == pack_id)
            .order_by(messages.c.date_created, self._binary(messages.c.id))
        )
        return [message_to_domain(row) for row in rows]


class SqlMessageTemplateRepository(SqlRepository):
    async def add(self, template: MessageTemplate) -> MessageTemplate:
        statement = (
            self._insert(message_templates)
            .values(template_to_row(template))
            .on_conflict_do_nothing()
            .returning(message_templates.c.id)
        )
        new_id = (await self._write(statement)).scalar_one_or_none()
        if new_id is None:
            raise Conflict(f"a message template named {template.name!r} already exists")
        return attrs.evolve(template, id=new_id)

    async def get(self, template_id: int) -> MessageTemplate:
        row = await self._one(
            select(message_templates).where(message_templates.c.id == template_id)
        )
        if row is None:
            raise NotFound("message template", template_id)
        return template_to_domain(row)

    async def save(self, template: MessageTemplate) -> None:
        statement = (
            update(message_templates)
            .where(message_templates.c.id == template.id)
            .values(template_to_row(template))
        )
        try:
            result = await self._write(statement)
        except Conflict:
            raise Conflict(f"a message template named {template.name!r} already exists") from None
        if result.rowcount == 0:
            raise NotFound("message template", template.id)

    async def list(self, account_id: int | None = None) -> Sequence[MessageTemplate]:
        shared = message_templates.c.account_id.is_(None)
        scope = (
            shared
            if account_id is None
            else or_(message_templates.c.account_id == account_id, shared)
        )
        rows = await self._all(
            select(message_templates)
            .where(scope)
            .order_by(self._binary(message_templates.c.name), message_templates.c.id)
        )
        return [template_to_domain(row) for row in rows]

    async def delete(self, template_id: int) -> None:
        result = await self._write(
            delete(message_templates).where(message_templates.c.id == template_id)
        )
        if result.rowcount == 0:
            raise NotFound("message template", template_id)
