"""Run the sandbox in-process, for tests and benchmarks.

async with running_sandbox(rate_limit=0, callback_url="http://127.0.0.1:8012/hook") as sb:
    token = await sb.token_for(sb.sellers[0]["id"])
    ...  # call sb.url with token["access_token"]
    order = await sb.event("order", seller_id=sb.sellers[0]["id"])
    delivered = await sb.wait_for_deliveries(3)   # orders_v2, items, shipments, payments...
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
from aiohttp import web
from yarl import URL

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.http import STATE
from sandbox.state import SandboxState

__all__ = ["RunningSandbox", "SandboxConfig", "running_sandbox"]

DEFAULT_STATE = "sandbox-state"


@attrs.define
class RunningSandbox:
    """A sandbox listening on 127.0.0.1; `state` is the live in-memory state."""

    url: str
    app: web.Application

    @property
    def state(self) -> SandboxState:
        return self.app[STATE]

    @property
    def config(self) -> SandboxConfig:
        return self.state.config

    @property
    def sellers(self) -> list[dict[str, Any]]:
        """`[{id, nickname, site_id}]`, as GET /_sandbox/sellers answers."""
        return [s.summary_json() for s in self.state.sellers]

    def advance_clock(self, seconds: float) -> None:
        """Jump the simulated clock; notification retries that fall due are made."""
        self.state.clock.advance(seconds)

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call the admin API (`/_sandbox/...`); answers the JSON, raises on an error."""
        async with aiohttp.ClientSession() as session:
            response = await session.request(method, f"{self.url}/_sandbox{path}", json=body)
            payload = await response.json()
        if response.status >= 400:
            raise RuntimeError(f"{method} /_sandbox{path} refused ({response.status}): {payload}")
        return payload

    async def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        """A marketplace event by hand (POST /_sandbox/events), e.g.
        `await sb.event("order", seller_id=..., item_id=..., status="confirmed")`;
        answers the order, question, message, shipment, item or claim."""
        return await self.admin("POST", "/events", {"type": kind, **fields})  # type: ignore[no-any-return]

    async def deliveries(
        self, *, topic: str | None = None, outcome: str | None = None
    ) -> list[dict[str, Any]]:
        """The notifications sent so far (GET /_sandbox/deliveries), oldest first."""
        query = "&".join(f"{k}={v}" for k, v in (("topic", topic), ("outcome", outcome)) if v)
        return await self.admin("GET", "/deliveries" + (f"?{query}" if query else ""))  # type: ignore[no-any-return]

    async def wait_for_deliveries(
        self,
        count: int = 1,
        *,
        topic: str | None = None,
        outcome: str = "delivered",
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Wait (real time) until at least `count` notifications have `outcome`."""
        deadline = time.monotonic() + timeout
        while True:
            found = await self.deliveries(topic=topic, outcome=outcome)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)} of {count} {outcome} notifications")
            await asyncio.sleep(0.02)

    async def authorize(
        self,
        user_id: int,
        redirect_uri: str | None = None,
        state: str = DEFAULT_STATE,
        code_challenge: str | None = None,
        method: str | None = None,
    ) -> str:
        """The consent click for `user_id`; answers the authorization code (§1.1)."""
        body = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": redirect_uri or self.config.redirect_uri,
            "state": state,
            "user_id": user_id,
            "code_challenge": code_challenge,
            "code_challenge_method": method,
        }
        async with aiohttp.ClientSession() as session:
            response = await session.post(f"{self.url}/_sandbox/oauth/authorize", json=body)
            payload = await response.json()
        if response.status != 200:
            raise RuntimeError(f"authorization refused: {payload}")
        return URL(payload["redirect_url"]).query["code"]

    async def token_for(self, user_id: int) -> dict[str, Any]:
        """The whole authorization-code dance; answers the token response (§1.2)."""
        code = await self.authorize(user_id)
        form = {
            "grant_type": "authorization_code",
            "client_id": self.config.client_id,
            "client_secret": self.state.oauth.apps[self.config.client_id].client_secret,
            "code": code,
            "redirect_uri": self.config.redirect_uri,
        }
        async with aiohttp.ClientSession() as session:
            response = await session.post(f"{self.url}/oauth/token", data=form)
            payload = await response.json()
        if response.status != 200:
            raise RuntimeError(f"token exchange refused: {payload}")
        return payload


@contextlib.asynccontextmanager
async def running_sandbox(
    config: SandboxConfig | None = None, /, **options: Any
) -> AsyncIterator[RunningSandbox]:
    """Start the sandbox on 127.0.0.1 with an ephemeral port; stop it on exit.

    Pass a SandboxConfig, or its options as keywords (`running_sandbox(rate_limit=0)`).
    """
    if config is None:
        config = SandboxConfig(**options)
    elif options:
        config = attrs.evolve(config, **options)
    app = create_app(config)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield RunningSandbox(f"http://127.0.0.1:{port}", app)
    finally:
        await runner.cleanup()
