from __future__ import annotations

import pytest

from entrypoints.container import build_container, start, stop
from entrypoints.settings import Settings

API_KEY = "test-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
async def container(tmp_path):
    """The whole service on in-memory storage with the in-process worker."""
    settings = Settings.from_mapping(
        {"STORAGE": "memory", "DATA_DIR": str(tmp_path), "API_KEYS": API_KEY}
    )
    built = build_container(settings)
    await start(built)
    worker = built.worker()
    await worker.start()
    yield built
    await worker.stop()
    await stop(built)


@pytest.fixture
async def client(container, aiohttp_client):
    return await aiohttp_client(container.http_app())
