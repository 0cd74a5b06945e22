"""Connecting accounts: single-use expiring state, PKCE S256, update on reconnect (§1)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest

from adapters.crypto.fernet import FernetTokenCipher, generate_key
from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application.connect import (
    ON_CONNECT_JOBS,
    CompleteConnect,
    DisconnectAccount,
    ProfileUnavailable,
    StartConnect,
)
from application.errors import AuthorizationRejected, Unavailable, ValidationFailed
from application.ports.marketplace import SellerProfile
from application.tokens import AccessTokenCache, RefreshAccount, TokenVault
from domain.accounts import AccountStatus
from tests.fakes import FakeOAuthGateway, ProcessLock

START = datetime(2026, 11, 26, 12, tzinfo=UTC)


class FlakyProfiles(FakeOAuthGateway):
    """GET /users/me that fails when told to, and notes what was stored when it was
    called (the pair must be stored before the access token is used)."""

    def __init__(self, clock, store: InMemoryStore) -> None:
        super().__init__(clock)
        self.store = store
        self.failing = False
        self.profile_calls = 0
        self.stored_when_used: list[bool] = []

    async def profile(self, access_token: str) -> SellerProfile:
        self.profile_calls += 1
        user_id = int(access_token.rsplit("-", 1)[-1])
        async with InMemoryUnitOfWork(self.store, InMemoryJobQueue()) as uow:
            account = await uow.accounts.find_by_seller(user_id)
            sealed = None if account is None else await uow.accounts.get_tokens(account.id)
        self.stored_when_used.append(sealed is not None)
        if self.failing:
            raise Unavailable("GET /users/me answered 503 (after 5 attempts)")
        return await super().profile(access_token)


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.store = InMemoryStore()
        self.queue = InMemoryJobQueue()
        self.cipher = FernetTokenCipher([generate_key()])
        self.oauth = FlakyProfiles(self.clock, self.store)
        self.vault = TokenVault(self.uow, self.oauth, self.cipher, ProcessLock(), self.clock)
        self.start = StartConnect(self.uow, self.oauth, self.cipher, self.clock, "MCO")
        self.complete = CompleteConnect(self.uow, self.oauth, self.cipher, self.vault, self.clock)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.queue)

    async def consent(self, user_id: int, site_id: str = "MCO", nickname: str = "SELLER"):
        """What the seller's browser does: open the URL, log in, come back with a code."""
        started = await self.start(site_id)
        query = parse_qs(urlparse(started.authorization_url).query)
        async with self.uow() as uow:
            request = await uow.authorization_requests.take(started.state)
            # Peek at the verifier the way MercadoLibre would check it, then put it back.
            verifier = self.cipher.decrypt(request.sealed_code_verifier)
            await uow.authorization_requests.add(request)
            await uow.commit()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        assert query["code_challenge"] == [challenge.rstrip(b"=").decode()]
        return started, self.oauth.issue_code(user_id, verifier, nickname, site_id)


async def test_the_whole_flow_stores_the_account_and_sealed_tokens():
    world = World()
    started, code = await world.consent(3037204123)
    assert started.site_id == "MCO" and len(started.state) >= 32
    result = await world.complete(code, started.state)
    assert result.created and result.account.seller_id == 3037204123
    assert result.account.site_id == "MCO" and result.account.status is AccountStatus.ACTIVE
    async with world.uow() as uow:
        sealed = await uow.accounts.get_tokens(result.account.id)
        pending = await uow.authorization_requests.take(started.state)
    assert sealed.refresh_token and not sealed.refresh_token.startswith("TG-")
    assert pending is None, "the state is single use"


async def test_connecting_queues_the_first_syncs_at_once_marked_as_started_by_connect():
    """Issue 7: the local copy fills without waiting for a tick, and each sync log says
    why it ran."""
    world = World()
    started, code = await world.consent(3037204123)
    account = (await world.complete(code, started.state)).account

    assert [(job.actor, job.kwargs) for job in world.queue.jobs] == [
        (actor, {"account_id": account.id, "trigger": "connect"}) for actor in ON_CONNECT_JOBS
    ]


@pytest.mark.parametrize("state", [None, "", "forged-" + "x" * 40])
async def test_a_missing_or_forged_state_is_rejected(state):
    world = World()
    with pytest.raises(AuthorizationRejected):
        await world.complete("TG-code-1", state)
    assert world.oauth.exchange_calls == 0


async def test_a_reused_state_is_rejected():
    world = World()
    started, code = await world.consent(1234567)
    await world.complete(code, started.state)
    with pytest.raises(AuthorizationRejected, match="already used"):
        await world.complete(code, started.state)


async def test_an_expired_state_is_rejected_and_the_code_is_not_spent():
    world = World()
    started, code = await world.consent(1234567)
    world.clock.advance(11 * 60)
    with pytest.raises(AuthorizationRejected, match="too long"):
        await world.complete(code, started.state)
    assert world.oauth.exchange_calls == 0


async def test_a_refused_code_is_rejected():
    world = World()
    started, _ = await world.consent(1234567)
    with pytest.raises(AuthorizationRejected, match="refused"):
        await world.complete("TG-not-a-real-code-1", started.state)


async def test_unknown_sites_are_refused_before_anything_is_stored():
    world = World()
    with pytest.raises(ValidationFailed, match="site_id"):
        await world.start("XXX")


