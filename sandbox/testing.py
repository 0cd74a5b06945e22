"""Run the sandbox in-process, for tests and benchmarks.

async with running_sandbox(rate_limit=0) as sandbox:
    token = await sandbox.token_for(sandbox.sellers[0]["id"])
    ...  # call sandbox.url with token["access_token"]
"""

from __future__ import annotations

import contextlib
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
        self.state.clock.advance(seconds)

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
