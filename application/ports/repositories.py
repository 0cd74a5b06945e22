"""Repositories: the unit of work's view of stored aggregates.

Every method works inside the unit of work that owns the repository; none commits.
`get` raises NotFound, `find` returns None. Writes are idempotent upserts unless named
`add`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from application.queries import (
    DeadLetterQuery,
    DeliveryQuery,
    InboxQuery,
    ListingQuery,
    OrderQuery,
    Page,
    QuestionQuery,
    ResourceQuery,
    SyncLogQuery,
)
from domain.accounts import Account, AccountStatus, AuthorizationRequest, SealedTokens
from domain.dead_letters import DeadLetter
from domain.inventory import StockBatch, StockChange, StockLevel
from domain.listings import Listing
from domain.messages import Message, MessageTemplate
from domain.notifications import InboxEntry, InboxStatus
from domain.orders import Order
from domain.questions import Question
from domain.resources import ResourceSnapshot
from domain.shipments import Shipment
from domain.subscriptions import Subscription, WebhookDelivery
from domain.sync import SyncLog


class AccountRepository(Protocol):
    """Accounts and their sealed tokens.

    `Account.token_expires_at` mirrors the stored tokens: `store_tokens` and
    `erase_tokens` set it, `add` and `save` leave it alone (so a stale copy of the
    account cannot move the expiry of tokens another process refreshed).
    """

    async def add(self, account: Account) -> Account:
        """Store a new account and return it as stored, with its id. Raises Conflict if
        the seller is already connected."""
        ...

    async def save(self, account: Account) -> None:
        """Store changes to an existing account. Raises NotFound."""
        ...

    async def get(self, account_id: int) -> Account: ...

    async def find_by_seller(self, seller_id: int) -> Account | None: ...

    async def list(self, status: AccountStatus | None = None) -> Sequence[Account]:
        """Accounts ordered by id, optionally only those in one status."""
        ...

    async def get_tokens(self, account_id: int, *, for_update: bool = False) -> SealedTokens | None:
        """The sealed token pair, or None if the account has none.

        With `for_update`, stores that support it lock the row until the unit of work
        ends (PostgreSQL `SELECT ... FOR UPDATE`), so the read is the latest committed one.
        """
        ...

    async def store_tokens(self, account_id: int, tokens: SealedTokens) -> SealedTokens:
        """Replace the sealed pair; return it with its version bumped. Raises NotFound."""
        ...

    async def erase_tokens(self, account_id: int) -> None:
        """Forget the tokens (disconnect). Idempotent; the version is kept, so the next
        `store_tokens` still bumps it."""
        ...

    async def delete(self, account_id: int) -> None:
        """Remove the account and its tokens (a connect that turned out untrustworthy
        takes back the row it made). Raises NotFound, and Conflict if anything refers
        to the account (listings, orders, sync logs, dead letters, ...): such an
        account is kept, never removed with its data."""
        ...


class ListingRepository(Protocol):
    async def get(self, item_id: str) -> Listing: ...

    async def find(self, item_id: str) -> Listing | None: ...

    async def find_many(self, item_ids: Iterable[str]) -> dict[str, Listing]:
        """The stored listings among `item_ids`, by id; missing ids are left out."""
        ...

    async def upsert(self, listings: Iterable[Listing]) -> None:
        """Insert or replace each listing by item id, in order (the last copy of an id
        wins). A listing whose description is None keeps the stored description: None
        means "not read" (multigets leave it out, §4.11; it is its own resource, §4.7),
        and MercadoLibre has no way to delete one (§4.7). Idempotent."""
        ...

    async def search(self, query: ListingQuery) -> Page[Listing]:
        """Listings matching the query, newest first by item id."""
        ...

    async def item_ids(self, account_id: int) -> set[str]:
        """Ids of the account's listings that are not marked removed."""
        ...

    async def mark_removed(
        self,
        item_ids: Iterable[str],
        now: datetime,
        *,
        last_updated_before: datetime | None = None,
    ) -> int:
        """Mark listings as no longer on MercadoLibre; return how many changed. With
        `last_updated_before`, leave out listings whose MercadoLibre `last_updated` is that
        moment or later (one changed since was alive then); an unknown one does not count
        as later. Unknown ids and listings already removed are skipped. Idempotent."""
        ...


class InventoryRepository(Protocol):
    async def find(self, item_id: str, variation_id: int | None = None) -> StockLevel | None: ...

    async def for_item(self, item_id: str) -> Sequence[StockLevel]:
        """Every stock level of an item (one per variation, or one without)."""
        ...

    async def for_items(self, item_ids: Iterable[str]) -> dict[str, list[StockLevel]]:
        """The stock levels of many items in one read, by item id; items without any
        level are absent."""
        ...

    async def upsert(self, levels: Iterable[StockLevel]) -> None: ...

    async def remove(self, keys: Iterable[tuple[str, int | None]]) -> int:
        """Delete the stock levels with these (item id, variation id) keys: stock the
        listing no longer has (its item-level count once it has variations, a variation
        deleted on MercadoLibre). Return how many were deleted. The stock ledger keeps
        their history. Idempotent: unknown keys are skipped."""
        ...

    async def record_change(self, change: StockChange) -> StockChange:
        """Append to the stock ledger; return the entry with its id."""
        ...

    async def latest_change(
        self, item_id: str, variation_id: int | None = None, *, requests_only: bool = False
    ) -> StockChange | None:
        """The ledger entry with the latest `requested_at` for this item or variation;
        with `requests_only`, leaving out the inventory sync's repairs (REPAIR_SOURCE)."""
        ...


