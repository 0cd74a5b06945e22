"""A scripted MercadoLibre on loopback for the gateway's unit tests: it answers each
(method, path) with the status and body it was given, a MercadoLibre 404 otherwise, and
records every request (query and headers included), so that a test drives the real
gateway (client, AccountCalls, readers) over real HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
from aiohttp import web

from adapters.mercadolibre import (
    AccountCalls,
    AiohttpListingGateway,
    AiohttpMarketplace,
    MercadoLibreClient,
    RetryPolicy,
    create_session,
)

TOKEN = "APP_USR-1000000000000001-010203-0123456789abcdef0123456789abcdef-42"


@attrs.define(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class FakeMeli:
    """Answers (method, path) with (status, body); the body is JSON-encoded unless it is
    bytes (sent as is, to carry escapes such as a lone \\ud800)."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], tuple[int, Any]] = {}
        self.seen: list[Seen] = []
        self.url = ""

    def answer(self, method: str, path: str, status: int, body: Any) -> None:
        self.answers[(method.upper(), path)] = (status, body)

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append(
            Seen(
                request.method,
                request.path,
                dict(request.query),
                {k.lower(): v for k, v in request.headers.items()},
            )
        )
        status, body = self.answers.get(
            (request.method, request.path),
            (404, {"message": "not found", "error": "not_found", "status": 404, "cause": []}),
        )
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return web.Response(status=status, body=raw, content_type="application/json")


class StaticTokens:
    """AccessTokenSource with one token that never needs renewing."""

    async def access_token(self, account_id: int) -> str:
        return TOKEN

    async def renew_rejected(self, account_id: int, rejected_token: str) -> str:
        return TOKEN


class NoLimit:
    async def acquire(self, key: str = "", cost: int = 1, call_class: object = None) -> float:
        return 0.0


@pytest.fixture
async def fake_meli(aiohttp_server: Any) -> FakeMeli:
    meli = FakeMeli()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", meli.handle)
    server = await aiohttp_server(app)
    meli.url = str(server.make_url("")).rstrip("/")
    return meli


@pytest.fixture
async def meli_calls(fake_meli: FakeMeli) -> AsyncIterator[AccountCalls]:
    session = create_session(total_timeout=5, read_timeout=2)
    client = MercadoLibreClient(
        session, NoLimit(), api_url=fake_meli.url, retry=RetryPolicy(max_attempts=1)
    )
    yield AccountCalls(client, StaticTokens())
    await session.close()


@pytest.fixture
def marketplace(meli_calls: AccountCalls) -> AiohttpMarketplace:
    return AiohttpMarketplace(meli_calls)


@pytest.fixture
def listing_gateway(meli_calls: AccountCalls) -> AiohttpListingGateway:
    return AiohttpListingGateway(meli_calls)
