"""Marketplace over HTTP (mercadolibre-api.md §3, §9): the seller's profile, the resource
a notification points at, the missed feeds. Every call goes through AccountCalls."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.converter import structure
from adapters.mercadolibre.notifications import MalformedNotification, read_notification
from adapters.mercadolibre.wire import UserAnswer
from application.errors import Unavailable
from application.ports.marketplace import MissedFeedPage
from application.ports.oauth import SellerProfile
from domain.notifications import Notification
from domain.resources import ResourceSnapshot


def shape_of(path: str, params: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The query and headers that make MercadoLibre answer `path` in the shape this
    service parses (§0.3: the shape depends on them, and the default is not ours to rely
    on): shipments with `x-format-new: true` (§6.1), questions with `api_version=4` (§7),
    every /messages call with `tag=post_sale` (§8). What the caller set is kept."""
    query = dict(params)
    headers: dict[str, str] = {}
    if path.startswith("/shipments/"):
        headers["x-format-new"] = "true"
    elif path.startswith("/questions/"):
        query.setdefault("api_version", "4")
    elif path.startswith("/messages/"):
        query.setdefault("tag", "post_sale")
    return query, headers


def notification_from(message: Any) -> Notification | None:
    """A missed feed's message (§9.5) as a notification, or None when it does not say
    what to read and for whom."""
    try:
        return read_notification(message)
    except MalformedNotification:
        return None


class AiohttpMarketplace:
    """Marketplace over HTTP: calls made on behalf of a connected account."""

    def __init__(self, calls: AccountCalls) -> None:
        self._calls = calls

    async def seller_profile(self, account_id: int) -> SellerProfile:
        """§3: GET /users/me with the account's token."""
        body = await self._calls.get(account_id, "/users/me")
        user = structure(body, UserAnswer, "GET /users/me")
        return SellerProfile(user.id, user.nickname, user.site_id, user.email)

    async def fetch_resource(
        self, account_id: int, path: str, params: Mapping[str, str] | None = None
    ) -> ResourceSnapshot:
        """§9.2: GET what the notification pointed at, with the account's own token, asking
        for the shape ownership is read from (`shape_of`)."""
        query, headers = shape_of(path, params or {})
        body = await self._calls.get(account_id, path, query or None, headers or None)
        if not isinstance(body, Mapping):
            raise Unavailable(f"GET {path} answered something other than a JSON object")
        return ResourceSnapshot(path, body, datetime.now(UTC))

    async def missed_feeds(
        self,
        account_id: int,
        application_id: int,
        topic: str,
        site_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> MissedFeedPage:
        """§9.5: GET /missed_feeds?app_id=&topic=[&site_id=]&offset=&limit=."""
        params: dict[str, str | int] = {
            "app_id": str(application_id),
            "topic": topic,
            "offset": offset,
            "limit": limit,
        }
        if site_id is not None:
            params["site_id"] = site_id
        body = await self._calls.get(account_id, "/missed_feeds", params)
        messages = body.get("messages") if isinstance(body, Mapping) else None
        if not isinstance(messages, list):
            raise Unavailable("GET /missed_feeds answered without a list of messages")
        notifications = [notification_from(message) for message in messages]
        readable = tuple(n for n in notifications if n is not None)
        return MissedFeedPage(readable, len(messages), len(messages) - len(readable))
