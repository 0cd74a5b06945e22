"""The gateway's retry policy (ref: mercadolibre-api.md §2.4, §1.3), against a scripted
server on loopback with fake sleeps and a fixed random source: fast and deterministic."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from adapters.mercadolibre import (
    AiohttpOAuthGateway,
    MercadoLibreClient,
    RetryPolicy,
    create_session,
)
from adapters.mercadolibre.client import family_of, quota_key
from adapters.mercadolibre.retry import parse_retry_after
from adapters.metrics.gateway import GatewayMetrics
from adapters.system.clock import ManualClock
from application.errors import QuotaExhausted, RateLimited, Unavailable
from application.ports.rate_limiter import API_CALLS, LISTING_CREATE, MESSAGE_SEND, CallClass
from application.quota.call_class import calls_as
from tests.helpers import free_port

TOKEN = "APP_USR-1000000000000001-010203-0123456789abcdef0123456789abcdef-42"
REFRESH = "TG-0123456789abcdef01234567-42"
TOO_MANY = {"message": "Too Many Requests", "error": "local_rate_limited", "status": 429}
UNAVAILABLE = {"message": "Service Unavailable", "error": "service_not_available", "status": 503}
TOKEN_ANSWER = {
    "access_token": TOKEN,
    "token_type": "bearer",
    "expires_in": 21600,
    "scope": "offline_access read write",
    "user_id": 42,
    "refresh_token": REFRESH,
}


class Script:
    """Answers each request with the next step: (status, body[, headers]), "drop" to
    abort the connection, or ("slow", seconds). The last step repeats forever."""

    def __init__(self) -> None:
        self.steps: list[Any] = [(200, {"ok": True})]
        self.calls: Counter[str] = Counter()
        self.requests: list[web.Request] = []
        self.forms: list[dict[str, str]] = []

    def play(self, *steps: Any) -> None:
        self.steps = list(steps)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.calls[f"{request.method} {request.path}"] += 1
        self.requests.append(request)
        if request.content_type == "application/x-www-form-urlencoded":
            self.forms.append(dict(await request.post()))
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if step == "drop":
            assert request.transport is not None
            request.transport.abort()
            await asyncio.sleep(1)
        if isinstance(step, tuple) and step[0] == "slow":
            await asyncio.sleep(step[1])
            return web.json_response({"late": True})
        status, body, *rest = step
        return web.json_response(body, status=status, headers=rest[0] if rest else None)


class CountingLimiter:
    def __init__(self, fail: str | None = None) -> None:
        self.keys: list[str] = []
        self.classes: list[CallClass] = []
        self.fail = fail

    async def acquire(
        self, key: str = API_CALLS, cost: int = 1, call_class: CallClass = CallClass.INTERACTIVE
    ) -> float:
        if key == self.fail:
            raise QuotaExhausted(f"the {key!r} quota is used up", retry_after=60)
        self.keys.append(key)
        self.classes.append(call_class)
        return 0.25

    async def used(self, key: str = API_CALLS) -> dict[CallClass, int]:
        return {}


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
async def script(aiohttp_server: Any) -> Script:
    script = Script()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", script.handle)
    script.server = await aiohttp_server(app)
    return script


@pytest.fixture
async def session():
    session = create_session(total_timeout=5, read_timeout=0.3)
    yield session
    await session.close()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def limiter() -> CountingLimiter:
    return CountingLimiter()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def client(script, session, sleeps, limiter, registry) -> MercadoLibreClient:
    return MercadoLibreClient(
        session,
        limiter,
        api_url=str(script.server.make_url("")),
        retry=RetryPolicy(max_attempts=5, base=0.5, cap=30.0),
        metrics=GatewayMetrics(registry),
        sleep=sleeps,
        random=lambda: 0.5,
        now=lambda: datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC),
    )


# -- the policy itself -----------------------------------------------------------------------


def test_a_429_gets_more_attempts_than_other_failures():
    """§2.4: a 429 was not processed and the quota is shared by other processes."""
    assert RetryPolicy().attempts_for(rate_limited=False) == 5
    assert RetryPolicy().attempts_for(rate_limited=True) == 8
    assert RetryPolicy(max_attempts=2).attempts_for(rate_limited=True) == 5
    assert RetryPolicy(max_attempts=2, rate_limited_attempts=2).attempts_for(True) == 2
    with pytest.raises(ValueError, match="at least max_attempts"):
        RetryPolicy(max_attempts=5, rate_limited_attempts=4)


def test_backoff_is_exponential_with_full_jitter_up_to_the_cap():
    policy = RetryPolicy(max_attempts=10, base=0.5, cap=30.0)
    assert [policy.backoff(n, lambda: 1.0) for n in range(1, 9)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
    ]
    assert policy.backoff(3, lambda: 0.0) == 0.0
    assert policy.backoff(3, lambda: 0.25) == 0.5


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("-4", 0.0),
        ("Thu, 01 Jan 2026 12:00:07 GMT", 7.0),
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        ("inf", None),
        (None, None),
        ("", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == seconds


@pytest.mark.parametrize(
    ("method", "path", "key"),
    [
        ("POST", "/items", LISTING_CREATE),
        ("POST", "/messages/packs/2000000000000001/sellers/42", MESSAGE_SEND),
        ("PUT", "/items/MLA1", None),
        ("POST", "/items/MLA1/description", None),
        ("GET", "/messages/packs/1/sellers/2", None),
    ],
)
def test_special_calls_count_against_their_quota(method, path, key):
    assert quota_key(method, path) == key


@pytest.mark.parametrize(
    ("path", "family"),
    [("/items/MLA1", "items"), ("/oauth/token", "oauth"), ("/users/me", "users"), ("/", "other")],
)
def test_metrics_group_calls_by_the_first_path_segment(path, family):
    assert family_of(path) == family


# -- idempotent calls --------------------------------------------------------------------------


async def test_a_get_rides_out_server_errors(client, script, sleeps):
    script.play((503, UNAVAILABLE), (500, {}), (200, {"id": 1}))
    response = await client.request("GET", "/users/me", token=TOKEN)
    assert response.body == {"id": 1}
    assert script.calls["GET /users/me"] == 3
    assert sleeps == [0.25, 0.5]


async def test_a_get_gives_up_after_the_last_attempt_with_unavailable(client, script, sleeps):
    script.play((503, UNAVAILABLE))
    with pytest.raises(Unavailable, match="after 5 attempts") as caught:
        await client.request("GET", "/items/MLA1", token=TOKEN)
    assert "503 to GET /items/MLA1: Service Unavailable" in str(caught.value)
    assert script.calls["GET /items/MLA1"] == 5
    assert sleeps == [0.25, 0.5, 1.0, 2.0]


async def test_a_get_rides_out_dropped_connections(client, script):
    script.play("drop", "drop", (200, {"id": 1}))
    assert (await client.request("GET", "/users/me", token=TOKEN)).body == {"id": 1}
    assert script.calls["GET /users/me"] == 3


async def test_a_get_is_retried_after_a_read_timeout(client, script):
    script.play(("slow", 0.6), (200, {"id": 1}))
    assert (await client.request("GET", "/users/me", token=TOKEN)).body == {"id": 1}
    assert script.calls["GET /users/me"] == 2


async def test_429_honours_retry_after_in_seconds(client, script, sleeps):
    script.play((429, TOO_MANY, {"Retry-After": "2"}), (200, {}))
    await client.request("GET", "/users/me", token=TOKEN)
    assert sleeps == [2.0]


async def test_429_honours_retry_after_as_an_http_date(client, script, sleeps):
    script.play((429, TOO_MANY, {"Retry-After": "Thu, 01 Jan 2026 12:00:04 GMT"}), (200, {}))
    await client.request("GET", "/users/me", token=TOKEN)
    assert sleeps == [4.0]


async def test_429_without_retry_after_backs_off_and_ends_rate_limited(client, script, sleeps):
    script.play((429, TOO_MANY))
    with pytest.raises(RateLimited) as caught:
        await client.request("GET", "/users/me", token=TOKEN)
    assert caught.value.retry_after is None
    assert "after 8 attempts" in str(caught.value)
    # §2.4: a 429 gets three attempts more than other failures (RetryPolicy).
    assert sleeps == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0]


async def test_a_retry_after_beyond_the_cap_is_handed_to_the_caller(client, script, sleeps):
    script.play((429, TOO_MANY, {"Retry-After": "3600"}), (200, {}))
    with pytest.raises(RateLimited) as caught:
        await client.request("GET", "/users/me", token=TOKEN)
    assert caught.value.retry_after == 3600.0
    assert script.calls["GET /users/me"] == 1
    assert sleeps == []


async def test_client_errors_are_never_retried(client, script):
    script.play((404, {"message": "Item with id MLA1 not found", "error": "not_found"}))
    with pytest.raises(Exception, match="404"):
        await client.request("GET", "/items/MLA1", token=TOKEN)
    assert script.calls["GET /items/MLA1"] == 1


# -- non-idempotent calls ----------------------------------------------------------------------


async def test_a_post_is_not_retried_after_a_server_error(client, script, sleeps):
    script.play((503, UNAVAILABLE), (201, {"id": "MLA1"}))
    with pytest.raises(Unavailable, match="not retried: POST is not idempotent"):
        await client.request("POST", "/items", token=TOKEN, json_body={"title": "x"})
    assert script.calls["POST /items"] == 1
    assert sleeps == []


async def test_a_post_marked_idempotent_is_retried_after_a_server_error(client, script):
    script.play((503, UNAVAILABLE), (201, {"id": "MLA1"}))
    response = await client.request("POST", "/items", token=TOKEN, json_body={}, idempotent=True)
    assert response.status == 201
    assert script.calls["POST /items"] == 2


async def test_a_post_is_not_retried_after_a_dropped_connection(client, script):
    script.play("drop", (201, {"id": "MLA1"}))
    with pytest.raises(Unavailable, match="not retried"):
        await client.request("POST", "/items", token=TOKEN, json_body={})
    assert script.calls["POST /items"] == 1


async def test_a_post_is_not_retried_after_a_timeout(client, script):
    script.play(("slow", 0.6), (201, {"id": "MLA1"}))
    with pytest.raises(Unavailable, match="timed out"):
        await client.request("POST", "/items", token=TOKEN, json_body={})
    assert script.calls["POST /items"] == 1


async def test_a_post_is_retried_after_a_429(client, script, sleeps):
    """§2.4: a 429 was not processed, so repeating it creates nothing twice."""
    script.play((429, TOO_MANY), (201, {"id": "MLA1"}))
    assert (await client.request("POST", "/items", token=TOKEN, json_body={})).status == 201
    assert script.calls["POST /items"] == 2
    assert sleeps == [0.25]


async def test_a_post_is_retried_when_the_connection_was_never_made(session, limiter, sleeps):
    """Connection refused: not a byte was sent, so even a POST may be repeated."""
    client = MercadoLibreClient(
        session,
        limiter,
        api_url=f"http://127.0.0.1:{free_port()}",
        sleep=sleeps,
        random=lambda: 0.5,
    )
    with pytest.raises(Unavailable, match="POST /items failed: ClientConnectorError"):
        await client.request("POST", "/items", token=TOKEN, json_body={})
    assert len(sleeps) == 4
    assert limiter.keys == [LISTING_CREATE] + [API_CALLS] * 5


async def test_calls_take_permits_of_the_class_the_running_job_set(client, script, limiter):
    await client.request("GET", "/items/MLA1", token=TOKEN)
    with calls_as(CallClass.PERIODIC):
        await client.request("GET", "/items/MLA2", token=TOKEN)
        with calls_as(CallClass.NOTIFICATION):
            await client.request("GET", "/items/MLA3", token=TOKEN)
        await client.request("GET", "/items/MLA4", token=TOKEN)
    assert limiter.classes == [
        CallClass.INTERACTIVE,
        CallClass.PERIODIC,
        CallClass.NOTIFICATION,
        CallClass.PERIODIC,
    ]


# -- the refresh token (§1.3) ------------------------------------------------------------------


@pytest.fixture
def oauth(client) -> AiohttpOAuthGateway:
    return AiohttpOAuthGateway(
        client,
        client_id="1000000000000001",
        client_secret="sandbox-secret",
        redirect_uri="http://localhost:8012/auth/callback",
        clock=ManualClock(),
    )


async def test_a_refresh_whose_answer_was_lost_is_never_sent_again(oauth, script):
    """§1.3: a second try would present a token the lost answer already replaced."""
    script.play((502, {}), (200, TOKEN_ANSWER))
    with pytest.raises(Unavailable) as caught:
        await oauth.refresh(REFRESH)
    assert script.calls["POST /oauth/token"] == 1
    assert REFRESH not in str(caught.value)


async def test_a_refresh_whose_connection_dropped_is_never_sent_again(oauth, script):
    script.play("drop", (200, TOKEN_ANSWER))
    with pytest.raises(Unavailable):
        await oauth.refresh(REFRESH)
    assert script.calls["POST /oauth/token"] == 1


async def test_a_refresh_refused_with_429_is_sent_again(oauth, script, sleeps):
    script.play((429, TOO_MANY), (200, TOKEN_ANSWER))
    pair = await oauth.refresh(REFRESH)
    assert pair.refresh_token == REFRESH
    assert script.calls["POST /oauth/token"] == 2
    assert script.forms[0]["grant_type"] == "refresh_token"
    assert script.forms[0]["refresh_token"] == REFRESH


# -- what goes on the wire ---------------------------------------------------------------------


async def test_the_token_travels_only_in_the_authorization_header(client, script):
    await client.request("GET", "/items/MLA1", token=TOKEN, params={"attributes": "id"})
    request = script.requests[0]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/json"
    assert TOKEN not in str(request.url)


async def test_a_json_body_is_sent_as_json(client, script):
    await client.request("PUT", "/items/MLA1", token=TOKEN, json_body={"price": 10})
    assert script.requests[0].content_type == "application/json"


async def test_every_attempt_takes_a_permit_and_special_calls_their_quota(client, script, limiter):
    script.play((503, UNAVAILABLE), (200, {}))
    await client.request("GET", "/users/me", token=TOKEN)
    await client.request("POST", "/items", token=TOKEN, json_body={})
    await client.request("POST", "/messages/packs/1/sellers/42", token=TOKEN, json_body={})
    assert limiter.keys == [
        API_CALLS,
        API_CALLS,
        LISTING_CREATE,
        API_CALLS,
        MESSAGE_SEND,
        API_CALLS,
    ]


async def test_an_exhausted_quota_sends_nothing(script, session, sleeps):
    client = MercadoLibreClient(
        session,
        CountingLimiter(fail=LISTING_CREATE),
        api_url=str(script.server.make_url("")),
        sleep=sleeps,
    )
    with pytest.raises(QuotaExhausted) as caught:
        await client.request("POST", "/items", token=TOKEN, json_body={})
    assert caught.value.retry_after == 60
    assert script.calls == {}


async def test_a_partial_answer_names_what_is_missing(client, script):
    """§0.3: 206 with X-Content-Missing."""
    script.play((206, {"id": 1}, {"X-Content-Missing": "seller_reputation"}))
    response = await client.request("GET", "/users/1", token=TOKEN)
    assert response.partial
    assert response.missing == ("seller_reputation",)


async def test_a_path_with_a_query_string_is_refused(client):
    with pytest.raises(ValueError, match="query"):
        await client.request("GET", "/items?ids=MLA1", token=TOKEN)


async def test_metrics_count_attempts_retries_and_limiter_waits(client, script, registry):
    script.play((503, UNAVAILABLE), (429, TOO_MANY), (200, {}))
    await client.request("GET", "/items/MLA1", token=TOKEN)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("meli_api_calls_total", family="items", method="GET", status="503") == 1
    assert value("meli_api_calls_total", family="items", method="GET", status="429") == 1
    assert value("meli_api_calls_total", family="items", method="GET", status="200") == 1
    assert value("meli_api_retries_total", family="items", reason="server_error") == 1
    assert value("meli_api_retries_total", family="items", reason="rate_limited") == 1
    assert value("meli_api_call_duration_seconds_count", family="items", method="GET") == 3
    assert value("meli_rate_limiter_wait_seconds_count", key="api") == 3
    assert value("meli_rate_limiter_wait_seconds_sum", key="api") == 0.75


async def test_quota_permits_are_counted_by_class_and_account(client, script, registry):
    await client.request("GET", "/items/MLA1", token=TOKEN, account_id=7)
    with calls_as(CallClass.PERIODIC):
        script.play((429, TOO_MANY), (200, {}))
        await client.request("GET", "/items/MLA2", token=TOKEN, account_id=7)
    await client.request("GET", "/sites/MLA", token=TOKEN)

    def permits(call_class: str, account: str) -> float | None:
        return registry.get_sample_value(
            "meli_quota_permits_total", {"call_class": call_class, "account": account}
        )

    assert permits("interactive", "7") == 1
    assert permits("periodic", "7") == 2, "a retried attempt takes a permit too"
    assert permits("interactive", "none") == 1


async def test_connection_failures_are_counted_as_such(session, limiter, sleeps, registry):
    client = MercadoLibreClient(
        session,
        limiter,
        api_url=f"http://127.0.0.1:{free_port()}",
        retry=RetryPolicy(max_attempts=2),
        metrics=GatewayMetrics(registry),
        sleep=sleeps,
    )
    with pytest.raises(Unavailable):
        await client.request("GET", "/users/me", token=TOKEN)
    labels = {"family": "users", "method": "GET", "status": "connection_error"}
    assert registry.get_sample_value("meli_api_calls_total", labels) == 2
    assert (
        registry.get_sample_value(
            "meli_api_retries_total", {"family": "users", "reason": "connection_error"}
        )
        == 1
    )


def test_no_session_is_created_at_import_time():
    import adapters.mercadolibre.session as module

    assert not any(isinstance(v, aiohttp.ClientSession) for v in vars(module).values())


def test_a_connection_error_message_never_carries_the_query_string():
    error = aiohttp.ConnectionTimeoutError("Connection timeout to host http://x/items?ids=MLA1")
    message = str(MercadoLibreClient._unavailable("GET /items", error, (TOKEN,)))
    assert "ids=MLA1" not in message
    assert message.startswith("MercadoLibre GET /items failed: ConnectionTimeoutError")
