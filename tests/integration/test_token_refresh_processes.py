"""Token refresh under concurrency, against the sandbox over real HTTP.

Several OS processes, each with many concurrent calls, find the access token expired at
the same moment: exactly one refresh reaches MercadoLibre and nobody gets invalid_grant
(mercadolibre-api.md §1.3: refresh tokens are single use, only the latest is valid).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.crypto.fernet import generate_key
from adapters.sql.migrate import upgrade
from application.errors import ReauthorizationRequired
from domain.accounts import Account, TokenPair
from entrypoints.container import build_container, start, stop
from entrypoints.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Settings
from sandbox.testing import running_sandbox
from tests.isolation import leased_redis_db, own_postgres_database

PROCESSES = 5
CALLS_PER_PROCESS = 10


def settings_for(
    sandbox_url: str, data_dir: Path, database_url: str, key: str, redis_url: str | None
) -> dict[str, str]:
    values = {
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "ENCRYPTION_KEY": key,
        "CLIENT_ID": SANDBOX_CLIENT_ID,
        "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "API_URL": sandbox_url,
        "AUTH_URL": sandbox_url,
        "RATE_LIMIT_PER_SECOND": "1000",
        "RATE_LIMIT_BURST": "1000",
    }
    if redis_url:
        values["REDIS_URL"] = redis_url
    return values


async def _calls(values: dict[str, str], account_id: int, calls: int) -> list[str]:
    container = build_container(Settings.from_mapping(values))
    await start(container)
    try:
        results = await asyncio.gather(
            *(container.marketplace().seller_profile(account_id) for _ in range(calls)),
            return_exceptions=True,
        )
    finally:
        await stop(container)
    return [
        "ok" if not isinstance(r, BaseException) else f"{type(r).__name__}: {r}" for r in results
    ]


def call_in_child(values: dict[str, str], account_id: int, calls: int) -> list[str]:
    return asyncio.run(_calls(values, account_id, calls))


def refresh_then_crash(values: dict[str, str], account_id: int) -> None:
    async def refresh() -> None:
        container = build_container(Settings.from_mapping(values))
        await start(container)
        await container.token_vault().refresh(account_id)
        # Die the hard way between storing the new pair and using it: no cleanup at all.
        os._exit(0)

    asyncio.run(refresh())


async def connect_with_expired_token(values: dict[str, str], sb) -> int:
    seller = sb.sellers[0]
    answer = await sb.token_for(seller["id"])
    container = build_container(Settings.from_mapping(values))
    await start(container)
    try:
        clock = container.clock()
        # Expired for the service, so every caller wants to refresh at once.
        pair = TokenPair.issued(
            answer["access_token"],
            answer["refresh_token"],
            1,
            clock.now() - timedelta(hours=1),
            answer["scope"],
            seller["id"],
        )
        async with container.unit_of_work() as uow:
            account = await uow.accounts.add(
                Account(seller["id"], seller["site_id"], seller["nickname"])
            )
            await container.token_vault().store(uow, account, pair)
            await uow.commit()
        return account.id
    finally:
        await stop(container)


@pytest.fixture(params=["sqlite-filelock", "postgres-redis"])
async def backend(request, tmp_path):
    if request.param == "sqlite-filelock":
        url = f"sqlite+aiosqlite:///{tmp_path / 'meli.db'}"
        await asyncio.to_thread(upgrade, url)
        yield url, None
        return
    # A PostgreSQL and a Redis database of this run's own (tests/isolation.py).
    base = request.getfixturevalue("postgres_url")
    async with own_postgres_database(base, "meli_refresh") as url:
        with leased_redis_db(request.getfixturevalue("redis_url")) as redis_url:
            await asyncio.to_thread(upgrade, url)
            yield url, redis_url


async def test_concurrent_calls_in_several_processes_cause_one_refresh(backend, tmp_path):
    database_url, redis_url = backend
    async with running_sandbox(rate_limit=0) as sb:
        values = settings_for(sb.url, tmp_path, database_url, generate_key(), redis_url)
        account_id = await connect_with_expired_token(values, sb)
        await sb.admin("POST", "/stats/reset")
        context = multiprocessing.get_context("spawn")
        with context.Pool(PROCESSES) as pool:
            outcomes = await asyncio.to_thread(
                pool.starmap,
                call_in_child,
                [(values, account_id, CALLS_PER_PROCESS)] * PROCESSES,
            )
        stats = await sb.admin("GET", "/stats")
    results = [r for batch in outcomes for r in batch]
    assert results == ["ok"] * (PROCESSES * CALLS_PER_PROCESS)
    assert stats["calls"].get("POST /oauth/token") == 1
    assert stats["calls"].get("GET /users/me") == PROCESSES * CALLS_PER_PROCESS


async def test_a_crash_right_after_a_refresh_loses_no_token(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'meli.db'}"
    await asyncio.to_thread(upgrade, database_url)
    async with running_sandbox(rate_limit=0) as sb:
        values = settings_for(sb.url, tmp_path, database_url, generate_key(), None)
        account_id = await connect_with_expired_token(values, sb)
        child = multiprocessing.get_context("spawn").Process(
            target=refresh_then_crash, args=(values, account_id)
        )
        child.start()
        await asyncio.to_thread(child.join, 60)
        assert child.exitcode == 0
        await sb.admin("POST", "/stats/reset")
        assert await _calls(values, account_id, 3) == ["ok"] * 3
        # The pair the crashed process stored is the one in use: no second refresh.
        assert (await sb.admin("GET", "/stats"))["calls"].get("POST /oauth/token") is None


async def test_tokens_keep_working_over_days_of_simulated_time(tmp_path):
    """Access tokens expire every 6 h of sandbox time (§1.2); each 401 renews once."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'meli.db'}"
    await asyncio.to_thread(upgrade, database_url)
    async with running_sandbox(rate_limit=0) as sb:
        values = settings_for(sb.url, tmp_path, database_url, generate_key(), None)
        account_id = await connect_with_expired_token(values, sb)
        await sb.admin("POST", "/stats/reset")
        container = build_container(Settings.from_mapping(values))
        await start(container)
        try:
            for _ in range(12):  # three days, a call every 6 h 10 min of sandbox time
                sb.advance_clock(6 * 3600 + 600)
                await container.marketplace().seller_profile(account_id)
            stats = await sb.admin("GET", "/stats")
        finally:
            await stop(container)
    # One refresh per sandbox expiry: each 401 renews exactly once, nothing more.
    assert stats["calls"]["POST /oauth/token"] == 12


async def test_a_revoked_grant_marks_the_account_once_and_stops_calling(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'meli.db'}"
    await asyncio.to_thread(upgrade, database_url)
    async with running_sandbox(rate_limit=0) as sb:
        values = settings_for(sb.url, tmp_path, database_url, generate_key(), None)
        account_id = await connect_with_expired_token(values, sb)
        await sb.admin("POST", "/tokens/revoke", {"user_id": sb.sellers[0]["id"]})
        await sb.admin("POST", "/stats/reset")
        container = build_container(Settings.from_mapping(values))
        await start(container)
        try:
            for _ in range(3):
                with pytest.raises(ReauthorizationRequired):
                    await container.marketplace().seller_profile(account_id)
            account = await container.get_account()(account_id)
            stats = await sb.admin("GET", "/stats")
        finally:
            await stop(container)
    assert account.status.value == "needs_reauthorization"
    assert stats["calls"]["POST /oauth/token"] == 1
