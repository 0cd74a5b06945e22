"""Repositories on one AsyncConnection; the unit of work owns its transaction.

Driver errors are translated here, at the boundary: a broken uniqueness or reference
rule becomes Conflict, a database that does not answer becomes Unavailable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    case,
    delete,
    exc,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

from adapters.sql import mappers
from adapters.sql.tables import (
    PENDING_INBOX_STATUSES,
    accounts,
    inventory,
    message_templates,
    messages,
    oauth_states,
    orders,
    products,
    questions,
    shipments,
    stock_batches,
    stock_ledger,
    sync_logs,
    webhooks,
)
from application.errors import Conflict, NotFound, Unavailable
from application.queries import (
    InboxQuery,
    ListingQuery,
    OrderQuery,
    Page,
    Paging,
    QuestionQuery,
    SyncLogQuery,
)
from domain.accounts import Account, AccountStatus, AuthorizationRequest, SealedTokens
from domain.inventory import REPAIR_SOURCE, StockBatch, StockChange, StockLevel
from domain.listings import Listing
from domain.messages import Message, MessageTemplate
from domain.notifications import InboxEntry, InboxStatus
from domain.orders import Order
from domain.questions import Question
from domain.shipments import Shipment
from domain.sync import SyncLog

T = TypeVar("T")

# Both drivers refuse statements with more than 32767 bound parameters.
MAX_IN_IDS = 10_000


def short_reason(error: BaseException) -> str:
    """The driver's own message, first line only: never the SQL or its parameters."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return (text[0] if text else type(original).__name__)[:300]


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    try:
        yield
    except exc.IntegrityError as error:
        raise Conflict(
            f"the change breaks a uniqueness or reference rule: {short_reason(error)}"
        ) from error
    except exc.DBAPIError as error:
        if error.connection_invalidated or isinstance(
            error, exc.OperationalError | exc.InterfaceError
        ):
            raise Unavailable(f"database unavailable: {short_reason(error)}") from error
        raise
    except (exc.TimeoutError, OSError, TimeoutError) as error:
        raise Unavailable(f"database unavailable: {type(error).__name__}") from error


def _chunks(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _page(items: Sequence[T], total: int, paging: Paging) -> Page[T]:
    return Page(items=items, total=total, offset=paging.offset, limit=paging.limit)


class _SqlRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @property
    def _dialect(self) -> str:
        return self._connection.dialect.name

    async def _execute(
        self, statement: Executable, parameters: Sequence[dict[str, Any]] | None = None
    ) -> CursorResult[Any]:
        with translate_errors():
            return await self._connection.execute(statement, parameters)

    async def _write(
        self, statement: Executable, parameters: Sequence[dict[str, Any]] | None = None
    ) -> CursorResult[Any]:
        """Execute a write in a savepoint, so that a Conflict leaves the unit of work
        usable: PostgreSQL would otherwise refuse every later statement of the
        transaction, and turn its COMMIT into a silent ROLLBACK."""
        with translate_errors():
            async with self._connection.begin_nested():
                return await self._connection.execute(statement, parameters)

    async def _one(self, statement: Executable) -> RowMapping | None:
        return (await self._execute(statement)).mappings().first()

    async def _all(self, statement: Executable) -> Sequence[RowMapping]:
        return (await self._execute(statement)).mappings().all()

    async def _count(self, table: Table, conditions: Sequence[ColumnElement[bool]]) -> int:
        result = await self._execute(select(func.count()).select_from(table).where(*conditions))
        return int(result.scalar_one())

    def _insert(self, table: Table) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    def _binary(self, column: Any) -> Any:
        """Order text by code point everywhere (PostgreSQL would use its locale)."""
        return column.collate("C") if self._dialect == "postgresql" else column

    async def _upsert(
        self, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]
    ) -> None:
        """Insert or replace rows by key: one multi-row statement per page of rows."""
        if not rows:
            return
        # One statement cannot touch the same row twice (PostgreSQL refuses): last wins.
        unique = list({tuple(row[k] for k in key): row for row in rows}.values())
        statement = self._insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c[k] for k in key],
            set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in key},
        ).returning(*(table.c[k] for k in key))
        # With RETURNING, SQLAlchemy's "insertmanyvalues" sends the rows as multi-row
        # VALUES statements (up to 1000 rows, below the drivers' bound-parameter limit)
        # from one cached compilation, instead of compiling a statement per batch.
        await self._write(statement, unique)


