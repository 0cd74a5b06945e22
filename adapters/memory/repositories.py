"""Repositories over the in-memory store, with the same semantics as the SQL ones:
copies in and out, staged writes, the same uniqueness and reference rules, the same
filters and orders."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import attrs

from adapters.memory.store import (
    ACCOUNTS,
    AUTHORIZATION_REQUESTS,
    DEAD_LETTERS,
    INBOX,
    LISTINGS,
    MESSAGES,
    ORDERS,
    PENDING_INBOX_STATUSES,
    QUESTIONS,
    RESOURCES,
    SHIPMENTS,
    STOCK_BATCHES,
    STOCK_LEDGER,
    STOCK_LEVELS,
    SYNC_LOGS,
    TEMPLATES,
    TOKENS,
    InMemoryStore,
    StagedChanges,
    private_copy,
)
from application.errors import Conflict, NotFound
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
LockRow = Callable[[str, Hashable], Awaitable[None]]

# The tables whose rows carry an account_id with a foreign key to meli_accounts in the SQL
# schema (adapters/sql/tables.py).
ACCOUNT_REFERENCES = (
    LISTINGS,
    ORDERS,
    SHIPMENTS,
    QUESTIONS,
    MESSAGES,
    TEMPLATES,
    SYNC_LOGS,
    RESOURCES,
    DEAD_LETTERS,
)


def _page(matches: Sequence[T], paging: Paging) -> Page[T]:
    window = matches[paging.offset : paging.offset + paging.limit]
    return Page(
        items=[private_copy(item) for item in window],
        total=len(matches),
        offset=paging.offset,
        limit=paging.limit,
    )


def _item_number(item_id: str) -> int:
    return int(item_id[3:])


@attrs.define(frozen=True)
class TokenRecord:
    """An account's sealed tokens (None once erased) and the version of the last store."""

    tokens: SealedTokens | None
    version: int


class _InMemoryRepository:
    def __init__(self, store: InMemoryStore, staged: StagedChanges) -> None:
        self._store = store
        self._staged = staged

    def _require_account(self, account_id: int | None) -> None:
        """The foreign key to meli_accounts of the SQL schema."""
        if account_id is not None and self._staged.get(ACCOUNTS, account_id) is None:
            raise Conflict(f"account {account_id} does not exist")

    def _find(self, table: str, key: Hashable) -> Any | None:
        return private_copy(self._staged.get(table, key))

    def _get(self, table: str, key: Hashable, kind: str) -> Any:
        found = self._find(table, key)
        if found is None:
            raise NotFound(kind, key)
        return found


