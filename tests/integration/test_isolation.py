"""The databases a run of the process tests or of a benchmark makes its own
(tests/isolation.py): two runs on one PostgreSQL and one Redis never meet, and nothing
that is not the tests' is ever emptied."""

from __future__ import annotations

import asyncpg
import pytest
import redis

from tests.isolation import LEASE, POOL_MARK, leased_redis_db, own_postgres_database

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def db_number(url: str) -> int:
    return int(url.rsplit("/", 1)[1])


def keys(url: str) -> set[bytes]:
    with redis.Redis.from_url(url) as client:
        return set(client.scan_iter())


def test_two_runs_at_once_lease_different_redis_databases_and_leave_them_empty(redis_url):
    with leased_redis_db(redis_url) as first, leased_redis_db(redis_url) as second:
        assert first != second and redis_url not in (first, second)
        for url in (first, second):
            with redis.Redis.from_url(url) as client:
                client.set("meli:default.msgs", "a job of this run")

    assert keys(first) == keys(second) == {POOL_MARK.encode()}, "emptied, still the tests'"


def test_a_leased_database_is_not_taken_and_foreign_data_is_never_emptied(redis_url):
    with leased_redis_db(redis_url) as url:
        number = db_number(url)
        with pytest.raises(RuntimeError, match="no free Redis database"):
            with leased_redis_db(redis_url, databases=[number]):
                pass

        # The same database as someone else's: no lease, no mark, data of its own.
        with redis.Redis.from_url(url) as client:
            client.delete(LEASE, POOL_MARK)
            client.set("someone:else", "kept")
        with pytest.raises(RuntimeError, match="no free Redis database"):
            with leased_redis_db(redis_url, databases=[number]):
                pass
        assert keys(url) == {b"someone:else"}

        # The tests' again, with what a crashed run left: taken, and emptied first.
        with redis.Redis.from_url(url) as client:
            client.set(POOL_MARK, "1")
        with leased_redis_db(redis_url, databases=[number]) as again:
            assert again == url and keys(url) == {POOL_MARK.encode(), LEASE.encode()}

    assert keys(url) == {POOL_MARK.encode()}


async def test_each_run_gets_a_postgres_database_of_its_own_dropped_at_the_end(postgres_url):
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    async with (
        own_postgres_database(postgres_url, "meli_isolation") as first,
        own_postgres_database(postgres_url, "meli_isolation") as second,
    ):
        assert first != second
        # A connection left open does not keep the database alive.
        held = await asyncpg.connect(first.replace("postgresql+asyncpg://", "postgresql://"))
        assert await held.fetchval("SELECT current_database()") == first.rsplit("/", 1)[1]

    server = await asyncpg.connect(dsn)
    try:
        names = {row["datname"] for row in await server.fetch("SELECT datname FROM pg_database")}
    finally:
        await server.close()
    assert {first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]}.isdisjoint(names)
    held.terminate()
