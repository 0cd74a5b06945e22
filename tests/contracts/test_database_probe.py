from __future__ import annotations

import asyncio
import socket
import time

import pytest

from adapters.memory import InMemoryJobQueue
from adapters.sql import SqlDatabaseProbe, SqlUnitOfWork, create_engine
from application.errors import Unavailable


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_adapter(request):
    return request.param


@pytest.fixture
def adapter(sql_adapter):
    """The database fixtures of conftest.py, for the SQL adapters only."""
    return sql_adapter


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_database_that_answers_passes_the_check(database_url):
    engine = create_engine(database_url)
    probe = SqlDatabaseProbe(engine)
    try:
        await probe.check()
    finally:
        await engine.dispose()

    assert probe.name == "database"


async def test_a_postgres_server_that_does_not_answer_is_reported_unavailable():
    url = f"postgresql+asyncpg://meli:secret-password@127.0.0.1:{_closed_port()}/meli"
    engine = create_engine(url)
    started = time.monotonic()
    try:
        with pytest.raises(Unavailable) as raised:
            await SqlDatabaseProbe(engine, timeout=3).check()
    finally:
        await engine.dispose()

    assert time.monotonic() - started < 5
    assert "secret-password" not in str(raised.value)


async def test_a_sqlite_file_that_cannot_be_opened_is_reported_unavailable(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    engine = create_engine(f"sqlite+aiosqlite:///{blocker}/meli.db")
    try:
        with pytest.raises(Unavailable):
            await SqlDatabaseProbe(engine).check()
    finally:
        await engine.dispose()
        # aiosqlite stops the worker thread of a failed connection without waiting for
        # it; let that finish before this test's event loop closes.
        await asyncio.sleep(0.1)


async def test_a_unit_of_work_on_a_database_that_does_not_answer_raises_unavailable():
    engine = create_engine(f"postgresql+asyncpg://meli@127.0.0.1:{_closed_port()}/meli")
    try:
        with pytest.raises(Unavailable):
            async with SqlUnitOfWork(engine, InMemoryJobQueue()):
                pass
    finally:
        await engine.dispose()
