"""Post-sale messages in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import (
    select,
)

from adapters.sql.repositories.base import JsonObject, Row, SqlRepository
from adapters.sql.tables import (
    messages,
)
from domain.messages import Message


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