class OrderRepository(Protocol):
    async def get(self, order_id: int) -> Order: ...

    async def find(self, order_id: int) -> Order | None: ...

    async def upsert(self, orders: Iterable[Order]) -> None: ...

    async def search(self, query: OrderQuery) -> Page[Order]:
        """Orders matching the query, newest `date_created` first; `created_from` and
        `created_to` are both inclusive."""
        ...


class ShipmentRepository(Protocol):
    async def get(self, shipment_id: int) -> Shipment: ...

    async def find(self, shipment_id: int) -> Shipment | None: ...

    async def upsert(self, shipments: Iterable[Shipment]) -> None: ...


class QuestionRepository(Protocol):
    async def get(self, question_id: int) -> Question: ...

    async def find(self, question_id: int) -> Question | None: ...

    async def upsert(self, questions: Iterable[Question]) -> None: ...

    async def search(self, query: QuestionQuery) -> Page[Question]:
        """Questions matching the query, newest first."""
        ...


class MessageRepository(Protocol):
    async def find(self, message_id: str) -> Message | None: ...

    async def upsert(self, messages: Iterable[Message]) -> None: ...

    async def conversation(self, account_id: int, pack_id: int) -> Sequence[Message]:
        """The messages of one conversation, oldest first."""
        ...


class MessageTemplateRepository(Protocol):
    async def add(self, template: MessageTemplate) -> MessageTemplate:
        """Store and return with its id. Raises Conflict if the name is taken (per account)."""
        ...

    async def get(self, template_id: int) -> MessageTemplate: ...

    async def save(self, template: MessageTemplate) -> None:
        """Store changes to a template. Raises NotFound, or Conflict if the new name is
        taken (per account)."""
        ...

    async def list(self, account_id: int | None = None) -> Sequence[MessageTemplate]:
        """Templates of the account plus the shared ones (account_id None), by name
        (code point order); without an account, only the shared ones."""
        ...

    async def delete(self, template_id: int) -> None:
        """Remove the template. Raises NotFound."""
        ...


class NotificationInbox(Protocol):
    """The stored MercadoLibre notifications (table meli_webhooks)."""

    async def add(self, entry: InboxEntry) -> tuple[InboxEntry, bool]:
        """Store a notification unless it is a duplicate; return the stored entry and
        whether it was new.

        Duplicates: the same notification id, or the same topic and resource while an
        earlier entry for them is still pending (received, processing or failed).
        """
        ...

    async def add_many(self, entries: Sequence[InboxEntry]) -> list[tuple[InboxEntry, bool]]:
        """`add` for several entries at once (one statement where the store allows), in
        order; an entry may be a duplicate of one before it in the same call."""
        ...

    async def get(self, entry_id: int) -> InboxEntry: ...

    async def save(self, entry: InboxEntry) -> None:
        """Store changes to an entry. Raises NotFound, or Conflict if the entry would
        become a second pending one for its topic and resource (replaying a dead entry
        while a newer one waits)."""
        ...

    async def search(self, query: InboxQuery) -> Page[InboxEntry]:
        """Entries matching the query, latest received first."""
        ...

    async def counts(self) -> dict[tuple[str, InboxStatus], int]:
        """How many entries per (topic, status)."""
        ...

    async def pending(
        self,
        received_before: datetime,
        limit: int,
        after: tuple[datetime, int] | None = None,
    ) -> Sequence[InboxEntry]:
        """Entries not finished (received, processing, failed due) received before a time,
        oldest first: what a sweep must enqueue again.

        A failed entry is due when its `next_attempt_at` is unset or not after
        `received_before`; so is a processing one (there `next_attempt_at` is the end of
        the worker's lease). `after` continues from the (received_at, id) of the last
        entry of the previous page.
        """
        ...

    # --- Processing (issue 7): atomic moves that several workers may race for ---------

    async def claim(self, entry_id: int, now: datetime, lease_until: datetime) -> InboxEntry | None:
        """Move the entry to processing for one worker and return it, or None when it is
        not this worker's to take: finished, not due (failed with `next_attempt_at` after
        `now`), or processing under another worker's lease (`next_attempt_at` after
        `now`). Counts the attempt and sets `next_attempt_at` to `lease_until`. Of two
        concurrent claims, one wins."""
        ...

    async def finish(self, entry: InboxEntry) -> bool:
        """Store the outcome of a claimed entry (processed, failed, dead) if it is still
        the claim it was: processing, with the same attempt count. False, and nothing
        stored, when another worker claimed it since or `rearm` put it back."""
        ...

    async def rearm(self, entry_id: int) -> bool:
        """A processing entry goes back to received, because a newer notification for its
        resource arrived while a worker was reading it; that worker's `finish` then fails
        and the entry is read again. False if it was not processing."""
        ...

    async def latest_processed_at(self, topic: str, resource: str) -> datetime | None:
        """The latest `processed_at` of the topic and resource: when the last read of the
        resource that was stored began."""
        ...