async def test_reconnecting_updates_the_account_and_revives_it():
    world = World()
    started, code = await world.consent(1234567, nickname="OLD")
    first = (await world.complete(code, started.state)).account
    async with world.uow() as uow:
        account = await uow.accounts.get(first.id)
        account.needs_reauthorization("invalid_grant", START)
        await uow.accounts.save(account)
        await uow.commit()
    started, code = await world.consent(1234567, nickname="NEW")
    second = await world.complete(code, started.state)
    assert not second.created and second.account.id == first.id
    assert second.account.nickname == "NEW" and second.account.status is AccountStatus.ACTIVE


async def test_many_accounts_on_different_sites():
    world = World()
    for user_id, site_id in ((11111111, "MLA"), (22222222, "MLB"), (33333333, "MCO")):
        started, code = await world.consent(user_id, site_id)
        await world.complete(code, started.state)
    async with world.uow() as uow:
        accounts = await uow.accounts.list()
    assert [(a.seller_id, a.site_id) for a in accounts] == [
        (11111111, "MLA"),
        (22222222, "MLB"),
        (33333333, "MCO"),
    ]


async def test_disconnecting_erases_the_tokens():
    world = World()
    started, code = await world.consent(1234567)
    account = (await world.complete(code, started.state)).account
    disconnected = await DisconnectAccount(world.uow, world.clock)(account.id)
    assert disconnected.status is AccountStatus.DISCONNECTED
    async with world.uow() as uow:
        assert await uow.accounts.get_tokens(account.id) is None


async def test_the_pair_is_stored_before_the_access_token_is_used():
    """Issue 5: the new pair is stored before it is used; the profile read (§3) is the
    first use, and the account is keyed on the token answer's user_id (§1.2)."""
    world = World()
    started, code = await world.consent(3037204123, site_id="MCO", nickname="TIENDA")
    result = await world.complete(code, started.state)
    assert world.oauth.stored_when_used == [True]
    assert (result.account.nickname, result.account.site_id) == ("TIENDA", "MCO")


async def test_a_failed_profile_read_keeps_the_account_and_its_tokens():
    """The code worked once: losing the pair because /users/me failed would make the
    seller start over. The account stays, active with its tokens, and the error says
    what happened and how the profile gets filled in."""
    world = World()
    started, code = await world.consent(3037204123, site_id="MCO", nickname="TIENDA")
    world.oauth.failing = True

    with pytest.raises(ProfileUnavailable, match="connected and its tokens are stored") as caught:
        await world.complete(code, started.state)

    account_id = caught.value.account.id
    async with world.uow() as uow:
        [account] = await uow.accounts.list()
        sealed = await uow.accounts.get_tokens(account_id)
    assert (account.id, account.seller_id, account.status) == (
        account_id,
        3037204123,
        AccountStatus.ACTIVE,
    )
    assert account.site_id == "MCO" and account.nickname == "", "the profile is not known yet"
    assert world.cipher.decrypt(sealed.refresh_token) == world.oauth.latest_refresh[3037204123]
    assert str(account_id) in str(caught.value) and "refresh" in str(caught.value)

    world.oauth.failing = False
    refreshed = await RefreshAccount(world.uow, world.vault, world.oauth, world.clock)(account_id)
    assert (refreshed.nickname, refreshed.site_id) == ("TIENDA", "MCO")
    async with world.uow() as uow:
        assert (await uow.accounts.get(account_id)).nickname == "TIENDA"


async def test_reconnecting_a_lapsed_account_revives_it_even_without_a_profile():
    world = World()
    started, code = await world.consent(1234567, nickname="OLD")
    first = (await world.complete(code, started.state)).account
    async with world.uow() as uow:
        account = await uow.accounts.get(first.id)
        account.needs_reauthorization("invalid_grant", START)
        await uow.accounts.save(account)
        await uow.commit()
    started, code = await world.consent(1234567, nickname="NEW")
    world.oauth.failing = True

    with pytest.raises(ProfileUnavailable):
        await world.complete(code, started.state)

    async with world.uow() as uow:
        [account] = await uow.accounts.list()
        sealed = await uow.accounts.get_tokens(first.id)
    assert account.id == first.id and account.status is AccountStatus.ACTIVE
    assert account.nickname == "OLD", "kept until the new profile is read"
    assert world.cipher.decrypt(sealed.refresh_token) == world.oauth.latest_refresh[1234567]


async def test_a_profile_of_another_user_is_not_trusted_and_its_tokens_are_erased():
    world = World()
    started, code = await world.consent(1234567)
    world.oauth.profiles[1234567] = SellerProfile(7654321, "SOMEONE", "MCO")

    with pytest.raises(AuthorizationRejected, match="different users"):
        await world.complete(code, started.state)

    async with world.uow() as uow:
        [account] = await uow.accounts.list()
        assert await uow.accounts.get_tokens(account.id) is None
    assert account.status is AccountStatus.NEEDS_REAUTHORIZATION


async def test_disconnecting_empties_the_token_cache_without_the_oauth_client():
    world = World()
    started, code = await world.consent(1234567)
    account = (await world.complete(code, started.state)).account
    cache = AccessTokenCache()
    vault = TokenVault(
        world.uow, world.oauth, world.cipher, ProcessLock(), world.clock, cache=cache
    )
    assert await vault.access_token(account.id)
    assert cache.get(account.id, world.clock.now()) is not None

    await DisconnectAccount(world.uow, world.clock, cache)(account.id)

    assert cache.get(account.id, world.clock.now()) is None
