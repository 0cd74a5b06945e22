"""OAuthGateway contract (application/ports/oauth.py, mercadolibre-api.md §1, §3):
AiohttpOAuthGateway on the sandbox over loopback, and FakeOAuthGateway, the fake the
connection and token-vault tests drive."""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

import aiohttp
import pytest
import pytest_asyncio
from yarl import URL

from adapters.mercadolibre import AiohttpOAuthGateway
from adapters.system.clock import ManualClock
from application.errors import InvalidGrant, Unauthorized
from application.ports.oauth import OAuthGateway, SellerProfile
from domain.errors import UnknownSite
from sandbox.testing import RunningSandbox
from tests.contracts.sandbox_sellers import gateway_client
from tests.fakes import FakeOAuthGateway
from tests.fakes.oauth import CLIENT_ID

pytestmark = pytest.mark.asyncio(loop_scope="module")
STATE = "s" * 43


def s256(verifier: str) -> str:
    """§1.4: the PKCE challenge of a verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthWorld(Protocol):
    oauth: OAuthGateway
    clock: ManualClock
    client_id: str
    expires_in: int

    async def seller(self) -> SellerProfile:
        """A new seller who can grant the application access."""
        ...

    async def consent(self, user_id: int, verifier: str) -> str:
        """The seller's consent on the authorization page (§1.1, PKCE S256): the code."""
        ...

    async def revoke(self, user_id: int) -> None:
        """The seller revokes the application's grant (§1.3)."""
        ...

    async def advance(self, seconds: float) -> None: ...


class SandboxOAuthWorld:
    def __init__(self, sandbox: RunningSandbox, session: aiohttp.ClientSession) -> None:
        self.sandbox = sandbox
        self.clock = ManualClock(datetime.fromtimestamp(sandbox.state.clock.now(), UTC))
        self.client_id = sandbox.config.client_id
        self.expires_in = sandbox.config.token_ttl
        self.oauth = AiohttpOAuthGateway(
            gateway_client(sandbox, session),
            client_id=self.client_id,
            client_secret=sandbox.config.client_secret,
            redirect_uri=sandbox.config.redirect_uri,
            clock=self.clock,
            auth_url=sandbox.url,
        )

    async def seller(self) -> SellerProfile:
        user = await self.sandbox.admin("POST", "/users", {"site_id": "MCO"})
        return SellerProfile(user["id"], user["nickname"], user["site_id"])

    async def consent(self, user_id: int, verifier: str) -> str:
        return await self.sandbox.authorize(user_id, code_challenge=s256(verifier), method="S256")

    async def revoke(self, user_id: int) -> None:
        await self.sandbox.admin("POST", "/tokens/revoke", {"user_id": user_id})

    async def advance(self, seconds: float) -> None:
        self.sandbox.advance_clock(seconds)
        self.clock.advance(seconds)


_user_ids = itertools.count(3_000_000_001)


class FakeOAuthWorld:
    def __init__(self) -> None:
        self.clock = ManualClock(datetime(2026, 11, 26, 12, tzinfo=UTC))
        self.client_id = CLIENT_ID
        self.oauth = FakeOAuthGateway(self.clock)
        self.expires_in = self.oauth.expires_in
        self._profiles: dict[int, SellerProfile] = {}

    async def seller(self) -> SellerProfile:
        user_id = next(_user_ids)
        self._profiles[user_id] = SellerProfile(user_id, f"TESTMCO{user_id}", "MCO")
        return self._profiles[user_id]

    async def consent(self, user_id: int, verifier: str) -> str:
        profile = self._profiles[user_id]
        return self.oauth.issue_code(user_id, verifier, profile.nickname, profile.site_id)

    async def revoke(self, user_id: int) -> None:
        self.oauth.revoke(user_id)

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)


@pytest.fixture(params=[pytest.param("sandbox", marks=pytest.mark.sandbox), "fake"])
def implementation(request: pytest.FixtureRequest) -> tuple[str, object, object]:
    if request.param == "sandbox":
        sandbox = request.getfixturevalue("gateway_sandbox")
        return request.param, sandbox, request.getfixturevalue("gateway_session")
    return request.param, None, None


@pytest_asyncio.fixture(loop_scope="module")
async def world(implementation) -> AsyncIterator[OAuthWorld]:
    kind, sandbox, session = implementation
    yield SandboxOAuthWorld(sandbox, session) if kind == "sandbox" else FakeOAuthWorld()


