"""The token vault: race-free refresh, tokens sealed at rest (mercadolibre-api.md §1.3)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.crypto.fernet import FernetTokenCipher, generate_key
from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application.accounts.refresh_expiring_tokens import RefreshExpiringTokens
from application.accounts.token_vault import TokenVault
from application.errors import InvalidGrant, ReauthorizationRequired
from application.operations.rotate_token_keys import RotateTokenKeys
from application.subscriptions.delete_subscription import DeleteSubscription
from application.subscriptions.register_subscription import RegisterSubscription
from domain.accounts import Account, AccountStatus
from domain.subscriptions import Subscription
from tests.fakes import FakeOAuthGateway, ProcessLock

START = datetime(2026, 11, 26, 12, tzinfo=UTC)
SELLER = 202593498


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


class NoResolver:
    """Registration with private callbacks allowed never resolves a host."""

    async def addresses(self, host: str) -> list[str]:
        raise AssertionError(f"{host} should not have been resolved")


class World:
    def __init__(self, latency: float = 0.0, key: str | None = None) -> None:
        self.clock = ManualClock(START)
        self.store = InMemoryStore()
        self.cipher = FernetTokenCipher([key or generate_key()])
        self.oauth = FakeOAuthGateway(self.clock, latency=latency)
        self.outcomes: list[str] = []
        self.vault = TokenVault(
            self.uow,
            self.oauth,
            self.cipher,
            ProcessLock(),
            self.clock,
            on_refresh=self.outcomes.append,
        )

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, InMemoryJobQueue())

    async def connected_account(self) -> Account:
        pair = self.oauth.grant(SELLER)
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(SELLER, "MLA", "TETE"))
            await self.vault.store(uow, account, pair)
            await uow.commit()
        self.first_pair = pair
        return account

    async def account(self, account_id: int) -> Account:
        async with self.uow() as uow:
            return await uow.accounts.get(account_id)


async def test_a_fresh_token_is_served_without_refreshing():
    world = World()
    account = await world.connected_account()
    assert await world.vault.access_token(account.id) == world.first_pair.access_token
    assert world.oauth.refresh_calls == 0


async def test_a_token_near_expiry_is_refreshed_first_and_stored_sealed():
    world = World()
    account = await world.connected_account()
    world.clock.advance(hours(6).total_seconds() - 60)
    token = await world.vault.access_token(account.id)
    assert token != world.first_pair.access_token and world.oauth.refresh_calls == 1
    async with world.uow() as uow:
        sealed = await uow.accounts.get_tokens(account.id)
    assert token not in sealed.access_token
    assert world.cipher.decrypt(sealed.access_token) == token
    assert world.oauth.latest_refresh[SELLER] == world.cipher.decrypt(sealed.refresh_token)
    assert (await world.account(account.id)).token_expires_at == sealed.expires_at


async def test_fifty_concurrent_callers_on_an_expired_token_cause_one_refresh():
    world = World(latency=0.05)
    account = await world.connected_account()
    world.clock.advance(hours(7).total_seconds())
    tokens = await asyncio.gather(*(world.vault.access_token(account.id) for _ in range(50)))
    assert world.oauth.refresh_calls == 1
    assert len(set(tokens)) == 1
    assert world.outcomes.count("refreshed") == 1


async def test_a_401_on_an_old_token_reuses_the_newer_one_without_refreshing():
    world = World()
    account = await world.connected_account()
    fresh = await world.vault.refresh(account.id)
    assert await world.vault.renew_rejected(account.id, world.first_pair.access_token) == fresh
    assert world.oauth.refresh_calls == 1


async def test_a_401_on_the_current_token_refreshes_it():
    world = World()
    account = await world.connected_account()
    renewed = await world.vault.renew_rejected(account.id, world.first_pair.access_token)
    assert renewed != world.first_pair.access_token and world.oauth.refresh_calls == 1


async def test_invalid_grant_marks_the_account_and_stops_calling_mercadolibre():
    world = World()
    account = await world.connected_account()
    world.oauth.revoke(SELLER)
    with pytest.raises(ReauthorizationRequired):
        await world.vault.refresh(account.id)
    stored = await world.account(account.id)
    assert stored.status is AccountStatus.NEEDS_REAUTHORIZATION
    assert "refresh token" in stored.status_reason
    calls = world.oauth.refresh_calls
    with pytest.raises(ReauthorizationRequired):
        await world.vault.access_token(account.id)
    assert world.oauth.refresh_calls == calls
    assert world.outcomes == ["invalid_grant"]


async def test_invalid_grant_after_someone_else_rotated_uses_their_pair():
    """Re-read before declaring the account lost: a process that ignored the lock may have
    rotated the pair."""
    world = World()
    account = await world.connected_account()

    async def store_another_pair():
        other = world.oauth.grant(SELLER)
        async with world.uow() as uow:
            await world.vault.store(uow, await uow.accounts.get(account.id), other)
            await uow.commit()
        return other

    async def refused_while_another_process_rotates(refresh_token):
        # Another process refreshes at the same moment; it writes as soon as our row
        # lock is released, before we re-read.
        world.other = asyncio.create_task(store_another_pair())
        await asyncio.sleep(0)
        raise InvalidGrant("refresh token already used")

    world.oauth.refresh = refused_while_another_process_rotates
    token = await world.vault.refresh(account.id)
    assert token == (await world.other).access_token
    assert (await world.account(account.id)).status is AccountStatus.ACTIVE


async def test_the_periodic_job_refreshes_only_what_expires_before_the_next_run():
    world = World()
    account = await world.connected_account()
    job = RefreshExpiringTokens(world.uow, world.vault, world.clock, horizon=hours(4))
    assert await job() == {"refreshed": 0, "fresh": 1, "failed": 0}
    world.clock.advance(hours(3).total_seconds())
    assert await job() == {"refreshed": 1, "fresh": 0, "failed": 0}
    assert (await world.account(account.id)).last_refreshed_at == world.clock.now()


async def test_key_rotation_re_encrypts_with_the_new_key_and_keeps_tokens_readable():
    old_key, new_key = generate_key(), generate_key()
    world = World(key=old_key)
    account = await world.connected_account()
    rotating = FernetTokenCipher([new_key, old_key])
    assert (await RotateTokenKeys(world.uow, rotating, world.clock)()).accounts == 1
    assert (await RotateTokenKeys(world.uow, rotating, world.clock)()).accounts == 0
    async with world.uow() as uow:
        sealed = await uow.accounts.get_tokens(account.id)
    only_new = FernetTokenCipher([new_key])
    assert only_new.decrypt(sealed.refresh_token) == world.oauth.latest_refresh[SELLER]
    assert only_new.decrypt(sealed.access_token) == world.first_pair.access_token


async def test_after_a_rotation_the_old_key_can_go_tokens_and_webhook_secrets_still_open():
    """`meli keys rotate` re-encrypts every secret sealed at rest, not only the tokens:
    the subscriptions' signing secrets are sealed with the same cipher."""
    old_key, new_key = generate_key(), generate_key()
    world = World(key=old_key)
    account = await world.connected_account()
    register = RegisterSubscription(world.uow, world.cipher, NoResolver(), world.clock, True)
    registration = await register("orders_v2", "http://hooks.internal/meli")
    deleted = await register("items", "http://hooks.internal/gone")
    await DeleteSubscription(world.uow, world.clock)(deleted.subscription.id)

    rotation = await RotateTokenKeys(
        world.uow, FernetTokenCipher([new_key, old_key]), world.clock
    )()

    assert (rotation.accounts, rotation.subscriptions, rotation.complete) == (1, 1, True)
    only_new = FernetTokenCipher([new_key])
    async with world.uow() as uow:
        sealed = await uow.accounts.get_tokens(account.id)
        subscription = await uow.subscriptions.get(registration.subscription.id)
    assert only_new.decrypt(sealed.access_token) == world.first_pair.access_token
    assert only_new.decrypt(subscription.sealed_secret) == registration.secret
    again = await RotateTokenKeys(world.uow, FernetTokenCipher([new_key, old_key]), world.clock)()
    assert (again.accounts, again.subscriptions) == (0, 0), "idempotent"


