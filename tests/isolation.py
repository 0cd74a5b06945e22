"""PostgreSQL and Redis databases of their own for one run of a test or a benchmark, so
that two runs on one server (two suites, a suite and a benchmark) never meet.

PostgreSQL: a database named per run next to the given one, dropped at the end.

Redis: dramatiq's queue names are fixed and the service's settings have no key prefix,
so a run needs a whole Redis database. One is leased from the server's numbered
databases: an atomic script takes it only if no run holds it and it is empty or already
one of the tests' (a mark key, so that a database someone else fills is never flushed),
empties it (leftovers of a run that crashed) and sets a lease key that expires. At the
end the database is emptied again, only if the lease is still this run's. The database of
the given URL is never taken.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis

# A database the tests may empty whenever no run leases it.
POOL_MARK = "meli-test:pool"
LEASE = "meli-test:lease"
NEVER_LEASED: frozenset[int] = frozenset()
LEASE_SECONDS = 3600  # longer than any run; a crashed run's database is free after it

_TAKE = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('DBSIZE') > 0 and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('FLUSHDB')
redis.call('SET', KEYS[1], '1')
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('FLUSHDB')
redis.call('SET', KEYS[1], '1')
return 1
"""


def _with_db(redis_url: str, db: int) -> str:
    return urlunsplit(urlsplit(redis_url)._replace(path=f"/{db}"))


def _db_of(redis_url: str) -> int:
    path = urlsplit(redis_url).path.strip("/")
    return int(path) if path.isdigit() else 0


def _database_count(client: redis.Redis) -> int:
    try:
        return int(client.config_get("databases")["databases"])
    except (redis.ResponseError, KeyError, ValueError):
        return 16  # CONFIG may be disabled (managed servers); 16 is Redis's default


@contextlib.contextmanager
def leased_redis_db(
    redis_url: str, seconds: int = LEASE_SECONDS, databases: Iterable[int] | None = None
) -> Iterator[str]:
    """The URL of an empty Redis database on `redis_url`'s server that no other run
    uses until this block ends, taken among `databases` (default: all of the server's).
    Raises RuntimeError if every one is taken."""
    given = _db_of(redis_url)
    token = uuid.uuid4().hex
    if databases is None:
        with redis.Redis.from_url(redis_url) as probe:
            databases = range(1, _database_count(probe))
    for db in databases:
        if db == given or db in NEVER_LEASED:
            continue
        url = _with_db(redis_url, db)
        with redis.Redis.from_url(url) as client:
            if client.eval(_TAKE, 2, POOL_MARK, LEASE, token, seconds) == 1:
                break
    else:
        raise RuntimeError(
            "no free Redis database on the server of MELI_TEST_REDIS_URL: each is leased "
            "by another run or holds data that is not the tests'"
        )
    try:
        yield url
    finally:
        with redis.Redis.from_url(url) as client:
            client.eval(_RELEASE, 2, POOL_MARK, LEASE, token)


async def create_postgres_database(postgres_url: str, prefix: str) -> str:
    """Create a new, empty database named `<prefix>_<random>` on `postgres_url`'s server;
    return its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(_dsn(postgres_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


async def drop_postgres_database(url: str) -> None:
    """Drop a database made by create_postgres_database, connections and all."""
    base, name = url.rsplit("/", 1)
    connection = await asyncpg.connect(_dsn(f"{base}/postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@contextlib.asynccontextmanager
async def own_postgres_database(postgres_url: str, prefix: str) -> AsyncIterator[str]:
    """The SQLAlchemy URL of a new, empty database named `<prefix>_<random>` on
    `postgres_url`'s server, dropped (connections and all) when the block ends."""
    url = await create_postgres_database(postgres_url, prefix)
    try:
        yield url
    finally:
        await drop_postgres_database(url)
