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
from application.connect import CompleteConnect, DisconnectAccount, StartConnect
from application.errors import AuthorizationRejected, ValidationFailed
from application.tokens import TokenVault
from domain.accounts import AccountStatus
from tests.fakes import FakeOAuthGateway, ProcessLock

START = datetime(2026, 11, 26, 12, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.store = InMemoryStore()
        self.cipher = FernetTokenCipher([generate_key()])
        self.oauth = FakeOAuthGateway(self.clock)
        vault = TokenVault(self.uow, self.oauth, self.cipher, ProcessLock(), self.clock)
        self.start = StartConnect(self.uow, self.oauth, self.cipher, self.clock, "MCO")
        self.complete = CompleteConnect(self.uow, self.oauth, self.cipher, vault, self.clock)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, InMemoryJobQueue())

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
    assert sealed.refresh_token and "TG-" not in sealed.refresh_token
    assert pending is None, "the state is single use"


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