async def connected(world: OAuthWorld, seller: SellerProfile | None = None):
    seller = seller or await world.seller()
    verifier = secrets.token_urlsafe(48)
    return seller, await world.oauth.exchange_code(
        await world.consent(seller.user_id, verifier), verifier
    )


# -- the consent page (§1.1, §1.4) ------------------------------------------------------------


async def test_the_authorization_url_asks_for_a_code_with_the_pkce_challenge(world):
    url = URL(world.oauth.authorization_url("MLB", STATE, "challenge"))
    assert url.path == "/authorization"
    assert dict(url.query) | {"redirect_uri": "-"} == {
        "response_type": "code",
        "client_id": world.client_id,
        "redirect_uri": "-",
        "state": STATE,
        "code_challenge": "challenge",
        "code_challenge_method": "S256",
    }
    with pytest.raises(UnknownSite):
        world.oauth.authorization_url("XXX", STATE, "challenge")


# -- the code (§1.2, §12.1) --------------------------------------------------------------------


async def test_a_code_is_exchanged_for_a_pair_that_expires_when_expires_in_says(world):
    seller, pair = await connected(world)
    assert pair.user_id == seller.user_id
    assert pair.access_token and pair.refresh_token and pair.access_token != pair.refresh_token
    assert "offline_access" in pair.scope.split()
    assert pair.expires_at == world.clock.now() + timedelta(seconds=world.expires_in)


async def test_a_code_works_once_and_a_wrong_verifier_spends_it(world):
    seller = await world.seller()
    verifier = secrets.token_urlsafe(48)
    code = await world.consent(seller.user_id, verifier)
    await world.oauth.exchange_code(code, verifier)
    with pytest.raises(InvalidGrant):
        await world.oauth.exchange_code(code, verifier)

    code = await world.consent(seller.user_id, verifier)
    with pytest.raises(InvalidGrant):
        await world.oauth.exchange_code(code, secrets.token_urlsafe(48))
    with pytest.raises(InvalidGrant):
        await world.oauth.exchange_code(code, verifier)
    with pytest.raises(InvalidGrant):
        await world.oauth.exchange_code(f"TG-{secrets.token_hex(12)}-{seller.user_id}", verifier)


async def test_a_code_lives_minutes(world):
    seller = await world.seller()
    verifier = secrets.token_urlsafe(48)
    code = await world.consent(seller.user_id, verifier)
    await world.advance(601)
    with pytest.raises(InvalidGrant):
        await world.oauth.exchange_code(code, verifier)


# -- the refresh token (§1.3) ----------------------------------------------------------------------


async def test_a_refresh_token_works_once_and_a_refused_refresh_burns_nothing(world):
    seller, first = await connected(world)
    await world.advance(60)

    second = await world.oauth.refresh(first.refresh_token)

    assert second.user_id == seller.user_id
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert second.expires_at == world.clock.now() + timedelta(seconds=world.expires_in)
    with pytest.raises(InvalidGrant):
        await world.oauth.refresh(first.refresh_token)
    third = await world.oauth.refresh(second.refresh_token)
    assert (await world.oauth.profile(third.access_token)).user_id == seller.user_id


async def test_only_the_latest_refresh_token_of_a_seller_is_accepted(world):
    seller, first = await connected(world)
    _, second = await connected(world, seller)
    with pytest.raises(InvalidGrant):
        await world.oauth.refresh(first.refresh_token)
    assert (await world.oauth.refresh(second.refresh_token)).user_id == seller.user_id


async def test_a_revoked_grant_refreshes_no_more_and_its_tokens_are_refused(world):
    seller, pair = await connected(world)
    _, other = await connected(world)
    await world.revoke(seller.user_id)
    with pytest.raises(InvalidGrant):
        await world.oauth.refresh(pair.refresh_token)
    with pytest.raises(Unauthorized):
        await world.oauth.profile(pair.access_token)
    assert (await world.oauth.profile(other.access_token)).user_id == other.user_id


# -- the profile (§3) -----------------------------------------------------------------------------


async def test_the_profile_is_the_token_owners(world):
    seller, pair = await connected(world)
    profile = await world.oauth.profile(pair.access_token)
    assert (profile.user_id, profile.nickname, profile.site_id) == (
        seller.user_id,
        seller.nickname,
        "MCO",
    )


async def test_an_unknown_or_expired_access_token_is_unauthorized(world):
    _, pair = await connected(world)
    with pytest.raises(Unauthorized):
        await world.oauth.profile(f"APP_USR-{world.client_id}-{secrets.token_hex(16)}-1")
    await world.advance(world.expires_in + 1)
    with pytest.raises(Unauthorized):
        await world.oauth.profile(pair.access_token)
