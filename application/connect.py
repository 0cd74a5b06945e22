"""Connecting seller accounts: the OAuth 2.0 authorization-code flow with PKCE (§1).

`StartConnect` makes a single-use, expiring `state` and a PKCE S256 challenge and gives
the consent URL of the site's authorization host; `CompleteConnect` takes the redirect
back, checks the state, trades the code and stores the account and its sealed tokens.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

import attrs

from application.errors import (
    AuthorizationRejected,
    FieldProblem,
    InvalidGrant,
    ValidationFailed,
)
from application.ports.clock import Clock
from application.ports.crypto import TokenCipher
from application.ports.jobs import Job
from application.ports.marketplace import OAuthGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from application.tokens import TokenVault
from domain.accounts import Account, AccountStatus, AuthorizationRequest
from domain.errors import UnknownSite
from domain.sites import site

STATE_TTL = timedelta(minutes=10)

# Jobs (actor names) queued with the account id as soon as an account is connected or
# connected again: its first copy of listings, orders and questions, and a replay of the
# work that failed while it needed re-authorization. tests/unit/test_realtime_wiring.py
# checks that each is a registered actor.
ON_CONNECT_JOBS: tuple[str, ...] = (
    "sync_products",
    "sync_orders",
    "sync_questions",
    "replay_dead_letters",
)


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636, §1.4)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@attrs.define(frozen=True)
class ConnectStart:
    authorization_url: str
    state: str
    site_id: str
    expires_at: datetime


class StartConnect:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        oauth: OAuthGateway,
        cipher: TokenCipher,
        clock: Clock,
        default_site_id: str,
        ttl: timedelta = STATE_TTL,
    ) -> None:
        self._uow = uow
        self._oauth = oauth
        self._cipher = cipher
        self._clock = clock
        self._default_site_id = default_site_id
        self._ttl = ttl

    async def __call__(self, site_id: str | None = None) -> ConnectStart:
        site_id = (site_id or self._default_site_id).upper()
        try:
            site(site_id)
        except UnknownSite as error:
            raise ValidationFailed([FieldProblem("site_id", error.reason)]) from None
        now = self._clock.now()
        state = secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()
        request = AuthorizationRequest(
            state=state,
            site_id=site_id,
            sealed_code_verifier=self._cipher.encrypt(verifier),
            created_at=now,
            expires_at=now + self._ttl,
        )
        async with self._uow() as uow:
            await uow.authorization_requests.purge_expired(now)
            await uow.authorization_requests.add(request)
            await uow.commit()
        url = self._oauth.authorization_url(site_id, state, challenge)
        return ConnectStart(url, state, site_id, request.expires_at)


@attrs.define(frozen=True)
class ConnectResult:
    account: Account
    created: bool


class CompleteConnect:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        oauth: OAuthGateway,
        cipher: TokenCipher,
        vault: TokenVault,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._oauth = oauth
        self._cipher = cipher
        self._vault = vault
        self._clock = clock

    async def __call__(self, code: str | None, state: str | None) -> ConnectResult:
        if not state:
            raise AuthorizationRejected("the callback has no state; start again from /auth/connect")
        if not code:
            raise AuthorizationRejected("the callback has no authorization code")
        now = self._clock.now()
        # Taken (deleted) in its own committed unit of work: a state works once even if
        # what follows fails.
        async with self._uow() as uow:
            request = await uow.authorization_requests.take(state)
            await uow.commit()
        if request is None:
            raise AuthorizationRejected(
                "unknown or already used state; start again from /auth/connect"
            )
        if request.is_expired(now):
            raise AuthorizationRejected(
                "the authorization took too long; start again from /auth/connect"
            )
        try:
            pair = await self._oauth.exchange_code(
                code, self._cipher.decrypt(request.sealed_code_verifier)
            )
        except InvalidGrant as error:
            raise AuthorizationRejected(f"MercadoLibre refused the code: {error}") from error
        profile = await self._oauth.profile(pair.access_token)
        if pair.user_id is not None and pair.user_id != profile.user_id:
            raise AuthorizationRejected("the token and the profile name different users")
        async with self._uow() as uow:
            account = await uow.accounts.find_by_seller(profile.user_id)
            created = account is None
            if account is None:
                account = await uow.accounts.add(
                    Account(
                        seller_id=profile.user_id,
                        site_id=profile.site_id,
                        nickname=profile.nickname,
                        status=AccountStatus.ACTIVE,
                        connected_at=now,
                        updated_at=now,
                    )
                )
            else:
                account.reconnected(profile.nickname, profile.site_id, now)
            await self._vault.store(uow, account, pair)
            assert account.id is not None
            for actor in ON_CONNECT_JOBS:
                uow.enqueue_after_commit(Job(actor, {"account_id": account.id}))
            await uow.commit()
        return ConnectResult(account, created)


class DisconnectAccount:
    """Forget an account's tokens and mark it disconnected; its local data stays."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, vault: TokenVault | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._vault = vault

    async def __call__(self, account_id: int) -> Account:
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
            if account.status is not AccountStatus.DISCONNECTED:
                account.disconnect(self._clock.now())
            await uow.accounts.erase_tokens(account_id)
            await uow.accounts.save(account)
            await uow.commit()
        if self._vault is not None:
            self._vault.forget(account_id)
        return account
