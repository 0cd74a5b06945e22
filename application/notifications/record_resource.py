"""Reading and storing the resource a notification points at: the one place that does
it, whatever the topic and whoever asks (a notification, a reconciliation).

A notification is unsigned (§9.6) and only says what to GET: the resource is always read
again with the seller's token (§9.2), checked to be that seller's, and stored; listings
go to SyncListing, a topic with a model of its own to its TopicRecorder (questions: typed
questions, §7), every other topic is kept as a snapshot of what MercadoLibre returned.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Protocol
from urllib.parse import parse_qsl

import attrs

from application.errors import Forbidden
from application.ports.marketplace import Marketplace
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.subscriptions.events import announce
from domain.accounts import Account
from domain.notifications import InboxEntry
from domain.resources import ResourceSnapshot, belongs_to, parties

# §9.3: the topics whose resource is a listing, stored by SyncListing.
ITEM_TOPICS = frozenset({"items"})

SyncItem = Callable[[int, str], Awaitable[object]]


@attrs.define(frozen=True)
class TypedRead:
    """What a TopicRecorder read: MercadoLibre's body as a snapshot (for the ownership
    check and the subscribers; never stored as one) and the model it stores."""

    snapshot: ResourceSnapshot
    value: object


class TopicRecorder(Protocol):
    """How a topic with a model of its own is read and stored."""

    async def read(self, account: Account, resource: str) -> TypedRead:
        """Read the resource with the account's token. Raises the gateway's errors
        (NotFound: gone)."""
        ...

    async def store(self, uow: UnitOfWork, read: TypedRead, account: Account) -> None:
        """Store the read inside `uow` (the caller commits); jobs it needs go with
        uow.enqueue_after_commit."""
        ...


Read = ResourceSnapshot | TypedRead | None


def resource_request(topic: str, resource: str) -> tuple[str, dict[str, str]]:
    """The path and query to GET for a notification's resource (§9.3).

    Questions ask for the current shape (`api_version=4`, §7); every `/messages` call needs
    `tag=post_sale` (§8); claims notified under the legacy `claims` topic are read at
    their current address under /post-purchase (§9.3), and leads at the GET paths §9.3
    gives (`/vis/leads/`, `/vis/loans/`) when the notification wrote `/vis_leads/` or
    `/vis/loan/`, as its documented examples do. Anything else is read as given,
    its query string (items_prices: `?context=`) passed as parameters.
    """
    path, _, query = resource.partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    resource_id = _last_segment(path)
    if topic == "questions":
        params.setdefault("api_version", "4")
    elif topic == "messages":
        if not path.startswith("/messages/"):
            path = f"/messages/{resource_id}"
        params.setdefault("tag", "post_sale")
    elif topic in ("claims", "post_purchase") and not path.startswith("/post-purchase/"):
        path = f"/post-purchase/v1/claims/{resource_id}"
    elif topic == "vis_leads" and path.startswith("/vis_leads/"):
        path = f"/vis/leads/{resource_id}"
    elif topic == "leads-credits" and path.startswith("/vis/loan/"):
        path = f"/vis/loans/{resource_id}"
    return path, params


def _last_segment(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


class RecordResource:
    """Read what a notification of `topic` points at for an account, and store it.
    Idempotent: an older read never replaces a newer one."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        marketplace: Marketplace,
        sync_item: SyncItem,
        recorders: Mapping[str, TopicRecorder] | None = None,
    ):
        self._uow = uow
        self._marketplace = marketplace
        self._sync_item = sync_item
        self._recorders = dict(recorders or {})

    async def read(self, account: Account, topic: str, resource: str) -> Read:
        """The resource as MercadoLibre has it now, or None for a listing (SyncListing
        already stored it, or marked it removed on a 404).

        Raises Forbidden for a resource of another seller (public ones, an item, §4.1, can
        be read with any token, so naming one seller and another's resource must not store
        it as the first's) and for one whose body names no owner (domain.resources.parties
        lists the shapes understood): it is refused, never accepted by default, and the
        notification becomes a dead letter with the reason. Raises the gateway's errors
        (NotFound: gone)."""
        assert account.id is not None
        if topic in ITEM_TOPICS:
            # SyncListing refuses another seller's listing the same way.
            await self._sync_item(account.id, _last_segment(resource.partition("?")[0]))
            return None
        recorder = self._recorders.get(topic)
        read: ResourceSnapshot | TypedRead
        if recorder is not None:
            read = await recorder.read(account, resource)
            snapshot = attrs.evolve(read.snapshot, topic=topic, account_id=account.id)
            read = attrs.evolve(read, snapshot=snapshot)
        else:
            path, params = resource_request(topic, resource)
            snapshot = await self._marketplace.fetch_resource(account.id, path, params or None)
            snapshot = read = attrs.evolve(snapshot, topic=topic, account_id=account.id)
        if not belongs_to(snapshot.body, account.seller_id):
            named = parties(snapshot.body)
            whose = (
                "names no owner (no seller, sender, collector or party field it is known "
                "to carry), so it cannot be told to be the seller's"
                if named is None
                else f"names {sorted(named)}"
            )
            raise Forbidden(
                f"{resource} is not seller {account.seller_id}'s: it {whose}; not stored"
            )
        return read

    async def store(
        self,
        uow: UnitOfWork,
        read: Read,
        account: Account,
        entry: InboxEntry | None = None,
        now: datetime | None = None,
    ) -> None:
        """Store a read inside `uow` (the caller commits) and, for a processed
        notification (`entry`), announce it to the subscribers."""
        snapshot = read.snapshot if isinstance(read, TypedRead) else read
        if isinstance(read, TypedRead):
            await self._recorders[read.snapshot.topic].store(uow, read, account)
        elif snapshot is not None:
            await uow.resources.upsert(snapshot)
        if entry is not None:
            assert now is not None
            await announce(uow, entry, account, snapshot, now)

    async def __call__(self, account: Account, topic: str, resource: str) -> None:
        """Read and store, in a unit of work of its own (a reconciliation's re-read)."""
        read = await self.read(account, topic, resource)
        async with self._uow() as uow:
            await self.store(uow, read, account)
            await uow.commit()
