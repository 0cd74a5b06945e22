"""The token vault: every access token the gateway uses comes from here.

MercadoLibre refresh tokens are single use and only the latest is valid
(mercadolibre-api.md §1.3): two processes refreshing at once burn the grant
(`invalid_grant`). So a refresh is serialised per account across every process: the
lock is taken, the stored pair re-read (another process may have refreshed while we
waited), and the new pair is stored and committed before anyone uses it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import attrs

from application.errors import (
    InvalidGrant,
    ReauthorizationRequired,
)
from application.ports.clock import Clock
from application.ports.crypto import TokenCipher
from application.ports.events import TokenRefreshObserver
from application.ports.lock import Lock
from application.ports.oauth import OAuthGateway
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.accounts import Account, AccountStatus, SealedTokens, TokenPair

log = logging.getLogger(__name__)


# Refresh this long before expiry, so a token never dies in the middle of a sync.
REFRESH_MARGIN = timedelta(minutes=10)


LOCK_TIMEOUT_SECONDS = 60.0


# How long a decrypted access token is kept in memory: every MercadoLibre call needs one,
# and reading it from the store each time would cost a transaction per call. Short, so an
# account disconnected by another process stops being used within the minute.
CACHE_SECONDS = 60.0


@attrs.define(frozen=True)
class _Cached:
    token: str = attrs.field(repr=False)
    expires_at: datetime
    cached_at: datetime


def lock_name(account_id: int) -> str:
    return f"token-refresh:{account_id}"


class AccessTokenCache:
    """Decrypted access tokens kept in memory, one per account, CACHE_SECONDS at most.

    One per process, shared by the vault that fills it and by what must empty it at once
    (a disconnect), which thus needs neither the OAuth client nor MercadoLibre.
    """

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self._seconds = seconds
        self._entries: dict[int, _Cached] = {}

    def get(self, account_id: int, now: datetime) -> _Cached | None:
        cached = self._entries.get(account_id)
        if cached is None or (now - cached.cached_at).total_seconds() >= self._seconds:
            return None
        return cached

    def put(self, account_id: int, token: str, expires_at: datetime, now: datetime) -> None:
        self._entries[account_id] = _Cached(token, expires_at, now)

    def forget(self, account_id: int) -> None:
        self._entries.pop(account_id, None)


class TokenVault:
    """Implements AccessTokenSource for the gateway, and refreshes on demand."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        oauth: OAuthGateway,
        cipher: TokenCipher,
        lock: Lock,
        clock: Clock,
        margin: timedelta = REFRESH_MARGIN,
        on_refresh: TokenRefreshObserver | None = None,
        cache: AccessTokenCache | None = None,
    ) -> None:
        self._uow = uow
        self._oauth = oauth
        self._cipher = cipher
        self._lock = lock
        self._clock = clock
        self._margin = margin
        self._on_refresh = on_refresh or (lambda outcome: None)
        self._cache = cache if cache is not None else AccessTokenCache()

    def seal(self, pair: TokenPair) -> SealedTokens:
        return SealedTokens(
            access_token=self._cipher.encrypt(pair.access_token),
            refresh_token=(
                self._cipher.encrypt(pair.refresh_token) if pair.refresh_token else None
            ),
            expires_at=pair.expires_at,
            scope=pair.scope,
        )

    async def store(self, uow: UnitOfWork, account: Account, pair: TokenPair) -> None:
        """Store a fresh pair for `account` inside the caller's unit of work."""
        assert account.id is not None
        await uow.accounts.store_tokens(account.id, self.seal(pair))
        account.tokens_stored(pair.expires_at, self._clock.now())
        await uow.accounts.save(account)

    async def access_token(self, account_id: int) -> str:
        cached = self._cache.get(account_id, self._clock.now())
        if cached is not None and not self._expiring(cached.expires_at):
            return cached.token
        sealed = await self._read(account_id)
        if not self._expiring(sealed.expires_at):
            return self._remember(
                account_id, self._cipher.decrypt(sealed.access_token), sealed.expires_at
            )
        return await self.refresh(account_id, seen_version=sealed.version)

    def _remember(self, account_id: int, token: str, expires_at: datetime) -> str:
        self._cache.put(account_id, token, expires_at, self._clock.now())
        return token

    def forget(self, account_id: int) -> None:
        """Drop the in-memory token (after a disconnect or a refusal)."""
        self._cache.forget(account_id)

    async def renew_rejected(self, account_id: int, rejected_token: str) -> str:
        self.forget(account_id)
        sealed = await self._read(account_id)
        current = self._cipher.decrypt(sealed.access_token)
        if current != rejected_token and not self._expiring(sealed.expires_at):
            # Someone refreshed since the rejected call was sent.
            return self._remember(account_id, current, sealed.expires_at)
        return await self.refresh(account_id, seen_version=sealed.version)

    async def refresh(self, account_id: int, seen_version: int | None = None) -> str:
        """Refresh the account's pair and return the new access token.

        With `seen_version`, a pair stored by another process after that version is
        reused instead of refreshing again. Without it the refresh always happens (an
        operator asked for it). Raises ReauthorizationRequired, LockTimeout, NotFound.
        """
        async with self._lock.hold(lock_name(account_id), LOCK_TIMEOUT_SECONDS):
            refused: InvalidGrant | None = None
            # On PostgreSQL the row stays locked (FOR UPDATE) until this block ends, so
            # the refresh is serialised even between machines that share no other lock.
            async with self._uow() as uow:
                account = await uow.accounts.get(account_id)
                if account.status is not AccountStatus.ACTIVE:
                    raise ReauthorizationRequired(
                        account_id, account.status_reason or account.status.value
                    )
                used = await uow.accounts.get_tokens(account_id, for_update=True)
                if used is None or used.refresh_token is None:
                    raise ReauthorizationRequired(account_id, "no refresh token is stored")
                if (
                    seen_version is not None
                    and used.version != seen_version
                    and not self._expiring(used.expires_at)
                ):
                    self._on_refresh("reused")
                    return self._remember(
                        account_id, self._cipher.decrypt(used.access_token), used.expires_at
                    )
                try:
                    pair = await self._oauth.refresh(self._cipher.decrypt(used.refresh_token))
                except InvalidGrant as error:
                    refused = error
                except Exception:
                    self._on_refresh("error")
                    raise
                else:
                    # Stored and committed before anyone uses it: the old refresh token
                    # is already dead at MercadoLibre.
                    await self.store(uow, account, pair)
                    await uow.commit()
            if refused is not None:
                return await self._after_invalid_grant(account_id, used.version, refused)
        self._on_refresh("refreshed")
        log.info("refreshed the tokens of account %s", account_id)
        return self._remember(account_id, pair.access_token, pair.expires_at)

    async def _after_invalid_grant(
        self, account_id: int, used_version: int, error: InvalidGrant
    ) -> str:
        # Re-read before giving up: a process that did not honour the lock (an older
        # deployment, an expired lock) may have rotated the pair a moment ago.
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
            latest = await uow.accounts.get_tokens(account_id, for_update=True)
            if latest is not None and latest.version != used_version:
                self._on_refresh("reused")
                return self._remember(
                    account_id, self._cipher.decrypt(latest.access_token), latest.expires_at
                )
            self.forget(account_id)
            account.needs_reauthorization(
                f"MercadoLibre refused the refresh token: {error}", self._clock.now()
            )
            await uow.accounts.save(account)
            await uow.commit()
        self._on_refresh("invalid_grant")
        log.warning("account %s needs to be connected again (invalid_grant)", account_id)
        raise ReauthorizationRequired(account_id, "MercadoLibre refused the refresh token")

    async def _read(self, account_id: int) -> SealedTokens:
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
            if account.status is not AccountStatus.ACTIVE:
                raise ReauthorizationRequired(
                    account_id, account.status_reason or account.status.value
                )
            sealed = await uow.accounts.get_tokens(account_id)
        if sealed is None:
            raise ReauthorizationRequired(account_id, "no tokens are stored")
        return sealed

    def _expiring(self, expires_at: datetime) -> bool:
        return expires_at - self._margin <= self._clock.now()
