"""The files that hold the sellers' data and the keys are private to the service's user
whatever the umask: the SQLite database (0600, its -wal and -shm files alike), its
folder and the key files' folder (0700)."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from adapters.crypto.fernet import create_secret_file
from adapters.sql.engine import create_engine


@pytest.fixture
def permissive_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_sqlite_database_and_its_folder_are_created_private(tmp_path, permissive_umask):
    database = tmp_path / "data" / "meli.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("PRAGMA journal_mode=WAL"))
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        files = sorted(p.name for p in database.parent.iterdir())
        assert "meli.db-wal" in files, files
        assert {p.name: mode(p) for p in database.parent.iterdir()} == {
            name: 0o600 for name in files
        }
    finally:
        await engine.dispose()
    assert mode(database.parent) == 0o700


def test_a_generated_key_file_and_its_folder_are_private(tmp_path, permissive_umask):
    path = tmp_path / "keys" / "encryption-key"
    create_secret_file(path, lambda: "secret")
    assert (mode(path), mode(path.parent)) == (0o600, 0o700)
