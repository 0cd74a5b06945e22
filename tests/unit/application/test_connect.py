"""Connecting accounts: single-use expiring state, PKCE S256, update on reconnect (§1)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import attrs
import pytest
from aiohttp import web

from adapters.crypto.fernet import FernetTokenCipher, generate_key
from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application.accounts.complete_connect import CompleteConnect, on_connect_jobs
from application.accounts.disconnect_account import DisconnectAccount
from application.accounts.errors import ContradictionOutcome, GrantContradicted, ProfileUnavailable
from application.accounts.refresh_account import RefreshAccount
from application.accounts.start_connect import StartConnect
from application.accounts.token_vault import AccessTokenCache, TokenVault
from application.errors import AuthorizationRejected, Unavailable, ValidationFailed
from application.ports.oauth import SellerProfile
from application.queries import SyncLogQuery
from domain.accounts import AccountStatus
from domain.sync import SyncKind, SyncLog, SyncTrigger
from entrypoints.http.context import CONTAINER
from entrypoints.http.routes.auth import callback
from tests.fakes import FakeOAuthGateway, ProcessLock

START = datetime(2026, 11, 26, 12, tzinfo=UTC)


class FlakyProfiles(FakeOAuthGateway):
    """GET /users/me that fails when told to, and notes what was stored when it was
    called (the pair must be stored before the access token is used). `meanwhile`, if
    set, runs first with the account's id: what another process does while MercadoLibre
    answers."""

    def __init__(self, clock, store: InMemoryStore) -> None:
        super().__init__(clock)
        self.store = store
        self.failing = False
        self.profile_calls = 0
        self.stored_when_used: list[bool] = []
        self.meanwhile: Callable[[int], Awaitable[None]] | None = None

    async def profile(self, access_token: str) -> SellerProfile:
        self.profile_calls += 1
        user_id = int(access_token.rsplit("-", 1)[-1])
        async with InMemoryUnitOfWork(self.store, InMemoryJobQueue()) as uow:
            account = await uow.accounts.find_by_seller(user_id)
            sealed = None if account is None else await uow.accounts.get_tokens(account.id)
        self.stored_when_used.append(sealed is not None)
        if self.meanwhile is not None and account is not None:
            await self.meanwhile(account.id)
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

    # The syncs are stored requests first (queued sync logs their jobs name), so that the
    # sweep sends them again if their job is lost.
    async with world.uow() as uow:
        requested = (await uow.sync_logs.search(SyncLogQuery(account_id=account.id))).items
    assert sorted((log.kind.value, log.status.value, log.trigger.value) for log in requested) == [
        ("orders", "queued", "connect"),
        ("products", "queued", "connect"),
        ("questions", "queued", "connect"),
    ]
    by_kind = {log.kind.value: log.id for log in requested}
    assert world.queue.jobs == [
        attrs.evolve(job, log_id=by_kind[kind]) if kind else job
        for job, kind in zip(
            on_connect_jobs(account.id), ["products", "orders", "questions", None], strict=True
        )
    ]


async def test_a_profile_that_cannot_be_stored_keeps_the_account_and_queues_its_syncs():
    """A profile naming a site this service does not know (a new MercadoLibre site, say)
    cannot be stored; the account is connected with its tokens all the same, the caller is
    told, and the first syncs still go."""
    world = World()
    started, code = await world.consent(3037204123)
    original = world.oauth.profile

    async def unknown_site(access_token):
        return attrs.evolve(await original(access_token), site_id="MZZ")

    world.oauth.profile = unknown_site

    with pytest.raises(ProfileUnavailable, match="MZZ"):
        await world.complete(code, started.state)

    async with world.uow() as uow:
        [account] = await uow.accounts.list()
        assert await uow.accounts.get_tokens(account.id) is not None
    assert [type(job) for job in world.queue.jobs] == [type(job) for job in on_connect_jobs(1)]


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


async def connected(world: World, user_id: int, nickname: str = "SELLER"):
    """An account connected the ordinary way, with the queue emptied afterwards."""
    started, code = await world.consent(user_id, nickname=nickname)
    account = (await world.complete(code, started.state)).account
    world.queue.clear()
    return account


async def contradicted(world: World, user_id: int) -> GrantContradicted:
    """Connect `user_id` again, with a profile that names another user."""
    started, code = await world.consent(user_id)
    world.oauth.profiles[user_id] = SellerProfile(7654321, "SOMEONE", "MCO")
    with pytest.raises(GrantContradicted, match="different users") as caught:
        await world.complete(code, started.state)
    return caught.value


async def stored(world: World, account_id: int):
    async with world.uow() as uow:
        return await uow.accounts.get(account_id), await uow.accounts.get_tokens(account_id)


async def test_a_profile_of_another_user_takes_back_the_account_this_connect_made():
    world = World()

    rejected = await contradicted(world, 1234567)

    assert isinstance(rejected, AuthorizationRejected)
    assert rejected.outcome is ContradictionOutcome.NOTHING_KEPT
    assert rejected.consequence == "No account was connected."
    async with world.uow() as uow:
        assert await uow.accounts.list() == []
        assert await uow.accounts.get_tokens(rejected.account_id) is None
    assert world.queue.jobs == [], "no sync runs with a grant that is taken back"


async def test_a_profile_of_another_user_leaves_an_existing_account_as_it_was():
    """Its tokens came from a connect whose profile agreed: they are put back, not
    erased, and the account keeps working."""
    world = World()
    account = await connected(world, 1234567, nickname="TIENDA")
    before, tokens_before = await stored(world, account.id)
    refresh_before = world.cipher.decrypt(tokens_before.refresh_token)

    rejected = await contradicted(world, 1234567)

    assert (rejected.outcome, rejected.account_id) == (ContradictionOutcome.UNCHANGED, account.id)
    assert "No account was connected" not in str(rejected)
    assert f"Account {account.id} (seller 1234567) was left as it was before" in str(rejected)
    after, tokens_after = await stored(world, account.id)
    assert after == before and after.status is AccountStatus.ACTIVE
    assert world.cipher.decrypt(tokens_after.refresh_token) == refresh_before
    assert tokens_after.version > tokens_before.version, "a waiting refresh sees the change"
    assert world.queue.jobs == []


async def test_a_lapsed_account_stays_lapsed_when_the_profile_names_another_user():
    world = World()
    account = await connected(world, 1234567)
    async with world.uow() as uow:
        lapsed = await uow.accounts.get(account.id)
        lapsed.needs_reauthorization("invalid_grant", START)
        await uow.accounts.save(lapsed)
        await uow.commit()
    before, tokens_before = await stored(world, account.id)

    rejected = await contradicted(world, 1234567)

    assert rejected.outcome is ContradictionOutcome.UNCHANGED
    after, tokens_after = await stored(world, account.id)
    assert after == before and after.status_reason == "invalid_grant"
    assert tokens_after.refresh_token == tokens_before.refresh_token


async def test_a_disconnected_account_stays_disconnected_without_tokens():
    world = World()
    account = await connected(world, 1234567)
    await DisconnectAccount(world.uow, world.clock)(account.id)
    before, _ = await stored(world, account.id)

    rejected = await contradicted(world, 1234567)

    assert rejected.outcome is ContradictionOutcome.UNCHANGED
    after, tokens = await stored(world, account.id)
    assert after == before and after.status is AccountStatus.DISCONNECTED and tokens is None


async def test_tokens_refreshed_meanwhile_from_the_distrusted_pair_are_erased():
    """Another process refreshed with the new pair before the profile came back: what
    is stored now descends from the grant that is not trusted, so nothing is put back."""
    world = World()
    account = await connected(world, 1234567)

    async def refresh_meanwhile(account_id: int) -> None:
        world.oauth.meanwhile = None
        await world.vault.refresh(account_id)

    world.oauth.meanwhile = refresh_meanwhile
    rejected = await contradicted(world, 1234567)

    assert rejected.outcome is ContradictionOutcome.NEEDS_REAUTHORIZATION
    assert "must be connected again" in rejected.consequence
    after, tokens = await stored(world, account.id)
    assert tokens is None and after.status is AccountStatus.NEEDS_REAUTHORIZATION


async def test_a_new_account_that_data_already_refers_to_is_kept_without_tokens():
    world = World()

    async def sync_meanwhile(account_id: int) -> None:
        async with world.uow() as uow:
            await uow.sync_logs.add(
                SyncLog(SyncKind.ORDERS, SyncTrigger.SCHEDULE, START, account_id=account_id)
            )
            await uow.commit()

    world.oauth.meanwhile = sync_meanwhile
    rejected = await contradicted(world, 1234567)

    assert rejected.outcome is ContradictionOutcome.NEEDS_REAUTHORIZATION
    after, tokens = await stored(world, rejected.account_id)
    assert tokens is None and after.status is AccountStatus.NEEDS_REAUTHORIZATION
    assert world.queue.jobs == []


async def test_a_failed_profile_read_still_queues_the_first_syncs():
    """The account is connected with its tokens, which is all the syncs need."""
    world = World()
    started, code = await world.consent(3037204123)
    world.oauth.failing = True

    with pytest.raises(ProfileUnavailable) as caught:
        await world.complete(code, started.state)

    expected = on_connect_jobs(caught.value.account.id)
    assert [
        attrs.evolve(job, log_id=None) if hasattr(job, "log_id") else job
        for job in world.queue.jobs
    ] == list(expected)


class CallbackOnly:
    """The one provider of the container the callback handler uses."""

    def __init__(self, complete: CompleteConnect) -> None:
        self._complete = complete

    def complete_connect(self) -> CompleteConnect:
        return self._complete


async def callback_page(world: World, aiohttp_client, code: str, state: str) -> tuple[int, str]:
    app = web.Application()
    app[CONTAINER] = CallbackOnly(world.complete)
    app.router.add_get("/auth/callback", callback)
    client = await aiohttp_client(app)
    response = await client.get(
        "/auth/callback", params={"code": code, "state": state}, headers={"Accept": "text/html"}
    )
    return response.status, await response.text()


async def test_the_callback_page_says_no_account_was_connected_only_when_none_was(
    aiohttp_client,
):
    world = World()
    started, code = await world.consent(1234567)
    world.oauth.profiles[1234567] = SellerProfile(7654321, "SOMEONE", "MCO")

    status, page = await callback_page(world, aiohttp_client, code, started.state)

    assert status == 400 and "different users" in page
    assert "No account was connected." in page


async def test_the_callback_page_says_an_existing_account_was_left_as_it_was(aiohttp_client):
    world = World()
    account = await connected(world, 1234567)
    started, code = await world.consent(1234567)
    world.oauth.profiles[1234567] = SellerProfile(7654321, "SOMEONE", "MCO")

    status, page = await callback_page(world, aiohttp_client, code, started.state)

    assert status == 400 and "different users" in page
    assert "No account was connected" not in page
    assert f"Account {account.id} (seller 1234567) was left as it was before" in page


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
