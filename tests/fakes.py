"""Fakes for unit tests of use cases: they behave like the real thing, in memory."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

from application.errors import InvalidGrant, LockTimeout
from application.ports.oauth import SellerProfile
from domain.accounts import TokenPair


class FakeOAuthGateway:
    """MercadoLibre's OAuth rules (mercadolibre-api.md §1.2-§1.3): codes work once,
    refresh tokens are single use and only the latest one is valid."""

    def __init__(self, clock, expires_in: int = 21600, latency: float = 0.0) -> None:
        self._clock = clock
        self.expires_in = expires_in
        self.latency = latency
        self.codes: dict[str, tuple[int, str]] = {}  # code -> (user_id, verifier)
        self.latest_refresh: dict[int, str] = {}
        self.profiles: dict[int, SellerProfile] = {}
        self.refresh_calls = 0
        self.exchange_calls = 0

    def authorization_url(self, site_id: str, state: str, code_challenge: str) -> str:
        return f"https://auth.example/{site_id}?state={state}&code_challenge={code_challenge}"

    def issue_code(
        self, user_id: int, verifier: str, nickname: str = "SELLER", site_id: str = "MLA"
    ) -> str:
        code = f"TG-{secrets.token_hex(12)}-{user_id}"
        self.codes[code] = (user_id, verifier)
        self.profiles[user_id] = SellerProfile(user_id, nickname, site_id)
        return code

    def _pair(self, user_id: int) -> TokenPair:
        refresh = f"TG-{secrets.token_hex(12)}-{user_id}"
        self.latest_refresh[user_id] = refresh
        return TokenPair.issued(
            f"APP_USR-1-{secrets.token_hex(16)}-{user_id}",
            refresh,
            self.expires_in,
            self._clock.now(),
            "offline_access read write",
            user_id,
        )

    async def exchange_code(self, code: str, code_verifier: str) -> TokenPair:
        self.exchange_calls += 1
        user_id, verifier = self.codes.pop(code, (None, None))
        if user_id is None or verifier != code_verifier:
            raise InvalidGrant("invalid code or verifier")
        return self._pair(user_id)

    async def refresh(self, refresh_token: str) -> TokenPair:
        self.refresh_calls += 1
        await asyncio.sleep(self.latency)
        user_id = int(refresh_token.rsplit("-", 1)[-1])
        if self.latest_refresh.get(user_id) != refresh_token:
            raise InvalidGrant("refresh token already used")
        return self._pair(user_id)

    async def profile(self, access_token: str) -> SellerProfile:
        return self.profiles[int(access_token.rsplit("-", 1)[-1])]

    def revoke(self, user_id: int) -> None:
        self.latest_refresh.pop(user_id, None)


class ProcessLock:
    """Lock port inside one process (the real adapters add other processes)."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def hold(self, name: str, timeout: float = 30.0) -> AsyncIterator[None]:
        lock = self._locks.setdefault(name, asyncio.Lock())
        try:
            await asyncio.wait_for(lock.acquire(), timeout)
        except TimeoutError:
            raise LockTimeout(name, timeout) from None
        try:
            yield
        finally:
            lock.release()


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


class FakeCatalogue:
    """The read side of ListingGateway over a list of listings, with MercadoLibre's scan
    and multiget rules (§4.11): 100 ids per page, 20 ids per multiget, a scroll that
    expires. Counts calls like /_sandbox/stats would."""

    def __init__(
        self,
        listings,
        expire_after_pages: int | None = None,
        failing_ids: frozenset[str] = frozenset(),
    ) -> None:
        from collections import Counter

        self.listings = {listing.item_id: listing for listing in listings}
        self.calls: Counter = Counter()
        self.expire_after_pages = expire_after_pages
        self.failing_ids = failing_ids
        self._scrolls: dict[str, int] = {}
        self.fetched_ids: list[str] = []

    async def scan_item_ids(self, account_id, seller_id, scroll_id=None, limit=100):
        from application.errors import ScrollExpired
        from application.ports.listing_gateway import ItemIdPage

        self.calls["scan"] += 1
        assert limit <= 100
        ids = sorted(self.listings)
        if scroll_id is None:
            position = 0
        elif scroll_id not in self._scrolls:
            raise ScrollExpired("unknown scroll")
        else:
            position = self._scrolls.pop(scroll_id)
        if self.expire_after_pages is not None and position // limit >= self.expire_after_pages:
            self.expire_after_pages = None
            raise ScrollExpired("scroll expired")
        page = ids[position : position + limit]
        next_scroll = None
        if page:
            next_scroll = f"scroll-{position + limit}"
            self._scrolls[next_scroll] = position + limit
        return ItemIdPage(tuple(page), len(ids), next_scroll)

    async def get_listings(self, account_id, item_ids):
        from application.errors import Unavailable

        self.calls["multiget"] += 1
        assert len(item_ids) <= 20, "multiget takes at most 20 ids"
        if self.failing_ids & set(item_ids):
            raise Unavailable("503 from MercadoLibre (after 5 attempts)")
        self.fetched_ids.extend(item_ids)
        return {i: self.listings[i] for i in item_ids if i in self.listings}
