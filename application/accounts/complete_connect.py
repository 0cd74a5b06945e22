"""Finish connecting a seller (§1.2): the redirect back from MercadoLibre's consent page."""

from __future__ import annotations

import logging
from datetime import datetime

import attrs

from application import jobs
from application.accounts.errors import ContradictionOutcome, GrantContradicted, ProfileUnavailable
from application.accounts.token_vault import TokenVault
from application.accounts.usable import store_profile
from application.errors import (
    ApplicationError,
    AuthorizationRejected,
    Conflict,
    InvalidGrant,
)
from application.jobs import Job
from application.ports.clock import Clock
from application.ports.crypto import TokenCipher
from application.ports.oauth import OAuthGateway, SellerProfile
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.sync_logs.requests import SYNC_KINDS, request_sync_in
from domain.accounts import (
    Account,
    AccountStatus,
    SealedTokens,
    TokenPair,
)
from domain.errors import DomainError
from domain.sync import SyncTrigger

log = logging.getLogger(__name__)


def on_connect_jobs(account_id: int) -> tuple[Job, ...]:
    """The jobs queued as soon as an account is connected or connected again, that is
    once its profile is stored and names the token's user, or could not be read (the
    syncs need only the tokens; see CompleteConnect): its first copy of listings (stock
    included: the catalogue sync stores each listing's stock, so no separate inventory
    sync is needed), orders and questions, with the trigger `connect` so that their sync
    logs say why they ran, and a replay of the work that failed while it needed
    re-authorization."""
    return (
        jobs.SyncCatalogue(account_id, SyncTrigger.CONNECT),
        jobs.ReconcileOrders(account_id, SyncTrigger.CONNECT),
        jobs.ReconcileQuestions(account_id, SyncTrigger.CONNECT),
        jobs.ReplayDeadLetters(account_id),
    )


@attrs.define(frozen=True)
class ConnectResult:
    account: Account
    created: bool


@attrs.define(frozen=True)
class _Stored:
    """An account as CompleteConnect stored the new pair on it, and what it was before
    (`previous` None: the account was made by this call)."""

    account: Account
    created: bool
    tokens: SealedTokens = attrs.field(repr=False)
    previous: Account | None
    previous_tokens: SealedTokens | None = attrs.field(repr=False)


async def _queue_first_syncs(uow: UnitOfWork, account_id: int, now: datetime) -> None:
    """The syncs are asked for as stored requests (queued sync logs) that the sweep sends
    again if their job is lost; the rest is queued after the commit."""
    for job in on_connect_jobs(account_id):
        if type(job) in SYNC_KINDS:
            await request_sync_in(uow, type(job), account_id, SyncTrigger.CONNECT, now)
        else:
            uow.enqueue_after_commit(job)