class InMemoryAccountRepository(_InMemoryRepository):
    def __init__(self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    def _with_token_expiry(self, account: Account) -> Account:
        record = self._staged.get(TOKENS, account.id)
        expires_at = None if record is None or record.tokens is None else record.tokens.expires_at
        return attrs.evolve(private_copy(account), token_expires_at=expires_at)

    async def add(self, account: Account) -> Account:
        stored = attrs.evolve(account, id=self._store.next_id(ACCOUNTS), token_expires_at=None)
        self._staged.put(ACCOUNTS, stored.id, stored)
        return private_copy(stored)

    async def save(self, account: Account) -> None:
        if account.id is None or self._staged.get(ACCOUNTS, account.id) is None:
            raise NotFound("account", account.id)
        # The token expiry belongs to the stored tokens, not to this write.
        self._staged.put(ACCOUNTS, account.id, attrs.evolve(account, token_expires_at=None))

    async def get(self, account_id: int) -> Account:
        account = self._staged.get(ACCOUNTS, account_id)
        if account is None:
            raise NotFound("account", account_id)
        return self._with_token_expiry(account)

    async def find_by_seller(self, seller_id: int) -> Account | None:
        for account in self._staged.values(ACCOUNTS):
            if account.seller_id == seller_id:
                return self._with_token_expiry(account)
        return None

    async def list(self, status: AccountStatus | None = None) -> Sequence[Account]:
        matches = [a for a in self._staged.values(ACCOUNTS) if status is None or a.status == status]
        return [self._with_token_expiry(a) for a in sorted(matches, key=lambda a: a.id)]

    async def get_tokens(self, account_id: int, *, for_update: bool = False) -> SealedTokens | None:
        if for_update and self._staged.get(ACCOUNTS, account_id) is not None:
            await self._lock_row(ACCOUNTS, account_id)
        record = self._staged.get(TOKENS, account_id)
        return None if record is None else record.tokens

    async def store_tokens(self, account_id: int, tokens: SealedTokens) -> SealedTokens:
        if self._staged.get(ACCOUNTS, account_id) is None:
            raise NotFound("account", account_id)
        # Writing a row locks it until the end of the transaction, as on PostgreSQL.
        await self._lock_row(ACCOUNTS, account_id)
        record = self._staged.get(TOKENS, account_id)
        version = (0 if record is None else record.version) + 1
        stored = attrs.evolve(tokens, version=version)
        self._staged.put(TOKENS, account_id, TokenRecord(stored, version))
        return stored

    async def erase_tokens(self, account_id: int) -> None:
        record = self._staged.get(TOKENS, account_id)
        if record is None or record.tokens is None:
            return
        await self._lock_row(ACCOUNTS, account_id)
        self._staged.put(TOKENS, account_id, TokenRecord(None, record.version))

    async def delete(self, account_id: int) -> None:
        if self._staged.get(ACCOUNTS, account_id) is None:
            raise NotFound("account", account_id)
        await self._lock_row(ACCOUNTS, account_id)
        # The foreign keys to meli_accounts of the SQL schema refuse the delete.
        for table in ACCOUNT_REFERENCES:
            if any(row.account_id == account_id for row in self._staged.values(table)):
                raise Conflict(f"account {account_id} is referred to by its {table}")
        self._staged.delete(ACCOUNTS, account_id)
        self._staged.delete(TOKENS, account_id)


class InMemoryListingRepository(_InMemoryRepository):
    async def get(self, item_id: str) -> Listing:
        return self._get(LISTINGS, item_id, "listing")

    async def find(self, item_id: str) -> Listing | None:
        return self._find(LISTINGS, item_id)

    async def find_many(self, item_ids: Iterable[str]) -> dict[str, Listing]:
        found = {}
        for item_id in item_ids:
            listing = self._staged.get(LISTINGS, item_id)
            if listing is not None:
                found[item_id] = private_copy(listing)
        return found

    async def upsert(self, listings: Iterable[Listing]) -> None:
        for listing in listings:
            self._require_account(listing.account_id)
            stored = self._staged.get(LISTINGS, listing.item_id)
            if listing.description is None and stored is not None:
                listing = attrs.evolve(listing, description=stored.description)
            self._staged.put(LISTINGS, listing.item_id, listing)

    async def search(self, query: ListingQuery) -> Page[Listing]:
        needle = query.title.lower() if query.title else None

        def matches(listing: Listing) -> bool:
            return (
                (query.account_id is None or listing.account_id == query.account_id)
                and (query.status is None or listing.status == query.status)
                and (needle is None or needle in listing.title.lower())
                and (query.sku is None or listing.seller_sku == query.sku)
                and (query.include_removed or listing.removed_at is None)
            )

        found = [listing for listing in self._staged.values(LISTINGS) if matches(listing)]
        found.sort(key=lambda item: (_item_number(item.item_id), item.item_id), reverse=True)
        return _page(found, query.paging)

    async def item_ids(self, account_id: int) -> set[str]:
        return {
            listing.item_id
            for listing in self._staged.values(LISTINGS)
            if listing.account_id == account_id and listing.removed_at is None
        }

    async def mark_removed(
        self,
        item_ids: Iterable[str],
        now: datetime,
        *,
        last_updated_before: datetime | None = None,
    ) -> int:
        def changed_since(listing: Listing) -> bool:
            return (
                last_updated_before is not None
                and listing.last_updated is not None
                and listing.last_updated >= last_updated_before
            )

        changed = 0
        for item_id in dict.fromkeys(item_ids):
            listing = self._staged.get(LISTINGS, item_id)
            if listing is not None and listing.removed_at is None and not changed_since(listing):
                self._staged.put(LISTINGS, item_id, attrs.evolve(listing, removed_at=now))
                changed += 1
        return changed


def _variation_order(variation_id: int | None) -> int:
    return 0 if variation_id is None else variation_id


class InMemoryInventoryRepository(_InMemoryRepository):
    async def find(self, item_id: str, variation_id: int | None = None) -> StockLevel | None:
        return self._find(STOCK_LEVELS, (item_id, variation_id))

    async def for_item(self, item_id: str) -> Sequence[StockLevel]:
        levels = [level for level in self._staged.values(STOCK_LEVELS) if level.item_id == item_id]
        levels.sort(key=lambda level: _variation_order(level.variation_id))
        return [private_copy(level) for level in levels]

    async def for_items(self, item_ids: Iterable[str]) -> dict[str, list[StockLevel]]:
        wanted = set(item_ids)
        found: dict[str, list[StockLevel]] = {}
        for level in self._staged.values(STOCK_LEVELS):
            if level.item_id in wanted:
                found.setdefault(level.item_id, []).append(private_copy(level))
        for levels in found.values():
            levels.sort(key=lambda level: _variation_order(level.variation_id))
        return dict(sorted(found.items()))

    async def upsert(self, levels: Iterable[StockLevel]) -> None:
        for level in levels:
            self._staged.put(STOCK_LEVELS, (level.item_id, level.variation_id), level)

    async def remove(self, keys: Iterable[tuple[str, int | None]]) -> int:
        removed = 0
        for key in dict.fromkeys(keys):
            if self._staged.get(STOCK_LEVELS, key) is not None:
                self._staged.delete(STOCK_LEVELS, key)
                removed += 1
        return removed

    async def record_change(self, change: StockChange) -> StockChange:
        stored = attrs.evolve(change, id=self._store.next_id(STOCK_LEDGER))
        self._staged.put(STOCK_LEDGER, stored.id, stored)
        return stored

    async def latest_change(
        self, item_id: str, variation_id: int | None = None, *, requests_only: bool = False
    ) -> StockChange | None:
        changes = [
            change
            for change in self._staged.values(STOCK_LEDGER)
            if change.item_id == item_id
            and change.variation_id == variation_id
            and not (requests_only and change.source == REPAIR_SOURCE)
        ]
        if not changes:
            return None
        return private_copy(max(changes, key=lambda change: (change.requested_at, change.id)))


class InMemoryOrderRepository(_InMemoryRepository):
    async def get(self, order_id: int) -> Order:
        return self._get(ORDERS, order_id, "order")

    async def find(self, order_id: int) -> Order | None:
        return self._find(ORDERS, order_id)

    async def upsert(self, orders: Iterable[Order]) -> None:
        for order in orders:
            self._require_account(order.account_id)
            self._staged.put(ORDERS, order.id, order)

    async def search(self, query: OrderQuery) -> Page[Order]:
        def matches(order: Order) -> bool:
            return (
                (query.account_id is None or order.account_id == query.account_id)
                and (query.status is None or order.status == query.status)
                and (query.created_from is None or order.date_created >= query.created_from)
                and (query.created_to is None or order.date_created <= query.created_to)
            )

        found = [order for order in self._staged.values(ORDERS) if matches(order)]
        found.sort(key=lambda order: (order.date_created, order.id), reverse=True)
        return _page(found, query.paging)


class InMemoryShipmentRepository(_InMemoryRepository):
    async def get(self, shipment_id: int) -> Shipment:
        return self._get(SHIPMENTS, shipment_id, "shipment")

    async def find(self, shipment_id: int) -> Shipment | None:
        return self._find(SHIPMENTS, shipment_id)

    async def upsert(self, shipments: Iterable[Shipment]) -> None:
        for shipment in shipments:
            self._require_account(shipment.account_id)
            self._staged.put(SHIPMENTS, shipment.id, shipment)


class InMemoryQuestionRepository(_InMemoryRepository):
    async def get(self, question_id: int) -> Question:
        return self._get(QUESTIONS, question_id, "question")

    async def find(self, question_id: int) -> Question | None:
        return self._find(QUESTIONS, question_id)

    async def upsert(self, questions: Iterable[Question]) -> None:
        for question in questions:
            self._require_account(question.account_id)
            self._staged.put(QUESTIONS, question.id, question)

    async def search(self, query: QuestionQuery) -> Page[Question]:
        def matches(question: Question) -> bool:
            return (
                (query.account_id is None or question.account_id == query.account_id)
                and (query.status is None or question.status == query.status)
                and (query.item_id is None or question.item_id == query.item_id)
            )

        found = [question for question in self._staged.values(QUESTIONS) if matches(question)]
        found.sort(key=lambda question: (question.date_created, question.id), reverse=True)
        return _page(found, query.paging)


class InMemoryMessageRepository(_InMemoryRepository):
    async def find(self, message_id: str) -> Message | None:
        return self._find(MESSAGES, message_id)

    async def upsert(self, messages: Iterable[Message]) -> None:
        for message in messages:
            self._require_account(message.account_id)
            self._staged.put(MESSAGES, message.id, message)

    async def conversation(self, account_id: int, pack_id: int) -> Sequence[Message]:
        found = [
            message
            for message in self._staged.values(MESSAGES)
            if message.account_id == account_id and message.pack_id == pack_id
        ]
        found.sort(key=lambda message: (message.date_created, message.id))
        return [private_copy(message) for message in found]


class InMemoryMessageTemplateRepository(_InMemoryRepository):
    async def add(self, template: MessageTemplate) -> MessageTemplate:
        self._require_account(template.account_id)
        stored = attrs.evolve(template, id=self._store.next_id(TEMPLATES))
        self._staged.put(TEMPLATES, stored.id, stored)
        return stored

    async def get(self, template_id: int) -> MessageTemplate:
        return self._get(TEMPLATES, template_id, "message template")

    async def save(self, template: MessageTemplate) -> None:
        if template.id is None or self._staged.get(TEMPLATES, template.id) is None:
            raise NotFound("message template", template.id)
        self._require_account(template.account_id)
        self._staged.put(TEMPLATES, template.id, template)

    async def list(self, account_id: int | None = None) -> Sequence[MessageTemplate]:
        found = [
            template
            for template in self._staged.values(TEMPLATES)
            if template.account_id is None or template.account_id == account_id
        ]
        found.sort(key=lambda template: (template.name, template.id))
        return found

    async def delete(self, template_id: int) -> None:
        if self._staged.get(TEMPLATES, template_id) is None:
            raise NotFound("message template", template_id)
        self._staged.delete(TEMPLATES, template_id)


def _claimable(entry: InboxEntry, now: datetime) -> bool:
    if entry.status is InboxStatus.RECEIVED:
        return True
    if entry.status in (InboxStatus.FAILED, InboxStatus.PROCESSING):
        return entry.next_attempt_at is None or entry.next_attempt_at <= now
    return False


class InMemoryNotificationInbox(_InMemoryRepository):
    def __init__(
        self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow | None = None
    ) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    async def _lock(self, entry_id: int | None) -> None:
        # Claims, finishes and re-arms hold the row until commit, as UPDATE does on
        # PostgreSQL: a concurrent one then sees what the first committed.
        if self._lock_row is not None and entry_id is not None:
            await self._lock_row(INBOX, entry_id)

    async def claim(self, entry_id: int, now: datetime, lease_until: datetime) -> InboxEntry | None:
        await self._lock(entry_id)
        stored = self._staged.get(INBOX, entry_id)
        if stored is None or not _claimable(stored, now):
            return None
        claimed = private_copy(stored)
        if stored.status is InboxStatus.PROCESSING:
            claimed.failures += 1  # a takeover: that read died or outlived its lease
        claimed.move_to(InboxStatus.PROCESSING, now)
        claimed.next_attempt_at = lease_until
        self._staged.put(INBOX, entry_id, claimed)
        return private_copy(claimed)

    async def finish(self, entry: InboxEntry) -> bool:
        await self._lock(entry.id)
        stored = self._staged.get(INBOX, entry.id)
        if (
            stored is None
            or stored.status is not InboxStatus.PROCESSING
            or stored.attempts != entry.attempts
        ):
            return False
        self._staged.put(INBOX, entry.id, entry)
        return True

    async def rearm(self, entry_id: int) -> bool:
        await self._lock(entry_id)
        stored = self._staged.get(INBOX, entry_id)
        if stored is None or stored.status is not InboxStatus.PROCESSING:
            return False
        self._staged.put(INBOX, entry_id, attrs.evolve(stored, status=InboxStatus.RECEIVED))
        return True

    async def latest_processed_at(self, topic: str, resource: str) -> datetime | None:
        times = [
            entry.processed_at
            for entry in self._staged.values(INBOX)
            if entry.status is InboxStatus.PROCESSED
            and entry.processed_at is not None
            and entry.notification.topic == topic
            and entry.notification.resource == resource
        ]
        return max(times, default=None)

    async def add(self, entry: InboxEntry) -> tuple[InboxEntry, bool]:
        notification = entry.notification
        same_resource = None
        for stored in self._staged.values(INBOX):
            if stored.notification.id == notification.id:
                return private_copy(stored), False
            if (
                same_resource is None
                and stored.status in PENDING_INBOX_STATUSES
                and stored.notification.topic == notification.topic
                and stored.notification.resource == notification.resource
            ):
                same_resource = stored
        if same_resource is not None:
            return private_copy(same_resource), False
        stored = attrs.evolve(entry, id=self._store.next_id(INBOX))
        self._staged.put(INBOX, stored.id, stored)
        return private_copy(stored), True

    async def add_many(self, entries: Sequence[InboxEntry]) -> list[tuple[InboxEntry, bool]]:
        return [await self.add(entry) for entry in entries]

    async def get(self, entry_id: int) -> InboxEntry:
        return self._get(INBOX, entry_id, "notification")

    async def save(self, entry: InboxEntry) -> None:
        if entry.id is None or self._staged.get(INBOX, entry.id) is None:
            raise NotFound("notification", entry.id)
        self._staged.put(INBOX, entry.id, entry)

    async def search(self, query: InboxQuery) -> Page[InboxEntry]:
        found = [
            entry
            for entry in self._staged.values(INBOX)
            if (query.status is None or entry.status == query.status)
            and (query.topic is None or entry.notification.topic == query.topic)
        ]
        found.sort(key=lambda entry: (entry.received_at, entry.id), reverse=True)
        return _page(found, query.paging)

    async def counts(self) -> dict[tuple[str, InboxStatus], int]:
        return dict(
            Counter(
                (entry.notification.topic, entry.status) for entry in self._staged.values(INBOX)
            )
        )

    async def pending(
        self,
        received_before: datetime,
        limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> Sequence[InboxEntry]:
        def waiting(entry: InboxEntry) -> bool:
            if entry.received_at >= received_before:
                return False
            if after is not None and (entry.received_at, entry.id) <= after:
                return False
            if entry.status is InboxStatus.RECEIVED:
                return True
            return entry.status in (InboxStatus.FAILED, InboxStatus.PROCESSING) and (
                entry.next_attempt_at is None or entry.next_attempt_at <= received_before
            )

        found = [entry for entry in self._staged.values(INBOX) if waiting(entry)]
        found.sort(key=lambda entry: (entry.received_at, entry.id))
        return [private_copy(entry) for entry in found[:limit]]


class InMemorySyncLogRepository(_InMemoryRepository):
    async def add(self, log: SyncLog) -> SyncLog:
        self._require_account(log.account_id)
        stored = attrs.evolve(log, id=self._store.next_id(SYNC_LOGS))
        self._staged.put(SYNC_LOGS, stored.id, stored)
        return private_copy(stored)

    async def save(self, log: SyncLog) -> None:
        if log.id is None or self._staged.get(SYNC_LOGS, log.id) is None:
            raise NotFound("sync log", log.id)
        self._require_account(log.account_id)
        self._staged.put(SYNC_LOGS, log.id, log)

    async def get(self, log_id: int) -> SyncLog:
        return self._get(SYNC_LOGS, log_id, "sync log")

    async def search(self, query: SyncLogQuery) -> Page[SyncLog]:
        found = [
            log
            for log in self._staged.values(SYNC_LOGS)
            if (query.account_id is None or log.account_id == query.account_id)
            and (query.kind is None or log.kind == query.kind)
        ]
        found.sort(key=lambda log: (log.started_at, log.id), reverse=True)
        return _page(found, query.paging)


class InMemoryAuthorizationRequestRepository(_InMemoryRepository):
    def __init__(self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    async def add(self, request: AuthorizationRequest) -> None:
        if self._staged.get(AUTHORIZATION_REQUESTS, request.state) is not None:
            raise Conflict("this state is already pending")
        self._staged.put(AUTHORIZATION_REQUESTS, request.state, request)

    async def take(self, state: str) -> AuthorizationRequest | None:
        # The row lock makes a concurrent take wait for this unit of work, as the SQL
        # DELETE ... RETURNING does; it then finds nothing.
        await self._lock_row(AUTHORIZATION_REQUESTS, state)
        found = self._staged.get(AUTHORIZATION_REQUESTS, state)
        if found is None:
            return None
        self._staged.delete(AUTHORIZATION_REQUESTS, state)
        return private_copy(found)

    async def purge_expired(self, now: datetime) -> int:
        expired = [
            key
            for key, request in self._staged.rows(AUTHORIZATION_REQUESTS)
            if request.expires_at <= now
        ]
        for key in expired:
            self._staged.delete(AUTHORIZATION_REQUESTS, key)
        return len(expired)


class InMemoryStockBatchRepository(_InMemoryRepository):
    async def add(self, batch: StockBatch) -> StockBatch:
        stored = attrs.evolve(batch, id=self._store.next_id(STOCK_BATCHES))
        self._staged.put(STOCK_BATCHES, stored.id, stored)
        return private_copy(stored)

    async def get(self, batch_id: int) -> StockBatch:
        return self._get(STOCK_BATCHES, batch_id, "stock batch")

    async def save(self, batch: StockBatch) -> None:
        if batch.id is None or self._staged.get(STOCK_BATCHES, batch.id) is None:
            raise NotFound("stock batch", batch.id)
        self._staged.put(STOCK_BATCHES, batch.id, batch)
