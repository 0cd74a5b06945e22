"""The MercadoLibre gateway for what notifications point at, as the use cases see it.

Every method raises the port-level errors of application.errors, never HTTP or driver
errors: NotFound, ValidationFailed (with MercadoLibre's causes), Unauthorized, Forbidden,
RateLimited / QuotaExhausted, Unavailable. Calls on behalf of an account obtain its access
token from an AccessTokenSource and retry once with a renewed token after a 401
(mercadolibre-api.md §2.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs

from application.ports.oauth import SellerProfile
from domain.notifications import Notification
from domain.resources import ResourceSnapshot


@attrs.define(frozen=True)
class MissedFeedPage:
    """One page of GET /missed_feeds (§9.5): the notifications MercadoLibre gave up
    delivering, read leniently like a live one (§9.2). `size` counts every message of the
    page, `unreadable` those that could not be read as a notification at all."""

    notifications: tuple[Notification, ...]
    size: int
    unreadable: int = 0


class Marketplace(Protocol):
    """Calls made on behalf of a connected account."""

    async def seller_profile(self, account_id: int) -> SellerProfile:
        """GET /users/me with the account's token (§3)."""
        ...

    # Notifications (mercadolibre-api.md §9)

    async def fetch_resource(
        self, account_id: int, path: str, params: Mapping[str, str] | None = None
    ) -> ResourceSnapshot:
        """GET the resource a notification points at, with the account's token (§9.2:
        always re-read the resource). `path` carries no query string. Raises NotFound
        (gone), Forbidden (not the account's, §12.2), ValidationFailed (MercadoLibre
        refused the request, e.g. §8.4's 400 for an unknown message), and the transient
        errors. Idempotent."""
        ...

    async def missed_feeds(
        self,
        account_id: int,
        application_id: int,
        topic: str,
        site_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> MissedFeedPage:
        """GET /missed_feeds?app_id=&topic=[&site_id=]&offset=&limit= (§9.5), with the
        token of any seller who authorized the application; `topic=items` needs
        `site_id`. Idempotent."""
        ...