class CompleteConnect:
    """Take MercadoLibre's redirect back: check the state, trade the code, store the
    account and its sealed tokens, then read its profile.

    The pair is stored and committed before the access token is used for anything
    (§1.3): the code worked once and the refresh token exists nowhere else, so
    a failure after the exchange must not lose it. The token answer names its user
    (`user_id`, §1.2), which is enough to key the account; GET /users/me (§3) then fills
    in the nickname and site. If that fails the account is kept, active with its tokens,
    and ProfileUnavailable says so. If the profile names another user, nothing from the
    grant is kept (GrantContradicted; see `_distrust`). The first syncs (on_connect_jobs)
    are queued once the profile is stored, or once it could not be read, never before.
    """

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
        seller_id = pair.user_id
        profile: SellerProfile | None = None
        if seller_id is None:
            # §1.2 always names the user; an answer that does not leaves /users/me as the
            # only way to know whose account to store the pair on.
            profile = await self._oauth.profile(pair.access_token)
            seller_id = profile.user_id
        stored = await self._store(seller_id, request.site_id, pair)
        account = stored.account
        account_id = account.id
        assert account_id is not None
        if profile is None:
            try:
                profile = await self._oauth.profile(pair.access_token)
            except ApplicationError as error:
                # Connected with its tokens, which is all the first syncs need; the token
                # answer's user_id (§1.2) is MercadoLibre's own word on whose they are.
                # A profile read later (RefreshAccount) that names someone else is
                # refused there with a Conflict.
                async with self._uow() as uow:
                    await _queue_first_syncs(uow, account_id, self._clock.now())
                    await uow.commit()
                raise ProfileUnavailable(account, error) from error
        try:
            async with self._uow() as uow:
                account = await store_profile(uow, account_id, profile, self._clock.now())
                # Only now: work queued before the profile agreed would have run with a
                # grant that may be about to be taken back.
                await _queue_first_syncs(uow, account_id, self._clock.now())
                await uow.commit()
        except Conflict as error:
            outcome = await self._distrust(stored, str(error))
            log.warning("connect of seller %s not trusted (%s): %s", seller_id, error, outcome)
            raise GrantContradicted(seller_id, profile.user_id, outcome, account_id) from error
        except (ApplicationError, DomainError) as error:
            # The profile could not be stored (a site this service does not know, the
            # database): connected with its tokens all the same, as when it could not
            # be read, so the first syncs still go.
            async with self._uow() as uow:
                await _queue_first_syncs(uow, account_id, self._clock.now())
                await uow.commit()
            raise ProfileUnavailable(account, error) from error
        return ConnectResult(account, stored.created)

    async def _store(self, seller_id: int, site_id: str, pair: TokenPair) -> _Stored:
        """Store the pair on the seller's account, made or revived as needed; commit.
        What the row was before is kept, so that `_distrust` can put it back."""
        now = self._clock.now()
        previous: Account | None = None
        previous_tokens: SealedTokens | None = None
        async with self._uow() as uow:
            account = await uow.accounts.find_by_seller(seller_id)
            created = account is None
            if account is not None:
                assert account.id is not None
                # Locked, and read again under the lock: the pair a refresh in another
                # process committed meanwhile is the one to put back, not the one it
                # spent.
                previous_tokens = await uow.accounts.get_tokens(account.id, for_update=True)
                account = await uow.accounts.get(account.id)
                previous = attrs.evolve(account)
            if account is None:
                # The site the seller consented on, and no nickname, until the profile
                # is read (see profile_pending).
                account = await uow.accounts.add(
                    Account(
                        seller_id=seller_id,
                        site_id=site_id,
                        nickname="",
                        status=AccountStatus.ACTIVE,
                        connected_at=now,
                        updated_at=now,
                    )
                )
            else:
                account.reconnected(account.nickname, account.site_id, now)
            await self._vault.store(uow, account, pair)
            assert account.id is not None
            tokens = await uow.accounts.get_tokens(account.id)
            assert tokens is not None
            await uow.commit()
        self._vault.forget(account.id)
        return _Stored(account, created, tokens, previous, previous_tokens)

    async def _distrust(self, stored: _Stored, reason: str) -> ContradictionOutcome:
        """MercadoLibre contradicted itself about whose grant this is: nothing from it
        may be used, and the row goes back to what it was before this call.

        An account this call made is deleted. An existing one gets its previous tokens
        and state back rather than losing them: that pair came from an earlier connect
        whose profile agreed, and nothing says it is wrong. If the new grant made the old
        refresh token invalid (only the latest one is valid, §1.3), the first refresh
        gets invalid_grant and the vault asks for re-authorization then, as erasing would
        have now; if not, the seller's account keeps working. Only when the row moved on
        since the pair was stored (another process refreshed with the distrusted pair,
        or disconnected the account) are its tokens erased instead.
        """
        account_id = stored.account.id
        assert account_id is not None
        now = self._clock.now()
        async with self._uow() as uow:
            current = await uow.accounts.get_tokens(account_id, for_update=True)
            untouched = current == stored.tokens
            if untouched and stored.created:
                try:
                    await uow.accounts.delete(account_id)
                except Conflict:
                    # Something already refers to it (a sync that ran meanwhile): it
                    # stays, without tokens.
                    pass
                else:
                    await uow.commit()
                    self._vault.forget(account_id)
                    return ContradictionOutcome.NOTHING_KEPT
            if untouched and stored.previous is not None:
                if stored.previous_tokens is None:
                    await uow.accounts.erase_tokens(account_id)
                else:
                    await uow.accounts.store_tokens(account_id, stored.previous_tokens)
                await uow.accounts.save(stored.previous)
                outcome = ContradictionOutcome.UNCHANGED
            else:
                account = await uow.accounts.get(account_id)
                await uow.accounts.erase_tokens(account_id)
                if account.status is AccountStatus.ACTIVE:
                    account.needs_reauthorization(reason, now)
                    await uow.accounts.save(account)
                outcome = ContradictionOutcome.NEEDS_REAUTHORIZATION
            await uow.commit()
        self._vault.forget(account_id)
        return outcome