class SqlAccountRepository(_SqlRepository):
    async def add(self, account: Account) -> Account:
        statement = (
            self._insert(accounts)
            .values(mappers.account_to_row(account))
            .on_conflict_do_nothing()
            .returning(accounts.c.id)
        )
        new_id = (await self._write(statement)).scalar_one_or_none()
        if new_id is None:
            raise Conflict(f"seller {account.seller_id} is already connected")
        return attrs.evolve(account, id=new_id, token_expires_at=None)

    async def save(self, account: Account) -> None:
        statement = (
            update(accounts)
            .where(accounts.c.id == account.id)
            .values(mappers.account_to_row(account))
        )
        if (await self._write(statement)).rowcount == 0:
            raise NotFound("account", account.id)

    async def get(self, account_id: int) -> Account:
        row = await self._one(select(accounts).where(accounts.c.id == account_id))
        if row is None:
            raise NotFound("account", account_id)
        return mappers.account_to_domain(row)

    async def find_by_seller(self, seller_id: int) -> Account | None:
        row = await self._one(select(accounts).where(accounts.c.seller_id == seller_id))
        return None if row is None else mappers.account_to_domain(row)

    async def list(self, status: AccountStatus | None = None) -> Sequence[Account]:
        statement = select(accounts).order_by(accounts.c.id)
        if status is not None:
            statement = statement.where(accounts.c.status == AccountStatus(status).value)
        return [mappers.account_to_domain(row) for row in await self._all(statement)]

    async def get_tokens(self, account_id: int, *, for_update: bool = False) -> SealedTokens | None:
        statement = select(accounts).where(accounts.c.id == account_id)
        if for_update:
            # SQLite has no row locks; there the unit of work holds the write lock instead.
            statement = statement.with_for_update()
        row = await self._one(statement)
        return None if row is None else mappers.tokens_to_domain(row)

    async def store_tokens(self, account_id: int, tokens: SealedTokens) -> SealedTokens:
        statement = (
            update(accounts)
            .where(accounts.c.id == account_id)
            .values(**mappers.tokens_to_row(tokens), token_version=accounts.c.token_version + 1)
            .returning(accounts.c.token_version)
        )
        version = (await self._write(statement)).scalar_one_or_none()
        if version is None:
            raise NotFound("account", account_id)
        return attrs.evolve(tokens, version=version)

    async def erase_tokens(self, account_id: int) -> None:
        await self._write(
            update(accounts)
            .where(accounts.c.id == account_id)
            .values(
                access_token_ciphertext=None,
                refresh_token_ciphertext=None,
                token_expires_at=None,
                token_scope=None,
            )
        )

    async def delete(self, account_id: int) -> None:
        # A row that refers to the account makes the foreign key refuse: Conflict.
        result = await self._write(delete(accounts).where(accounts.c.id == account_id))
        if result.rowcount == 0:
            raise NotFound("account", account_id)


