"""FakeMarketplace: the Marketplace port over resources in memory.

It is held to the same contract suite as AiohttpMarketplace on the sandbox
(tests/contracts/test_marketplace.py): the resources notifications point at (§9.2) and the
missed feeds (§9.5).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from application.errors import (
    FieldProblem,
    Forbidden,
    NotFound,
    ReauthorizationRequired,
    ValidationFailed,
)
from application.ports.marketplace import MissedFeedPage
from application.ports.oauth import SellerProfile
from domain.notifications import Notification
from domain.resources import ResourceSnapshot

APPLICATION_ID = 1000000000000001
# §9.5: no maximum `limit` is documented [INF: 1 to 100, 400 otherwise].
MISSED_FEEDS_MAX_LIMIT = 100
# §5.3 / §13: the maximum `limit` of /orders/search is undocumented [INF: 51].
ORDERS_MAX_LIMIT = 51


def iso(moment: datetime) -> str:
    """MercadoLibre's dates: milliseconds and the offset (§5.3)."""
    return moment.isoformat(timespec="milliseconds")


def order_body(
    order_id: int, seller_id: int, updated: datetime, status: str = "paid", **extra: Any
) -> dict[str, Any]:
    """The fields of GET /orders/{id} (§5.1) the searches and the use cases read."""
    return {
        "id": order_id,
        "status": status,
        "seller": {"id": seller_id},
        "date_created": iso(updated),
        "date_last_updated": iso(updated),
        **extra,
    }


def question_body(
    question_id: int,
    seller_id: int,
    created: datetime,
    status: str = "UNANSWERED",
    item_id: str = "MLA1000000001",
    buyer_id: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    """GET /questions/{id}?api_version=4 (§7)."""
    return {
        "id": question_id,
        "seller_id": seller_id,
        "item_id": item_id,
        "status": status,
        "text": "¿Tiene stock?",
        "answer": None,
        "date_created": iso(created),
        "from": {"id": buyer_id},
        "buyer_id": buyer_id,
        "app_id": None,
        "last_updated": iso(created),
        **extra,
    }


def _bad_request(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, reason)], "MercadoLibre refused the request")


class FakeMarketplace:
    """MercadoLibre's resources as the gateway reads them, with MercadoLibre's rules:

    - `fetch_resource`: a resource of another seller is Forbidden (§12.2), one that does
      not exist NotFound; a question reads whole, a search leaves it short (§7);
    - `missed_feeds`: the application's own feed only (Forbidden otherwise), oldest first,
      `topic=items` needs a site and reads that site's items (§9.5);

    Accounts are `connect`ed to a seller first; a call for another account is NotFound,
    as the token source answers. Test controls: `bodies` by path (a body put there
    directly has no owner, so any account reads it), `errors` by path, `gate` (reads wait
    on it), `reading` (set by a read), and `reads` (what was asked),
    `refuse_missed_for` (accounts whose token is refused), `missed_limit` (a cap below
    the page asked for).
    """

    def __init__(self, clock, application_id: int = APPLICATION_ID) -> None:
        self.clock = clock
        self.application_id = application_id
        self.sellers: dict[int, SellerProfile] = {}
        self.bodies: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, int] = {}
        self.errors: dict[str, Exception] = {}
        self.reads: list[tuple[str, Mapping[str, str] | None]] = []
        self.gate: asyncio.Event | None = None
        self.reading = asyncio.Event()
        self.missed: list[Notification] = []
        self.missed_readers: list[int] = []
        self.refuse_missed_for: set[int] = set()
        self.missed_limit = MISSED_FEEDS_MAX_LIMIT
        self._orders: list[str] = []
        self._questions: list[str] = []

    # -- the test's side ------------------------------------------------------------------

    def connect(self, account_id: int, profile: SellerProfile) -> None:
        self.sellers[account_id] = profile

    def add_order(self, body: dict[str, Any]) -> str:
        path = f"/orders/{body['id']}"
        self.bodies[path] = body
        self.owners[path] = body["seller"]["id"]
        if path not in self._orders:
            self._orders.append(path)
        return path

    def add_question(self, body: dict[str, Any]) -> str:
        path = f"/questions/{body['id']}"
        self.bodies[path] = body
        self.owners[path] = body["seller_id"]
        if path not in self._questions:
            self._questions.append(path)
        return path

    def lose(self, *notifications: Notification) -> None:
        """Notifications MercadoLibre gave up delivering to the application (§9.5)."""
        self.missed.extend(notifications)

    def _seller(self, account_id: int) -> SellerProfile:
        profile = self.sellers.get(account_id)
        if profile is None:
            raise NotFound("account", account_id)
        return profile

    # -- the port -------------------------------------------------------------------------

    async def seller_profile(self, account_id: int) -> SellerProfile:
        return self._seller(account_id)

    async def fetch_resource(
        self, account_id: int, path: str, params: Mapping[str, str] | None = None
    ) -> ResourceSnapshot:
        seller = self._seller(account_id)
        self.reads.append((path, params))
        self.reading.set()
        if self.gate is not None:
            await self.gate.wait()
        if path in self.errors:
            raise self.errors[path]
        if path not in self.bodies:
            raise NotFound("resource", path)
        owner = self.owners.get(path)
        if owner is not None and owner != seller.user_id:
            raise Forbidden(f"403 to GET {path}: the user has not access to the resource")
        return ResourceSnapshot(path, dict(self.bodies[path]), self.clock.now())

    async def missed_feeds(
        self,
        account_id: int,
        application_id: int,
        topic: str,
        site_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> MissedFeedPage:
        self.missed_readers.append(account_id)
        if account_id in self.refuse_missed_for:
            raise ReauthorizationRequired(account_id, "invalid_grant")
        self._seller(account_id)
        if application_id != self.application_id:
            raise Forbidden(f"the caller may not read the missed feeds of {application_id}")
        if topic == "items" and site_id is None:
            raise _bad_request("site_id", "The parameter site_id is required for topic items")
        if not 1 <= limit <= MISSED_FEEDS_MAX_LIMIT or offset < 0:
            raise _bad_request("limit", f"limit must be between 1 and {MISSED_FEEDS_MAX_LIMIT}")
        found = [
            n
            for n in self.missed
            if n.topic == topic and (topic != "items" or n.resource.startswith(f"/items/{site_id}"))
        ]
        page = tuple(found[offset : offset + min(limit, self.missed_limit)])
        return MissedFeedPage(page, len(page))
