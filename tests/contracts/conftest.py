"""Every contract test runs against each adapter: memory, SQLite, and PostgreSQL when
MELI_TEST_DATABASE_URL is set (see tests/conftest.py for how a missing one skips or fails).
The MercadoLibre gateway suites run the real gateway against a sandbox of the module's own
and the fake of tests/fakes/ (see sandbox_sellers.py).

SQLite: the schema is migrated once per session into a template file, which each test
copies. PostgreSQL: a database of the run's own (tests/isolation.py) is migrated once per
session, and every table is truncated before each test, so two runs on one server never
meet.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
import pytest_asyncio

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.mercadolibre import create_session
from adapters.sql import SqlUnitOfWork, create_engine
from adapters.sql.migrate import upgrade
from adapters.sql.tables import ALL_TABLES
from application.ports.unit_of_work import UnitOfWork
from sandbox.testing import RunningSandbox, running_sandbox
from tests.contracts.sandbox_sellers import SANDBOX_OPTIONS
from tests.isolation import create_postgres_database, drop_postgres_database

T = TypeVar("T")
UnitOfWorkFactory = Callable[[], UnitOfWork]


def run_outside_the_loop(function: Callable[..., T], *args: Any) -> T:
    """Run sync code that starts its own event loop (Alembic's env.py) from anywhere."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(function, *args).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("contracts") / "template.db"
    run_outside_the_loop(upgrade, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> Iterator[str]:
    url = run_outside_the_loop(
        lambda: asyncio.run(create_postgres_database(postgres_url, "meli_contracts"))
    )
    try:
        run_outside_the_loop(upgrade, url)
        yield url
    finally:
        run_outside_the_loop(lambda: asyncio.run(drop_postgres_database(url)))


@pytest.fixture
def job_queue() -> InMemoryJobQueue:
    return InMemoryJobQueue()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def adapter(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(adapter: str, request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """A fresh database for the test, or None for the memory adapter."""
    if adapter == "memory":
        return None
    if adapter == "sqlite":
        database = tmp_path / "meli.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
        return f"sqlite+aiosqlite:///{database}"
    return request.getfixturevalue("migrated_postgres")


@pytest.fixture
async def uow_factory(
    adapter: str, database_url: str | None, job_queue: InMemoryJobQueue
) -> AsyncIterator[UnitOfWorkFactory]:
    if database_url is None:
        store = InMemoryStore()
        yield lambda: InMemoryUnitOfWork(store, job_queue)
        return
    engine = create_engine(database_url)
    if adapter == "postgres":
        names = ", ".join(table.name for table in ALL_TABLES)
        async with engine.begin() as connection:
            await connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    try:
        yield lambda: SqlUnitOfWork(engine, job_queue)
    finally:
        await engine.dispose()


# -- the MercadoLibre gateways: one sandbox per module --------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway_sandbox() -> AsyncIterator[RunningSandbox]:
    """The sandbox the real gateways run against in the gateway contract suites; see
    tests/contracts/sandbox_sellers.py."""
    async with running_sandbox(**SANDBOX_OPTIONS) as sandbox:
        yield sandbox


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway_session() -> AsyncIterator[aiohttp.ClientSession]:
    session = create_session()
    yield session
    await session.close()
