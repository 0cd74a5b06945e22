"""Post-sale messages, conversation statuses and message sends in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs
from sqlalchemy import and_, delete, select, tuple_, update

from adapters.sql.repositories.base import JsonObject, Row, SqlRepository, page_of
from adapters.sql.tables import (
    conversations,
    message_rule_runs,
    message_rules,
    message_sends,
    messages,
)
from application.errors import Conflict, NotFound
from application.ports.repositories.messages import UnreadConversation, unread_conversations
from application.queries import Page, Paging
from domain.message_rules import MessageRule, MessageRuleRun, RunStatus
from domain.messages import ConversationStatus, Message, MessageSend, SendStatus


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
        "moderation_reason": message.moderation_reason,
        "date_read": message.date_read,
        "date_available": message.date_available,
        "order_id": message.order_id,
        "raw": dict(message.raw),
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
        moderation_reason=row["moderation_reason"],
        date_read=row["date_read"],
        date_available=row["date_available"],
        order_id=row["order_id"],
        raw=row["raw"] or {},
    )


def conversation_to_row(status: ConversationStatus) -> JsonObject:
    return attrs.asdict(status, recurse=False)


def conversation_to_domain(row: Row) -> ConversationStatus:
    return ConversationStatus(**{name: row[name] for name in conversation_to_row_names()})


def conversation_to_row_names() -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(ConversationStatus))


def send_to_row(send: MessageSend) -> JsonObject:
    row = attrs.asdict(send, recurse=False)
    row["attachments"] = list(send.attachments)
    row["status"] = send.status.value
    if send.id is None:
        del row["id"]
    return row


def send_to_domain(row: Row) -> MessageSend:
    values = {field.name: row[field.name] for field in attrs.fields(MessageSend)}
    values["attachments"] = tuple(row["attachments"])
    values["status"] = SendStatus(row["status"])
    return MessageSend(**values)


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

    async def unread(self, account_id: int, seller_id: int) -> Sequence[UnreadConversation]:
        to_seller = and_(
            messages.c.account_id == account_id,
            messages.c.to_user_id == seller_id,
            messages.c.from_user_id != seller_id,
            messages.c.date_read.is_(None),
        )
        rows = await self._all(
            select(messages)
            .where(to_seller)
            .order_by(messages.c.date_created, self._binary(messages.c.id))
        )
        return unread_conversations(message_to_domain(row) for row in rows)


class SqlConversationRepository(SqlRepository):
    async def find(self, account_id: int, pack_id: int) -> ConversationStatus | None:
        row = await self._one(
            select(conversations).where(
                conversations.c.account_id == account_id, conversations.c.pack_id == pack_id
            )
        )
        return None if row is None else conversation_to_domain(row)

    async def upsert(self, status: ConversationStatus) -> None:
        await self._upsert(conversations, [conversation_to_row(status)], ["account_id", "pack_id"])


class SqlMessageSendRepository(SqlRepository):
    async def add(self, send: MessageSend) -> MessageSend:
        statement = (
            self._insert(message_sends).values(send_to_row(send)).returning(message_sends.c.id)
        )
        try:
            new_id = (await self._write(statement)).scalar_one()
        except Conflict:
            raise Conflict(
                f"a message to conversation {send.pack_id} is being sent; try again"
            ) from None
        return attrs.evolve(send, id=new_id)

    async def get(self, send_id: int) -> MessageSend:
        row = await self._one(select(message_sends).where(message_sends.c.id == send_id))
        if row is None:
            raise NotFound("message send", send_id)
        return send_to_domain(row)

    async def save(self, send: MessageSend) -> None:
        result = await self._write(
            update(message_sends).where(message_sends.c.id == send.id).values(send_to_row(send))
        )
        if result.rowcount == 0:
            raise NotFound("message send", send.id)

    async def pending_of(self, account_id: int, pack_id: int) -> MessageSend | None:
        row = await self._one(
            select(message_sends).where(
                message_sends.c.account_id == account_id,
                message_sends.c.pack_id == pack_id,
                message_sends.c.status == SendStatus.PENDING.value,
            )
        )
        return None if row is None else send_to_domain(row)

    async def of_conversation(self, account_id: int, pack_id: int) -> Sequence[MessageSend]:
        rows = await self._all(
            select(message_sends)
            .where(message_sends.c.account_id == account_id, message_sends.c.pack_id == pack_id)
            .order_by(message_sends.c.requested_at, message_sends.c.id)
        )
        return [send_to_domain(row) for row in rows]

    async def sent_message_ids(self, account_id: int, pack_id: int) -> frozenset[str]:
        rows = await self._all(
            select(message_sends.c.message_id).where(
                message_sends.c.account_id == account_id,
                message_sends.c.pack_id == pack_id,
                message_sends.c.message_id.is_not(None),
            )
        )
        return frozenset(row["message_id"] for row in rows)

    async def pending(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[MessageSend]:
        conditions = [
            message_sends.c.status == SendStatus.PENDING.value,
            message_sends.c.requested_at < before,
        ]
        if after is not None:
            conditions.append(
                tuple_(message_sends.c.requested_at, message_sends.c.id) > tuple_(*after)
            )
        rows = await self._all(
            select(message_sends)
            .where(*conditions)
            .order_by(message_sends.c.requested_at, message_sends.c.id)
            .limit(limit)
        )
        return [send_to_domain(row) for row in rows]


def rule_to_row(rule: MessageRule) -> JsonObject:
    row = attrs.asdict(rule, recurse=False)
    row["account_ids"] = list(rule.account_ids)
    row["event"] = rule.event.value
    row["mode"] = rule.mode.value
    if rule.id is None:
        del row["id"]
    return row


def rule_to_domain(row: Row) -> MessageRule:
    values = {field.name: row[field.name] for field in attrs.fields(MessageRule)}
    values["account_ids"] = tuple(row["account_ids"])
    return MessageRule(**values)


def run_to_row(run: MessageRuleRun) -> JsonObject:
    row = attrs.asdict(run, recurse=False)
    row["event"] = run.event.value
    row["status"] = run.status.value
    if run.id is None:
        del row["id"]
    return row


def run_to_domain(row: Row) -> MessageRuleRun:
    return MessageRuleRun(**{field.name: row[field.name] for field in attrs.fields(MessageRuleRun)})


class SqlMessageRuleRepository(SqlRepository):
    async def add(self, rule: MessageRule) -> MessageRule:
        statement = (
            self._insert(message_rules).values(rule_to_row(rule)).returning(message_rules.c.id)
        )
        return attrs.evolve(rule, id=(await self._write(statement)).scalar_one())

    async def get(self, rule_id: int) -> MessageRule:
        row = await self._one(select(message_rules).where(message_rules.c.id == rule_id))
        if row is None:
            raise NotFound("message rule", rule_id)
        return rule_to_domain(row)

    async def save(self, rule: MessageRule) -> None:
        result = await self._write(
            update(message_rules).where(message_rules.c.id == rule.id).values(rule_to_row(rule))
        )
        if result.rowcount == 0:
            raise NotFound("message rule", rule.id)

    async def delete(self, rule_id: int) -> None:
        result = await self._write(delete(message_rules).where(message_rules.c.id == rule_id))
        if result.rowcount == 0:
            raise NotFound("message rule", rule_id)

    async def list(self) -> Sequence[MessageRule]:
        rows = await self._all(select(message_rules).order_by(message_rules.c.id))
        return [rule_to_domain(row) for row in rows]


class SqlMessageRuleRunRepository(SqlRepository):
    async def add(self, run: MessageRuleRun) -> MessageRuleRun | None:
        statement = (
            self._insert(message_rule_runs)
            .values(run_to_row(run))
            .on_conflict_do_nothing(
                index_elements=[message_rule_runs.c.rule_id, message_rule_runs.c.order_id]
            )
            .returning(message_rule_runs.c.id)
        )
        new_id = (await self._write(statement)).scalar_one_or_none()
        return None if new_id is None else attrs.evolve(run, id=new_id)

    async def get(self, run_id: int) -> MessageRuleRun:
        row = await self._one(select(message_rule_runs).where(message_rule_runs.c.id == run_id))
        if row is None:
            raise NotFound("message rule run", run_id)
        return run_to_domain(row)

    async def save(self, run: MessageRuleRun) -> None:
        result = await self._write(
            update(message_rule_runs)
            .where(message_rule_runs.c.id == run.id)
            .values(run_to_row(run))
        )
        if result.rowcount == 0:
            raise NotFound("message rule run", run.id)

    async def due(
        self, before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[MessageRuleRun]:
        conditions = [
            message_rule_runs.c.status == RunStatus.DUE.value,
            message_rule_runs.c.due_at <= before,
        ]
        if after is not None:
            conditions.append(
                tuple_(message_rule_runs.c.due_at, message_rule_runs.c.id) > tuple_(*after)
            )
        rows = await self._all(
            select(message_rule_runs)
            .where(*conditions)
            .order_by(message_rule_runs.c.due_at, message_rule_runs.c.id)
            .limit(limit)
        )
        return [run_to_domain(row) for row in rows]

    async def for_rule(self, rule_id: int, paging: Paging) -> Page[MessageRuleRun]:
        conditions = [message_rule_runs.c.rule_id == rule_id]
        rows = await self._all(
            select(message_rule_runs)
            .where(*conditions)
            .order_by(message_rule_runs.c.created_at.desc(), message_rule_runs.c.id.desc())
            .offset(paging.offset)
            .limit(paging.limit)
        )
        items = [run_to_domain(row) for row in rows]
        return page_of(items, await self._count(message_rule_runs, conditions), paging)