class SyncLogRepository(Protocol):
    async def add(self, log: SyncLog) -> SyncLog:
        """Store a new run and return it with its id."""
        ...

    async def save(self, log: SyncLog) -> None: ...

    async def get(self, log_id: int) -> SyncLog: ...

    async def search(self, query: SyncLogQuery) -> Page[SyncLog]:
        """Runs matching the query, newest first."""
        ...


class StockBatchRepository(Protocol):
    """Bulk stock updates and their per-item results."""

    async def add(self, batch: StockBatch) -> StockBatch:
        """Store a new batch and return it with its id."""
        ...

    async def get(self, batch_id: int) -> StockBatch: ...

    async def save(self, batch: StockBatch) -> None:
        """Store the batch's status and results. Raises NotFound."""
        ...


class AuthorizationRequestRepository(Protocol):
    """Pending OAuth connect flows (state and PKCE verifier), each usable once."""

    async def add(self, request: AuthorizationRequest) -> None: ...

    async def take(self, state: str) -> AuthorizationRequest | None:
        """Remove and return the request with this state, or None if there is none.
        Atomic: of two concurrent takes of one state, only one gets it."""
        ...

    async def purge_expired(self, now: datetime) -> int:
        """Delete requests past their expiry; return how many."""
        ...


# --- Real time (issue 7) ---------------------------------------------------------------


class ResourceSnapshotRepository(Protocol):
    """The last read of each MercadoLibre resource (table meli_resources)."""

    async def upsert(self, snapshot: ResourceSnapshot) -> bool:
        """Store the snapshot unless a newer one of its path is stored; return whether it
        was stored. Idempotent. Raises Conflict if its account does not exist."""
        ...

    async def find(self, path: str) -> ResourceSnapshot | None: ...

    async def search(self, query: ResourceQuery) -> Page[ResourceSnapshot]:
        """Snapshots matching the query, by path (code point order)."""
        ...


class DeadLetterRepository(Protocol):
    """Failed work kept for an operator (table meli_dead_letters)."""

    async def add(self, letter: DeadLetter) -> DeadLetter:
        """Store and return with its id."""
        ...

    async def get(self, letter_id: int) -> DeadLetter: ...

    async def mark_replayed(self, letter_id: int, now: datetime) -> bool:
        """Set the replay time of a letter that has none, in one conditional update
        (`... WHERE id = :id AND replayed_at IS NULL`): True if this call set it; False
        if the letter was replayed already, or is unknown. Of concurrent calls for one
        letter exactly one gets True: the row stays locked until the unit of work ends,
        and a call waiting for it sees the replay once that commits."""
        ...

    async def search(self, query: DeadLetterQuery) -> Page[DeadLetter]:
        """Letters matching the query, newest first."""
        ...

    async def count_open(self) -> int:
        """How many letters were not replayed."""
        ...


class SubscriptionRepository(Protocol):
    """Other services' subscriptions to processed events (table meli_subscriptions)."""

    async def add(self, subscription: Subscription) -> Subscription:
        """Store and return with its id."""
        ...

    async def get(self, subscription_id: int) -> Subscription:
        """The subscription, deleted or not. Raises NotFound."""
        ...

    async def save(self, subscription: Subscription) -> None:
        """Store changes (deletion is a `deleted_at`, so the delivery log keeps its
        subscription). Raises NotFound."""
        ...

    async def list(self) -> Sequence[Subscription]:
        """Subscriptions not deleted, by id."""
        ...

    async def matching(self, topic: str) -> Sequence[Subscription]:
        """Subscriptions not deleted for `topic` or for every topic, by id."""
        ...


class WebhookDeliveryRepository(Protocol):
    """The log of deliveries to subscribers (table meli_webhook_deliveries)."""

    async def add(self, delivery: WebhookDelivery) -> tuple[WebhookDelivery, bool]:
        """Store unless the subscription already has a delivery of the event; return the
        stored delivery and whether it is new."""
        ...

    async def get(self, delivery_id: int) -> WebhookDelivery: ...

    async def save(self, delivery: WebhookDelivery) -> None:
        """Raises NotFound."""
        ...

    async def claim(
        self, delivery_id: int, now: datetime, lease_until: datetime
    ) -> WebhookDelivery | None:
        """Take a pending delivery whose `next_attempt_at` is unset or not after `now`
        for one attempt, setting `next_attempt_at` to `lease_until`; None otherwise. Of
        two concurrent claims, one wins."""
        ...

    async def due(self, before: datetime, limit: int) -> Sequence[WebhookDelivery]:
        """Pending deliveries created before a time whose `next_attempt_at` is unset or
        not after it, oldest first: what a sweep must enqueue again."""
        ...

    async def search(self, query: DeliveryQuery) -> Page[WebhookDelivery]:
        """Deliveries matching the query, newest first."""
        ...
