"""Fixtures for the sandbox's own tests: an in-process sandbox behind aiohttp's test
client, and helpers to act as a seller with a real token."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient
from yarl import URL

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.http import STATE
from sandbox.state import SandboxState
from tests.sandbox.images import png

# Most tests want neither the rate limit nor the optimistic lock in their way; the tests
# of those two behaviours switch them on explicitly.
# A sent message is answered whole here, so that tests can read what was kept; the
# documented-fields answer has its own test (test_messages.py).
QUIET = {"rate_limit": 0, "optimistic_lock_window": 0, "message_answers": "full"}
# §0.3, §6.1: the header that asks GET /shipments/{id} for the new shape.
NEW_FORMAT = {"x-format-new": "true"}

MLA_ITEM = {
    "title": "Item de test - No Ofertar",
    "category_id": "MLA3530",
    "price": 350,
    "currency_id": "ARS",
    "available_quantity": 10,
    "buying_mode": "buy_it_now",
    "condition": "new",
    "listing_type_id": "gold_special",
    "sale_terms": [
        {"id": "WARRANTY_TYPE", "value_name": "Garantía del vendedor"},
        {"id": "WARRANTY_TIME", "value_name": "90 días"},
    ],
    "pictures": [{"source": "http://mla-s2-p.mlstatic.com/968521-MLA20805195516_072016-O.jpg"}],
    "attributes": [
        {"id": "BRAND", "value_name": "Marca del producto"},
        {"id": "EAN", "value_name": "7898095297749"},
    ],
}


def sneakers(**changes: Any) -> dict[str, Any]:
    """A valid MLA sneakers listing with two variations (COLOR x SIZE)."""
    body = {
        "title": "Zapatillas Nike Revolution 6 Hombre",
        "category_id": "MLA109027",
        "price": 89999,
        "currency_id": "ARS",
        "available_quantity": 10,
        "buying_mode": "buy_it_now",
        "condition": "new",
        "listing_type_id": "gold_special",
        "pictures": [
            {"source": "https://example.com/a.jpg"},
            {"source": "https://example.com/b.jpg"},
        ],
        "attributes": [
            {"id": "BRAND", "value_name": "Nike"},
            {"id": "GENDER", "value_id": "339666"},
        ],
        "variations": [
            variation("Negro", "40", 5),
            variation("Negro", "41", 3),
        ],
    }
    body.update(changes)
    return body


def variation(color: str, size: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {
        "attribute_combinations": [
            {"id": "COLOR", "value_name": color},
            {"id": "SIZE", "value_name": size},
        ],
        "available_quantity": quantity,
        "price": 89999,
        "picture_ids": extra.pop("picture_ids", None) or ["PLACEHOLDER"],
        **extra,
    }


class Sandbox:
    """A test client on a sandbox app, acting as one user at a time."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token: str | None = None

    @property
    def state(self) -> SandboxState:
        return self.client.app[STATE]

    @property
    def config(self) -> SandboxConfig:
        return self.state.config

    def seller(self, n: int = 0) -> int:
        return self.state.sellers[n].id

    async def authorize(self, user_id: int, **params: Any) -> str:
        body = {"user_id": user_id, "state": "xyz", **params}
        response = await self.client.post("/_sandbox/oauth/authorize", json=body)
        payload = await response.json()
        assert response.status == 200, payload
        return URL(payload["redirect_url"]).query["code"]

    async def exchange(self, code: str, **form: str) -> Any:
        data = {
            "grant_type": "authorization_code",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            **form,
        }
        return await self.client.post("/oauth/token", data=data)

    async def tokens_for(self, user_id: int) -> dict[str, Any]:
        response = await self.exchange(await self.authorize(user_id))
        payload = await response.json()
        assert response.status == 200, payload
        return payload

    async def login(self, user_id: int | None = None) -> int:
        """Act as `user_id` (default: the first seller) from now on."""
        user_id = self.seller() if user_id is None else user_id
        self.token = (await self.tokens_for(user_id))["access_token"]
        return user_id

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        response = await self.client.request(method, path, headers=headers, **kwargs)
        text = await response.text()
        body = None
        if text and response.content_type == "application/json":
            body = await response.json()
        elif text:
            body = text
        return response.status, body

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("DELETE", path, **kwargs)

    async def upload_picture(self, width: int = 800, height: int = 800) -> str:
        form = FormData()
        form.add_field("file", png(width, height), filename="photo.png", content_type="image/png")
        status, body = await self.post("/pictures/items/upload", data=form)
        assert status == 201, body
        return body["id"]

    async def create_item(self, body: dict[str, Any]) -> dict[str, Any]:
        status, item = await self.post("/items", json=body)
        assert status == 201, item
        return item

    async def create_sneakers(self, **changes: Any) -> dict[str, Any]:
        """A sneakers listing whose variations use one uploaded picture."""
        picture = await self.upload_picture()
        body = sneakers(**changes)
        for entry in body.get("variations", []):
            entry["picture_ids"] = [picture]
        return await self.create_item(body)

    def advance(self, seconds: float) -> None:
        self.state.clock.advance(seconds)

    async def event(self, kind: str, **fields: Any) -> Any:
        """POST /_sandbox/events; asserts success and answers the resource."""
        status, body = await self.post("/_sandbox/events", json={"type": kind, **fields})
        assert status in (200, 201), body
        return body

    async def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        status, body = await self.get("/_sandbox/deliveries", params=filters)
        assert status == 200, body
        return body

    async def settle(self) -> None:
        """Let the notification sender finish what is due now (a loaded machine may
        take seconds; the notifier's own default of 5 s is for interactive use)."""
        await self.state.notifier.settle(timeout=30.0)

    def order_of(self, seller: int, accept: Callable[[Any], bool]) -> Any:
        """A stored order of `seller` that `accept`s (newest first)."""
        for order in reversed(self.state.market.orders.by_seller[seller]):
            if accept(order):
                return order
        raise AssertionError("no such order in the demo history")


MakeSandbox = Callable[..., Awaitable[Sandbox]]


@pytest.fixture
def make_sandbox(aiohttp_client: Any) -> MakeSandbox:
    async def make(**options: Any) -> Sandbox:
        config = SandboxConfig(**{**QUIET, **options})
        return Sandbox(await aiohttp_client(create_app(config)))

    return make


@pytest.fixture
async def sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    """A quiet sandbox (no rate limit, no optimistic lock), logged in as seller 1 (MLA)."""
    sb = await make_sandbox()
    await sb.login()
    return sb


class Receiver:
    """An application's notification endpoint: records every POST and answers with
    `status` after `delay` seconds (both changeable during a test)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append({"headers": dict(request.headers), "body": body, "at": time.time()})
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(status=self.status, text="ok")

    def bodies(self, topic: str | None = None) -> list[dict[str, Any]]:
        return [c["body"] for c in self.calls if topic is None or c["body"]["topic"] == topic]

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.calls)} of {count} notifications arrived")
            await asyncio.sleep(0.01)
        return self.bodies()


@pytest.fixture
async def receiver(aiohttp_server: Any) -> Receiver:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    server = await aiohttp_server(app)
    hook.url = str(server.make_url("/hook"))
    return hook