class SqlListingRepository(_SqlRepository):
    async def get(self, item_id: str) -> Listing:
        listing = await self.find(item_id)
        if listing is None:
            raise NotFound("listing", item_id)
        return listing

    async def find(self, item_id: str) -> Listing | None:
        row = await self._one(select(products).where(products.c.item_id == item_id))
        return None if row is None else mappers.listing_to_domain(row)

    async def find_many(self, item_ids: Iterable[str]) -> dict[str, Listing]:
        wanted = list(dict.fromkeys(item_ids))
        found: dict[str, Listing] = {}
        for chunk in _chunks(wanted, MAX_IN_IDS):
            rows = await self._all(select(products).where(products.c.item_id.in_(chunk)))
            for row in rows:
                found[row["item_id"]] = mappers.listing_to_domain(row)
        return found

    async def upsert(self, listings: Iterable[Listing]) -> None:
        # One row per id, merged in order as the memory adapter does: a copy without
        # description keeps the one an earlier copy in the batch brought.
        rows: dict[str, dict[str, Any]] = {}
        for listing in listings:
            row = mappers.listing_to_row(listing)
            earlier = rows.get(listing.item_id)
            if row["description"] is None and earlier is not None:
                row["description"] = earlier["description"]
            rows[listing.item_id] = row
        if not rows:
            return
        # As _upsert, except that a description of None keeps the stored one.
        statement = self._insert(products)
        kept = {
            "description": func.coalesce(statement.excluded.description, products.c.description)
        }
        statement = statement.on_conflict_do_update(
            index_elements=[products.c.item_id],
            set_={
                c.name: kept.get(c.name, statement.excluded[c.name])
                for c in products.columns
                if c.name != "item_id"
            },
        ).returning(products.c.item_id)
        await self._write(statement, list(rows.values()))

    async def search(self, query: ListingQuery) -> Page[Listing]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(products.c.account_id == query.account_id)
        if query.status is not None:
            conditions.append(products.c.status == query.status)
        if query.title:
            needle = mappers.title_search_key(query.title)
            conditions.append(products.c.title_search.contains(needle, autoescape=True))
        if query.sku is not None:
            conditions.append(products.c.seller_sku == query.sku)
        if not query.include_removed:
            conditions.append(products.c.removed_at.is_(None))
        statement = (
            select(products)
            .where(*conditions)
            .order_by(products.c.item_number.desc(), self._binary(products.c.item_id).desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [mappers.listing_to_domain(row) for row in await self._all(statement)]
        return _page(items, await self._count(products, conditions), query.paging)

    async def item_ids(self, account_id: int) -> set[str]:
        result = await self._execute(
            select(products.c.item_id).where(
                products.c.account_id == account_id, products.c.removed_at.is_(None)
            )
        )
        return set(result.scalars().all())

    async def mark_removed(
        self,
        item_ids: Iterable[str],
        now: datetime,
        *,
        last_updated_before: datetime | None = None,
    ) -> int:
        conditions = [products.c.removed_at.is_(None)]
        if last_updated_before is not None:
            # In the UPDATE itself, so a change committed meanwhile is seen (PostgreSQL
            # re-checks the condition on a row another transaction just updated).
            conditions.append(
                or_(
                    products.c.last_updated.is_(None),
                    products.c.last_updated < last_updated_before,
                )
            )
        changed = 0
        for chunk in _chunks(list(dict.fromkeys(item_ids)), MAX_IN_IDS):
            result = await self._write(
                update(products)
                .where(products.c.item_id.in_(chunk), *conditions)
                .values(removed_at=now)
            )
            changed += result.rowcount
        return changed


class SqlInventoryRepository(_SqlRepository):
    async def find(self, item_id: str, variation_id: int | None = None) -> StockLevel | None:
        row = await self._one(
            select(inventory).where(
                inventory.c.item_id == item_id,
                inventory.c.variation_id == mappers.variation_key(variation_id),
            )
        )
        return None if row is None else mappers.stock_level_to_domain(row)

    async def for_item(self, item_id: str) -> Sequence[StockLevel]:
        rows = await self._all(
            select(inventory)
            .where(inventory.c.item_id == item_id)
            .order_by(inventory.c.variation_id)
        )
        return [mappers.stock_level_to_domain(row) for row in rows]

    async def for_items(self, item_ids: Iterable[str]) -> dict[str, list[StockLevel]]:
        found: dict[str, list[StockLevel]] = {}
        ids = list(dict.fromkeys(item_ids))
        for start in range(0, len(ids), MAX_IN_IDS):
            rows = await self._all(
                select(inventory)
                .where(inventory.c.item_id.in_(ids[start : start + MAX_IN_IDS]))
                .order_by(inventory.c.item_id, inventory.c.variation_id)
            )
            for row in rows:
                level = mappers.stock_level_to_domain(row)
                found.setdefault(level.item_id, []).append(level)
        return found

    async def upsert(self, levels: Iterable[StockLevel]) -> None:
        rows = [mappers.stock_level_to_row(level) for level in levels]
        await self._upsert(inventory, rows, ["item_id", "variation_id"])

    async def remove(self, keys: Iterable[tuple[str, int | None]]) -> int:
        by_item: dict[str, set[int]] = {}
        for item_id, variation_id in keys:
            by_item.setdefault(item_id, set()).add(mappers.variation_key(variation_id))
        removed = 0
        # Rare (a listing whose variations changed): one statement per item is enough.
        for item_id, variation_keys in by_item.items():
            result = await self._write(
                delete(inventory).where(
                    inventory.c.item_id == item_id,
                    inventory.c.variation_id.in_(sorted(variation_keys)),
                )
            )
            removed += result.rowcount
        return removed

    async def record_change(self, change: StockChange) -> StockChange:
        statement = (
            stock_ledger.insert()
            .values(mappers.stock_change_to_row(change))
            .returning(stock_ledger.c.id)
        )
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(change, id=new_id)

    async def latest_change(
        self, item_id: str, variation_id: int | None = None, *, requests_only: bool = False
    ) -> StockChange | None:
        variation = (
            stock_ledger.c.variation_id.is_(None)
            if variation_id is None
            else stock_ledger.c.variation_id == variation_id
        )
        conditions = [stock_ledger.c.item_id == item_id, variation]
        if requests_only:
            conditions.append(stock_ledger.c.source != REPAIR_SOURCE)
        row = await self._one(
            select(stock_ledger)
            .where(*conditions)
            .order_by(stock_ledger.c.requested_at.desc(), stock_ledger.c.id.desc())
            .limit(1)
        )
        return None if row is None else mappers.stock_change_to_domain(row)


class SqlOrderRepository(_SqlRepository):
    async def get(self, order_id: int) -> Order:
        order = await self.find(order_id)
        if order is None:
            raise NotFound("order", order_id)
        return order

    async def find(self, order_id: int) -> Order | None:
        row = await self._one(select(orders).where(orders.c.id == order_id))
        return None if row is None else mappers.order_to_domain(row)

    async def upsert(self, orders_: Iterable[Order]) -> None:
        await self._upsert(orders, [mappers.order_to_row(o) for o in orders_], ["id"])

    async def search(self, query: OrderQuery) -> Page[Order]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(orders.c.account_id == query.account_id)
        if query.status is not None:
            conditions.append(orders.c.status == query.status)
        if query.created_from is not None:
            conditions.append(orders.c.date_created >= query.created_from)
        if query.created_to is not None:
            conditions.append(orders.c.date_created <= query.created_to)
        statement = (
            select(orders)
            .where(*conditions)
            .order_by(orders.c.date_created.desc(), orders.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [mappers.order_to_domain(row) for row in await self._all(statement)]
        return _page(items, await self._count(orders, conditions), query.paging)


class SqlShipmentRepository(_SqlRepository):
    async def get(self, shipment_id: int) -> Shipment:
        shipment = await self.find(shipment_id)
        if shipment is None:
            raise NotFound("shipment", shipment_id)
        return shipment

    async def find(self, shipment_id: int) -> Shipment | None:
        row = await self._one(select(shipments).where(shipments.c.id == shipment_id))
        return None if row is None else mappers.shipment_to_domain(row)

    async def upsert(self, shipments_: Iterable[Shipment]) -> None:
        await self._upsert(shipments, [mappers.shipment_to_row(s) for s in shipments_], ["id"])


class SqlQuestionRepository(_SqlRepository):
    async def get(self, question_id: int) -> Question:
        question = await self.find(question_id)
        if question is None:
            raise NotFound("question", question_id)
        return question

    async def find(self, question_id: int) -> Question | None:
        row = await self._one(select(questions).where(questions.c.id == question_id))
        return None if row is None else mappers.question_to_domain(row)

    async def upsert(self, questions_: Iterable[Question]) -> None:
        await self._upsert(questions, [mappers.question_to_row(q) for q in questions_], ["id"])

    async def search(self, query: QuestionQuery) -> Page[Question]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(questions.c.account_id == query.account_id)
        if query.status is not None:
            conditions.append(questions.c.status == query.status)
        if query.item_id is not None:
            conditions.append(questions.c.item_id == query.item_id)
        statement = (
            select(questions)
            .where(*conditions)
            .order_by(questions.c.date_created.desc(), questions.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [mappers.question_to_domain(row) for row in await self._all(statement)]
        return _page(items, await self._count(questions, conditions), query.paging)


class SqlMessageRepository(_SqlRepository):
    async def find(self, message_id: str) -> Message | None:
        row = await self._one(select(messages).where(messages.c.id == message_id))
        return None if row is None else mappers.message_to_domain(row)

    async def upsert(self, messages_: Iterable[Message]) -> None:
        await self._upsert(messages, [mappers.message_to_row(m) for m in messages_], ["id"])

    async def conversation(self, account_id: int, pack_id: int) -> Sequence[Message]:
        rows = await self._all(
            select(messages)
            .where(messages.c.account_id == account_id, messages.c.pack_id == pack_id)
            .order_by(messages.c.date_created, self._binary(messages.c.id))
        )
        return [mappers.message_to_domain(row) for row in rows]


class SqlMessageTemplateRepository(_SqlRepository):
    async def add(self, template: MessageTemplate) -> MessageTemplate:
        statement = (
            self._insert(message_templates)
            .values(mappers.template_to_row(template))
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
        return mappers.template_to_domain(row)

    async def save(self, template: MessageTemplate) -> None:
        statement = (
            update(message_templates)
            .where(message_templates.c.id == template.id)
            .values(mappers.template_to_row(template))
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
        return [mappers.template_to_domain(row) for row in rows]

    async def delete(self, template_id: int) -> None:
        result = await self._write(
            delete(message_templates).where(message_templates.c.id == template_id)
        )
        if result.rowcount == 0:
            raise NotFound("message template", template_id)


_PENDING = list(PENDING_INBOX_STATUSES)


class SqlNotificationInbox(_SqlRepository):
    async def add(self, entry: InboxEntry) -> tuple[InboxEntry, bool]:
        notification = entry.notification
        # Insert first: new notifications are the common case. The unique constraint and
        # the partial unique index make the dedupe hold between concurrent requests.
        # ON CONFLICT DO NOTHING cannot fail on either, so no savepoint is needed: this is
        # the notification endpoint's one statement, and every round trip counts (§9.4).
        for _ in range(2):
            statement = (
                self._insert(webhooks)
                .values(mappers.inbox_entry_to_row(entry))
                .on_conflict_do_nothing()
                .returning(webhooks.c.id)
            )
            new_id = (await self._execute(statement)).scalar_one_or_none()
            if new_id is not None:
                return attrs.evolve(entry, id=new_id), True
            row = await self._one(
                select(webhooks)
                .where(
                    or_(
                        webhooks.c.notification_id == notification.id,
                        and_(
                            webhooks.c.topic == notification.topic,
                            webhooks.c.resource == notification.resource,
                            webhooks.c.status.in_(_PENDING),
                        ),
                    )
                )
                .order_by((webhooks.c.notification_id == notification.id).desc(), webhooks.c.id)
                .limit(1)
            )
            if row is not None:
                return mappers.inbox_entry_to_domain(row), False
        raise Conflict(f"notification {notification.id} collides with an entry that moved on")

    async def add_many(self, entries: Sequence[InboxEntry]) -> list[tuple[InboxEntry, bool]]:
        """One multi-row insert for the whole batch, then one read for what it skipped:
        the notification endpoint's cost per notification shrinks as its load grows."""
        if len(entries) < 2:
            return [await self.add(entry) for entry in entries]
        # executemany with RETURNING: SQLAlchemy sends one multi-row INSERT from a single
        # cached compilation, whatever the size of the batch.
        inserted = await self._execute(
            self._insert(webhooks)
            .on_conflict_do_nothing()
            .returning(webhooks.c.id, webhooks.c.notification_id),
            [mappers.inbox_entry_to_row(entry) for entry in entries],
        )
        new_ids = {notification_id: new_id for new_id, notification_id in inserted.all()}
        results: list[tuple[InboxEntry, bool] | None] = []
        skipped = []
        for entry in entries:
            new_id = new_ids.pop(entry.notification.id, None)
            if new_id is not None:
                results.append((attrs.evolve(entry, id=new_id), True))
            else:
                results.append(None)
                skipped.append(entry)
        if skipped:
            rows = await self._all(
                select(webhooks).where(
                    or_(
                        webhooks.c.notification_id.in_({e.notification.id for e in skipped}),
                        *(
                            and_(
                                webhooks.c.topic == e.notification.topic,
                                webhooks.c.resource == e.notification.resource,
                                webhooks.c.status.in_(_PENDING),
                            )
                            for e in skipped
                        ),
                    )
                )
            )
            stored = [mappers.inbox_entry_to_domain(row) for row in rows]
            by_id = {s.notification.id: s for s in stored}
            pending = {
                (s.notification.topic, s.notification.resource): s
                for s in stored
                if s.status.value in PENDING_INBOX_STATUSES
            }
            for index, entry in enumerate(entries):
                if results[index] is not None:
                    continue
                notification = entry.notification
                found = by_id.get(notification.id) or pending.get(
                    (notification.topic, notification.resource)
                )
                # Moved on between the insert and the read: the one-by-one path decides.
                results[index] = (found, False) if found is not None else await self.add(entry)
        return [result for result in results if result is not None]

    async def get(self, entry_id: int) -> InboxEntry:
        row = await self._one(select(webhooks).where(webhooks.c.id == entry_id))
        if row is None:
            raise NotFound("notification", entry_id)
        return mappers.inbox_entry_to_domain(row)

    async def save(self, entry: InboxEntry) -> None:
        statement = (
            update(webhooks)
            .where(webhooks.c.id == entry.id)
            .values(mappers.inbox_entry_to_row(entry))
        )
        try:
            result = await self._write(statement)
        except Conflict:
            raise Conflict(
                f"another notification for {entry.notification.topic} "
                f"{entry.notification.resource} is already pending"
            ) from None
        if result.rowcount == 0:
            raise NotFound("notification", entry.id)

    async def search(self, query: InboxQuery) -> Page[InboxEntry]:
        conditions: list[ColumnElement[bool]] = []
        if query.status is not None:
            conditions.append(webhooks.c.status == query.status)
        if query.topic is not None:
            conditions.append(webhooks.c.topic == query.topic)
        statement = (
            select(webhooks)
            .where(*conditions)
            .order_by(webhooks.c.received_at.desc(), webhooks.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [mappers.inbox_entry_to_domain(row) for row in await self._all(statement)]
        return _page(items, await self._count(webhooks, conditions), query.paging)

    async def counts(self) -> dict[tuple[str, InboxStatus], int]:
        result = await self._execute(
            select(webhooks.c.topic, webhooks.c.status, func.count()).group_by(
                webhooks.c.topic, webhooks.c.status
            )
        )
        return {(topic, InboxStatus(status)): count for topic, status, count in result.all()}

    async def pending(
        self,
        received_before: datetime,
        limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> Sequence[InboxEntry]:
        due = and_(
            webhooks.c.status.in_([InboxStatus.FAILED.value, InboxStatus.PROCESSING.value]),
            or_(
                webhooks.c.next_attempt_at.is_(None),
                webhooks.c.next_attempt_at <= received_before,
            ),
        )
        conditions = [
            webhooks.c.received_at < received_before,
            or_(webhooks.c.status == InboxStatus.RECEIVED.value, due),
        ]
        if after is not None:
            after_time, after_id = after
            conditions.append(
                or_(
                    webhooks.c.received_at > after_time,
                    and_(webhooks.c.received_at == after_time, webhooks.c.id > after_id),
                )
            )
        rows = await self._all(
            select(webhooks)
            .where(*conditions)
            .order_by(webhooks.c.received_at, webhooks.c.id)
            .limit(limit)
        )
        return [mappers.inbox_entry_to_domain(row) for row in rows]

    # Claims, finishes and re-arms move entries only within the pending statuses or out
    # of them, so they cannot break the pending-resource index: no savepoint needed.

    async def claim(self, entry_id: int, now: datetime, lease_until: datetime) -> InboxEntry | None:
        due = or_(webhooks.c.next_attempt_at.is_(None), webhooks.c.next_attempt_at <= now)
        statement = (
            update(webhooks)
            .where(
                webhooks.c.id == entry_id,
                or_(
                    webhooks.c.status == InboxStatus.RECEIVED.value,
                    and_(
                        webhooks.c.status.in_(
                            [InboxStatus.FAILED.value, InboxStatus.PROCESSING.value]
                        ),
                        due,
                    ),
                ),
            )
            .values(
                status=InboxStatus.PROCESSING.value,
                # Every claim counts here (finish's token); the retry budget is `failures`,
                # moved by a finish of a failed read, and by taking over an entry whose
                # lease ran out: that read died, or outlived its lease (a re-armed entry
                # is `received`, so a burst costs nothing).
                processing_attempts=webhooks.c.processing_attempts + 1,
                failures=webhooks.c.failures
                + case((webhooks.c.status == InboxStatus.PROCESSING.value, 1), else_=0),
                next_attempt_at=lease_until,
            )
            .returning(*webhooks.c)
        )
        row = (await self._execute(statement)).mappings().first()
        return None if row is None else mappers.inbox_entry_to_domain(row)

    async def finish(self, entry: InboxEntry) -> bool:
        statement = (
            update(webhooks)
            .where(
                webhooks.c.id == entry.id,
                webhooks.c.status == InboxStatus.PROCESSING.value,
                webhooks.c.processing_attempts == entry.attempts,
            )
            .values(mappers.inbox_entry_to_row(entry))
        )
        return (await self._execute(statement)).rowcount == 1

    async def rearm(self, entry_id: int) -> bool:
        statement = (
            update(webhooks)
            .where(webhooks.c.id == entry_id, webhooks.c.status == InboxStatus.PROCESSING.value)
            .values(status=InboxStatus.RECEIVED.value)
        )
        return (await self._execute(statement)).rowcount == 1

    async def latest_processed_at(self, topic: str, resource: str) -> datetime | None:
        result = await self._execute(
            select(func.max(webhooks.c.processed_at)).where(
                webhooks.c.topic == topic,
                webhooks.c.resource == resource,
                webhooks.c.status == InboxStatus.PROCESSED.value,
            )
        )
        value = result.scalar_one_or_none()
        if value is not None and value.tzinfo is None:
            # func.max loses the column type on SQLite, where the text comes back naive.
            value = value.replace(tzinfo=UTC)
        return value


class SqlSyncLogRepository(_SqlRepository):
    async def add(self, log: SyncLog) -> SyncLog:
        statement = (
            sync_logs.insert().values(mappers.sync_log_to_row(log)).returning(sync_logs.c.id)
        )
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(log, id=new_id, counts=dict(log.counts), errors=list(log.errors))

    async def save(self, log: SyncLog) -> None:
        result = await self._write(
            update(sync_logs).where(sync_logs.c.id == log.id).values(mappers.sync_log_to_row(log))
        )
        if result.rowcount == 0:
            raise NotFound("sync log", log.id)

    async def get(self, log_id: int) -> SyncLog:
        row = await self._one(select(sync_logs).where(sync_logs.c.id == log_id))
        if row is None:
            raise NotFound("sync log", log_id)
        return mappers.sync_log_to_domain(row)

    async def search(self, query: SyncLogQuery) -> Page[SyncLog]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(sync_logs.c.account_id == query.account_id)
        if query.kind is not None:
            conditions.append(sync_logs.c.kind == query.kind)
        statement = (
            select(sync_logs)
            .where(*conditions)
            .order_by(sync_logs.c.started_at.desc(), sync_logs.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [mappers.sync_log_to_domain(row) for row in await self._all(statement)]
        return _page(items, await self._count(sync_logs, conditions), query.paging)


class SqlAuthorizationRequestRepository(_SqlRepository):
    async def add(self, request: AuthorizationRequest) -> None:
        await self._write(
            oauth_states.insert().values(mappers.authorization_request_to_row(request))
        )

    async def take(self, state: str) -> AuthorizationRequest | None:
        # DELETE ... RETURNING is the atomic take: of two concurrent callers, the second
        # waits for the first to commit and then deletes nothing.
        result = await self._write(
            delete(oauth_states).where(oauth_states.c.state == state).returning(*oauth_states.c)
        )
        row = result.mappings().first()
        return None if row is None else mappers.authorization_request_to_domain(row)

    async def purge_expired(self, now: datetime) -> int:
        result = await self._write(delete(oauth_states).where(oauth_states.c.expires_at <= now))
        return result.rowcount


class SqlStockBatchRepository(_SqlRepository):
    async def add(self, batch: StockBatch) -> StockBatch:
        statement = (
            stock_batches.insert()
            .values(mappers.stock_batch_to_row(batch))
            .returning(stock_batches.c.id)
        )
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(batch, id=new_id)

    async def get(self, batch_id: int) -> StockBatch:
        row = await self._one(select(stock_batches).where(stock_batches.c.id == batch_id))
        if row is None:
            raise NotFound("stock batch", batch_id)
        return mappers.stock_batch_to_domain(row)

    async def save(self, batch: StockBatch) -> None:
        result = await self._write(
            update(stock_batches)
            .where(stock_batches.c.id == batch.id)
            .values(mappers.stock_batch_to_row(batch))
        )
        if result.rowcount == 0:
            raise NotFound("stock batch", batch.id)
