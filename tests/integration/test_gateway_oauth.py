"""AiohttpOAuthGateway against the sandbox over real HTTP on loopback
(ref: mercadolibre-api.md §1.1-§1.5, §3)."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from yarl import URL

from adapters.local.ratelimit import LocalRateLimiter
from adapters.mercadolibre import (
    AiohttpOAuthGateway,
    MercadoLibreClient,
    RetryPolicy,
    create_session,
)
from adapters.system.clock import ManualClock
from application.errors import InvalidGrant, Unavailable
from application.ports.oauth import SellerProfile
from application.ports.rate_limiter import RateLimits
from domain.errors import UnknownSite
from sandbox.testing import RunningSandbox, running_sandbox

STATE = "s" * 43


def pkce() -> tuple[str, str]:
    """A verifier and its S256 challenge (§1.4)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Recorder(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(rate_limit=0, pkce_required=True, token_ttl=7200) as sb:
        yield sb


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    session = create_session()
    yield session
    await session.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


@pytest.fixture
def oauth(sandbox, session, clock, sleeps) -> AiohttpOAuthGateway:
    client = MercadoLibreClient(
        session,
        LocalRateLimiter(RateLimits(per_second=0)),
        api_url=sandbox.url,
        retry=RetryPolicy(max_attempts=4),
        sleep=sleeps,
    )
    return AiohttpOAuthGateway(
        client,
        client_id=sandbox.config.client_id,
        client_secret=sandbox.config.client_secret,
        redirect_uri=sandbox.config.redirect_uri,
        clock=clock,
        auth_url=sandbox.url,
    )


async def admin(sandbox: RunningSandbox, method: str, path: str, body: Any = None) -> Any:
    async with aiohttp.ClientSession() as s, s.request(method, sandbox.url + path, json=body) as r:
        assert r.status < 300, await r.text()
        return await r.json()


async def token_calls(sandbox: RunningSandbox) -> int:
    return (await admin(sandbox, "GET", "/_sandbox/stats"))["calls"].get("POST /oauth/token", 0)


async def connect(sandbox: RunningSandbox, oauth: AiohttpOAuthGateway, seller: int = 0):
    verifier, challenge = pkce()
    code = await sandbox.authorize(
        sandbox.sellers[seller]["id"], code_challenge=challenge, method="S256"
    )
    return await oauth.exchange_code(code, verifier)


# -- the consent page (§1.1) -------------------------------------------------------------------


def make_oauth(auth_url: str | None = None) -> AiohttpOAuthGateway:
    return AiohttpOAuthGateway(
        None,  # type: ignore[arg-type]  # authorization_url makes no call
        client_id="1000000000000001",
        client_secret="sandbox-secret",
        redirect_uri="http://localhost:8012/auth/callback",
        clock=ManualClock(),
        auth_url=auth_url,
    )


@pytest.mark.parametrize(
    ("site_id", "host"),
    [
        ("MLA", "auth.mercadolibre.com.ar"),
        ("MLB", "auth.mercadolivre.com.br"),
        ("MLC", "auth.mercadolibre.cl"),
        ("MPY", "auth.mercadolibre.com.py"),
    ],
)
def test_the_authorization_url_is_on_the_sites_auth_host(site_id, host):
    url = URL(make_oauth().authorization_url(site_id, STATE, "challenge"))
    assert (url.scheme, url.host, url.path) == ("https", host, "/authorization")
    assert dict(url.query) == {
        "response_type": "code",
        "client_id": "1000000000000001",
        "redirect_uri": "http://localhost:8012/auth/callback",
        "state": STATE,
        "code_challenge": "challenge",
        "code_challenge_method": "S256",
    }


def test_an_auth_url_override_replaces_the_site_host():
    url = URL(make_oauth("http://127.0.0.1:9999/").authorization_url("MLB", STATE, "c"))
    assert str(url.with_query(None)) == "http://127.0.0.1:9999/authorization"


def test_an_unknown_site_is_refused():
    with pytest.raises(UnknownSite):
        make_oauth().authorization_url("XXX", STATE, "c")


async def test_the_sandbox_consent_page_accepts_the_authorization_url(oauth, sandbox):
    _, challenge = pkce()
    async with (
        aiohttp.ClientSession() as s,
        s.get(oauth.authorization_url("MLA", STATE, challenge)) as page,
    ):
        html = await page.text()
    assert page.status == 200
    assert sandbox.sellers[0]["nickname"] in html


# -- code exchange and refresh (§1.2, §1.3, §1.4) ---------------------------------------------


async def test_a_code_is_exchanged_with_pkce_for_a_token_pair(oauth, sandbox, clock):
    pair = await connect(sandbox, oauth)
    assert pair.access_token.startswith("APP_USR-")
    assert pair.refresh_token.startswith("TG-")
    assert pair.user_id == sandbox.sellers[0]["id"]
    assert pair.scope == "offline_access read write"
    # §1.2: expiry from expires_in (7200 here), never a constant.
    assert pair.expires_at == clock.now() + timedelta(seconds=7200)


async def test_a_wrong_code_verifier_is_an_invalid_grant(oauth, sandbox):
    _, challenge = pkce()
    code = await sandbox.authorize(
        sandbox.sellers[0]["id"], code_challenge=challenge, method="S256"
    )
    with pytest.raises(InvalidGrant):
        await oauth.exchange_code(code, pkce()[0])


async def test_a_code_works_once(oauth, sandbox):
    verifier, challenge = pkce()
    code = await sandbox.authorize(
        sandbox.sellers[0]["id"], code_challenge=challenge, method="S256"
    )
    await oauth.exchange_code(code, verifier)
    with pytest.raises(InvalidGrant):
        await oauth.exchange_code(code, verifier)


async def test_a_refresh_rotates_the_pair_and_kills_the_old_refresh_token(oauth, sandbox, clock):
    first = await connect(sandbox, oauth)
    clock.advance(60)
    second = await oauth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert second.expires_at == clock.now() + timedelta(seconds=7200)
    assert (await oauth.profile(second.access_token)).user_id == first.user_id
    with pytest.raises(InvalidGrant) as caught:
        await oauth.refresh(first.refresh_token)
    assert first.refresh_token not in str(caught.value)
    # The new one still works: a refused refresh burns nothing.
    assert (await oauth.refresh(second.refresh_token)).user_id == first.user_id


async def test_the_expiry_follows_expires_in_when_the_server_changes_it(oauth, sandbox, clock):
    pair = await connect(sandbox, oauth)
    await admin(sandbox, "PATCH", "/_sandbox/config", {"token_ttl": 600})
    renewed = await oauth.refresh(pair.refresh_token)
    assert renewed.expires_at == clock.now() + timedelta(seconds=600)


async def test_the_profile_is_the_token_owners(oauth, sandbox):
    pair = await connect(sandbox, oauth, seller=1)
    seller = sandbox.sellers[1]
    profile = await oauth.profile(pair.access_token)
    assert profile == SellerProfile(
        user_id=seller["id"],
        nickname=seller["nickname"],
        site_id=seller["site_id"],
        email=profile.email,
    )
    assert profile.email and "@" in profile.email


# -- what is never retried (§1.3) --------------------------------------------------------------


async def test_a_refresh_answered_with_a_server_error_is_sent_once(oauth, sandbox, sleeps):
    pair = await connect(sandbox, oauth)
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    fault = {"path": "/oauth/token", "method": "POST", "status": 503, "count": 1}
    await admin(sandbox, "POST", "/_sandbox/faults", fault)
    with pytest.raises(Unavailable, match="not retried"):
        await oauth.refresh(pair.refresh_token)
    assert await token_calls(sandbox) == 1
    assert sleeps == []


async def test_a_refresh_whose_connection_dropped_is_sent_once(oauth, sandbox):
    pair = await connect(sandbox, oauth)
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    fault = {"path": "/oauth/token", "method": "POST", "drop": True, "count": 1}
    await admin(sandbox, "POST", "/_sandbox/faults", fault)
    with pytest.raises(Unavailable):
        await oauth.refresh(pair.refresh_token)
    assert await token_calls(sandbox) == 1


async def test_a_refresh_refused_with_429_is_sent_again_after_retry_after(oauth, sandbox, sleeps):
    """§2.4: a 429 was not processed; Retry-After (behind the sandbox flag) is honoured."""
    pair = await connect(sandbox, oauth)
    await admin(sandbox, "PATCH", "/_sandbox/config", {"retry_after_header": True})
    await admin(sandbox, "POST", "/_sandbox/stats/reset")
    fault = {"path": "/oauth/token", "method": "POST", "status": 429, "count": 2}
    await admin(sandbox, "POST", "/_sandbox/faults", fault)
    renewed = await oauth.refresh(pair.refresh_token)
    assert renewed.user_id == pair.user_id
    assert await token_calls(sandbox) == 3
    assert sleeps == [1.0, 1.0]


# -- secrets ---------------------------------------------------------------------------------


async def test_no_token_or_secret_reaches_an_error_or_a_log(oauth, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    pair = await connect(sandbox, oauth)
    renewed = await oauth.refresh(pair.refresh_token)
    errors: list[str] = []
    for fault in (
        {"path": "/oauth/token", "status": 503, "count": 1},
        {"path": "/oauth/token", "drop": True, "count": 1},
        {"path": "/oauth/token", "status": 429, "count": 9},
    ):
        await admin(sandbox, "POST", "/_sandbox/faults", fault)
        with pytest.raises(Exception) as caught:
            await oauth.refresh(renewed.refresh_token)
        errors.append(repr(caught.value) + str(caught.value))
        await admin(sandbox, "DELETE", "/_sandbox/faults")
    with pytest.raises(InvalidGrant) as caught:
        await oauth.refresh(pair.refresh_token)
    errors.append(str(caught.value))
    await admin(sandbox, "POST", "/_sandbox/tokens/revoke", {"user_id": pair.user_id})
    with pytest.raises(Exception) as caught:
        await oauth.profile(renewed.access_token)
    errors.append(str(caught.value))
    secrets_used = [
        pair.access_token,
        pair.refresh_token,
        renewed.access_token,
        renewed.refresh_token,
        sandbox.config.client_secret,
    ]
    assert len(errors) == 5
    for text in [*errors, caplog.text]:
        for secret in secrets_used:
            assert secret not in text
    assert "retrying" in caplog.text