async def test_a_rotation_reports_secrets_no_configured_key_opens_and_rotates_the_rest():
    lost_key, new_key = generate_key(), generate_key()
    world = World(key=lost_key)
    account = await world.connected_account()
    register = RegisterSubscription(world.uow, world.cipher, NoResolver(), world.clock, True)
    lost = await register("orders_v2", "http://hooks.internal/lost")
    kept_secret = FernetTokenCipher([new_key]).encrypt("kept")
    async with world.uow() as uow:
        kept = await uow.subscriptions.add(
            Subscription("items", "http://hooks.internal/kept", kept_secret, START)
        )
        await uow.commit()

    rotation = await RotateTokenKeys(world.uow, FernetTokenCipher([new_key]), world.clock)()

    assert not rotation.complete
    assert rotation.unreadable_accounts == (account.id,)
    assert rotation.unreadable_subscriptions == (lost.subscription.id,)
    assert kept.id not in rotation.unreadable_subscriptions


async def test_the_access_token_is_kept_in_memory_for_a_minute_at_most():
    world = World()
    account = await world.connected_account()
    opened = []
    real_uow = world.uow

    def counting_uow():
        opened.append(1)
        return real_uow()

    world.vault._uow = counting_uow
    first = await world.vault.access_token(account.id)
    assert len(opened) == 1
    assert await world.vault.access_token(account.id) == first
    assert len(opened) == 1, "a second call within the minute reads nothing"
    world.clock.advance(61)
    await world.vault.access_token(account.id)
    assert len(opened) == 2
    world.vault.forget(account.id)
    await world.vault.access_token(account.id)
    assert len(opened) == 3
