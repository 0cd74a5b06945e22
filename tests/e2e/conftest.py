from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.crypto.fernet import generate_key
from entrypoints.container import build_container, start, stop
from entrypoints.http.app import create_app
from entrypoints.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Settings
from entrypoints.worker.runtime import build_worker
from tests.helpers import connect_seller

API_KEY = "test-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
async def service(tmp_path):
    """The whole service on in-memory storage with the in-process worker: (container,
    worker)."""
    settings = Settings.from_mapping(
        {"STORAGE": "memory", "DATA_DIR": str(tmp_path), "API_KEYS": API_KEY}
    )
    built = build_container(settings)
    await start(built)
    worker = build_worker(built)
    await worker.start()
    yield built, worker
    await worker.stop()
    await stop(built)


@pytest.fixture
def container(service):
    return service[0]


@pytest.fixture
def worker(service):
    return service[1]


@pytest.fixture
async def client(container, aiohttp_client):
    return await aiohttp_client(create_app(container))


@contextlib.asynccontextmanager
async def service_on_sandbox(
    sb, tmp_path, aiohttp_client, **values: str
) -> AsyncIterator[dict[str, Any]]:
    """The service (in-process worker, the real gateway) pointed at a running sandbox,
    its first seller connected, and a test client of the REST app. `values` are settings
    (without the MELI_ prefix) over the defaults: in-memory storage, no rate limit worth
    the name, no safety stock."""
    settings = Settings.from_mapping(
        {
            "STORAGE": "memory",
            "DATA_DIR": str(tmp_path),
            "API_KEYS": API_KEY,
            "ENCRYPTION_KEY": generate_key(),
            "CLIENT_ID": SANDBOX_CLIENT_ID,
            "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "API_URL": sb.url,
            "AUTH_URL": sb.url,
            "RATE_LIMIT_PER_SECOND": "1000",
            "SAFETY_STOCK": "0",
            **values,
        }
    )
    container = build_container(settings)
    await start(container)
    worker = build_worker(container)
    await worker.start()
    try:
        seller = sb.sellers[0]
        account = await connect_seller(container, sb, seller)
        client = await aiohttp_client(create_app(container))
        yield {
            "sb": sb,
            "client": client,
            "account_id": account.id,
            "seller": seller,
            "container": container,
        }
    finally:
        await worker.stop()
        await stop(container)
