"""No input answers 500: headers, bodies, query and path values of any size and encoding
get a 4xx problem naming what was wrong, and change nothing. Each case here answered 500
once. The service runs on SQLite (the embedded default), where an id beyond 64 bits
overflowed the driver, with the in-process worker."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import zlib

import pytest
from aiohttp import web

from adapters.sql.migrate import upgrade
from entrypoints.container import build_container, start, stop
from entrypoints.http.app import all_endpoints, create_app
from entrypoints.http.endpoints import Endpoint
from entrypoints.settings import SANDBOX_CLIENT_ID, Settings
from entrypoints.worker.runtime import build_worker

API_KEY = "hostile-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
APP_ID = int(SANDBOX_CLIENT_ID)
BEYOND_64_BITS = str(2**64 + 7)


@pytest.fixture
async def service(tmp_path):
    # MercadoLibre is a sandbox address where nothing listens: no case here gets that far.
    settings = Settings.from_mapping({"DATA_DIR": str(tmp_path), "API_KEYS": API_KEY}).with_sandbox(
        "http://127.0.0.1:9"
    )
    await asyncio.to_thread(upgrade, settings.effective_database_url)
    container = build_container(settings)
    await start(container)
    worker = build_worker(container)
    await worker.start()
    yield container
    await worker.stop()
    await stop(container)


@pytest.fixture
async def client(service, aiohttp_client):
    return await aiohttp_client(create_app(service))


async def problem(response) -> dict:
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return await response.json()


def concrete(path: str) -> str:
    """A route's path with a plausible value for each parameter."""
    values = {"item_id": "MLA1", "name": "inbox_sweep"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], "1"), path)


async def raw_request(client, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send bytes as they are (the test client would encode a header as UTF-8) and read
    the status and body of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    try:
        writer.write(head + b"\r\nHost: x\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


# -- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "credential", [b"Bearer \xc3\xa9\xff", b"Bearer \xff\xfe", b"\xe9", b"Bearer k\x80y"]
)
async def test_non_ascii_bytes_in_authorization_are_a_401_on_every_protected_route(
    client, credential
):
    protected = [e for e in all_endpoints() if not e.public]
    assert len(protected) >= 30
    for endpoint in protected:
        head = f"{endpoint.method} {concrete(endpoint.path)} HTTP/1.1".encode()
        status, body = await raw_request(
            client, head + b"\r\nAuthorization: " + credential + b"\r\nContent-Length: 0"
        )
        assert status == 401, (endpoint.method, endpoint.path, body)
        assert json.loads(body)["title"] == "Authentication required"


# -- notifications ------------------------------------------------------------------------


def notification(**fields) -> dict:
    return {
        "_id": "n-1",
        "topic": "orders_v2",
        "resource": "/orders/1",
        "user_id": 123,
        "application_id": APP_ID,
        "attempts": 1,
        "sent": "2026-11-27T10:00:00.000Z",
        **fields,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (notification(_id="n-\ud800"), "_id"),
        ({**{k: v for k, v in notification().items() if k != "_id"}, "id": "\udfff-1"}, "id"),
        (notification(topic="orders\udc00"), "topic"),
        (notification(resource="/orders/\ud800"), "resource"),
    ],
)
async def test_a_lone_surrogate_in_a_notification_is_a_400_naming_the_field(
    service, client, body, field
):
    # json.dumps writes the lone surrogate as the escape \ud800, as a sender would.
    response = await client.post("/webhooks/notification", data=json.dumps(body))
    assert response.status == 400, await response.text()
    assert field in [e["field"] for e in (await problem(response))["errors"]]
    inbox = await client.get("/webhooks/inbox", headers=AUTH)
    assert (await inbox.json())["paging"]["total"] == 0


async def test_an_action_that_cannot_be_stored_is_dropped_and_the_notification_kept(
    service, client
):
    """§9.2: `actions` is extra detail on typed topics; the notification still says what
    to read, so it is acknowledged and stored without the action no database can hold."""
    body = notification(actions=["delivered", "\ud83d"])
    response = await client.post("/webhooks/notification", data=json.dumps(body))
    assert response.status == 200, await response.text()
    inbox = await (await client.get("/webhooks/inbox", headers=AUTH)).json()
    assert inbox["paging"]["total"] == 1


# -- bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "auth"),
    [("/webhooks/notification", {}), ("/webhooks/register", AUTH), ("/products/sync", AUTH)],
)
async def test_a_body_that_is_not_what_its_content_encoding_says_is_a_400(
    client, path, auth, caplog
):
    for encoding in ("deflate", "gzip"):
        response = await client.post(
            path,
            data=b"not compressed at all",
            headers={**auth, "Content-Encoding": encoding, "Content-Type": "application/json"},
        )
        assert response.status == 400, await response.text()
        assert (await problem(response))["errors"][0]["field"] == "Content-Encoding"
        assert response.headers.get("Connection", "").lower() == "close"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "raw", [b"[" * 30_000 + b"]" * 30_000, b'{"a":' * 40 + b"1" + b"}" * 40, b"[" * 100_000]
)
@pytest.mark.parametrize(
    ("path", "auth"), [("/webhooks/notification", {}), ("/webhooks/register", AUTH)]
)
async def test_json_nested_beyond_reason_is_a_400(client, path, auth, raw):
    response = await client.post(path, data=raw, headers=auth)
    assert response.status in (400, 413), await response.text()
    if response.status == 400:
        assert (
            "nests deeper" in (await problem(response))["detail"]
            or "JSON" in (await problem(response))["detail"]
        )


async def test_a_body_that_is_deflated_as_it_says_is_read(client):
    body = zlib.compress(json.dumps({"topic": "*", "callback_url": "http://[::1"}).encode())
    response = await client.post(
        "/webhooks/register", data=body, headers={**AUTH, "Content-Encoding": "deflate"}
    )
    assert response.status == 422, await response.text()
    assert (await problem(response))["errors"][0]["field"] == "callback_url"


async def test_a_malformed_ipv6_callback_url_is_a_422_naming_it(client):
    for url in ("http://[::1", "http://[::1]x/", "https://[zz::1]/hook"):
        response = await client.post(
            "/webhooks/register", json={"topic": "*", "callback_url": url}, headers=AUTH
        )
        assert response.status == 422, (url, await response.text())
        assert [e["field"] for e in (await problem(response))["errors"]] == ["callback_url"]


# -- numbers beyond what can be stored -----------------------------------------------------

BEYOND_64_BITS_IN_A_PARAMETER = [
    ("GET", f"/accounts/{BEYOND_64_BITS}", "account_id"),
    ("DELETE", f"/accounts/{BEYOND_64_BITS}", "account_id"),
    ("POST", f"/auth/refresh/{BEYOND_64_BITS}", "account_id"),
    ("GET", f"/inventory/bulk-update/{BEYOND_64_BITS}", "batch_id"),
    ("GET", f"/sync-logs/{BEYOND_64_BITS}", "sync_log_id"),
    ("POST", f"/dead-letters/{BEYOND_64_BITS}/replay", "dead_letter_id"),
    ("DELETE", f"/webhooks/subscriptions/{BEYOND_64_BITS}", "subscription_id"),
    ("GET", f"/products?account_id={BEYOND_64_BITS}", "account_id"),
    ("GET", f"/products?offset={BEYOND_64_BITS}", "offset"),
    ("GET", f"/sync-logs?account_id={BEYOND_64_BITS}", "account_id"),
    ("GET", f"/sync-logs?offset={BEYOND_64_BITS}", "offset"),
    ("GET", f"/dead-letters?account_id={BEYOND_64_BITS}", "account_id"),
    ("GET", f"/webhooks/deliveries?subscription_id={BEYOND_64_BITS}", "subscription_id"),
    ("GET", f"/webhooks/inbox?offset={BEYOND_64_BITS}", "offset"),
    ("GET", f"/products?offset={'9' * 5000}", "offset"),
]


@pytest.mark.parametrize(("method", "url", "field"), BEYOND_64_BITS_IN_A_PARAMETER)
async def test_an_id_or_offset_beyond_64_bits_in_a_parameter_is_a_400(client, method, url, field):
    response = await client.request(method, url, headers=AUTH)
    assert response.status == 400, await response.text()
    assert [e["field"] for e in (await problem(response))["errors"]] == [field]


BIG = 10**30
BEYOND_IN_A_BODY = [
    ("POST", "/products/sync", {"account_id": 2**64}, "account_id"),
    ("POST", "/inventory/sync", {"account_id": BIG}, "account_id"),
    ("PATCH", "/products/MLA1/stock", {"quantity": 1, "safety_stock": BIG}, "safety_stock"),
    ("PATCH", "/products/MLA1/stock", {"quantity": 1, "variation_id": BIG}, "variation_id"),
    ("PATCH", "/products/MLA1/stock", {"quantity": 2**40}, "quantity"),
    (
        "POST",
        "/inventory/bulk-update",
        {"updates": [{"item_id": "MLA1", "quantity": 1, "safety_stock": BIG}]},
        "updates[0].safety_stock",
    ),
    ("PUT", "/products/MLA1", {"price": BIG}, "price"),
    ("PUT", "/products/MLA1", {"price": "1" + "0" * 30}, "price"),
    ("PUT", "/products/MLA1", {"price": 1e300}, "price"),
    ("PUT", "/products/MLA1", {"variations": [{"id": 1, "price": BIG}]}, "variations[0].price"),
    (
        "POST",
        "/products",
        {
            "account_id": 1,
            "title": "Zapatillas",
            "category_id": "MLA1",
            "price": BIG,
            "available_quantity": 1,
        },
        "price",
    ),
    (
        "POST",
        "/products",
        {
            "account_id": BIG,
            "title": "Zapatillas",
            "category_id": "MLA1",
            "price": 10,
            "available_quantity": 1,
            "safety_stock": BIG,
        },
        "safety_stock",
    ),
]


@pytest.mark.parametrize(("method", "url", "body", "field"), BEYOND_IN_A_BODY)
async def test_a_number_beyond_what_can_be_stored_in_a_body_is_a_422_naming_it(
    client, method, url, body, field
):
    response = await client.request(method, url, json=body, headers=AUTH)
    assert response.status == 422, await response.text()
    assert field in [e["field"] for e in (await problem(response))["errors"]]


async def test_text_with_a_lone_surrogate_in_a_body_is_a_422_naming_it(client):
    response = await client.request(
        "PUT", "/products/MLA1", data=json.dumps({"title": "a\ud800b"}), headers=AUTH
    )
    assert response.status == 422
    assert [e["field"] for e in (await problem(response))["errors"]] == ["title"]


# -- methods ------------------------------------------------------------------------------


async def test_an_unsupported_method_is_a_405_that_says_which_are_allowed(client):
    by_path: dict[str, set[str]] = {}
    for endpoint in all_endpoints():
        by_path.setdefault(endpoint.path, set()).add(endpoint.method)
    for path, methods in by_path.items():
        for method in ("TRACE", "PUT" if "PUT" not in methods else "PATCH"):
            response = await client.request(method, concrete(path), headers=AUTH)
            assert response.status == 405, (method, path, await response.text())
            assert set(response.headers["Allow"].split(",")) == methods, path
    # /products/sync is its own path, not an item id of /products/{item_id}.
    response = await client.put("/products/sync", json={"account_id": 1}, headers=AUTH)
    assert (response.status, response.headers["Allow"]) == (405, "POST")


# -- what is logged -----------------------------------------------------------------------


async def test_client_errors_are_logged_at_info_in_one_line_and_server_errors_at_error(
    service, aiohttp_client, caplog
):
    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug of ours")

    app = create_app(service, endpoints=[*all_endpoints(), Endpoint("GET", "/x", broken, "", "")])
    client = await aiohttp_client(app)
    caplog.set_level(logging.INFO, logger="entrypoints.http.problems")
    for url in ("/accounts/abc", "/accounts/999", "/nope", "/products/sync"):
        await client.get(url, headers=AUTH)
    await client.get("/accounts")
    answers = [r for r in caplog.records if r.name == "entrypoints.http.problems"]
    assert [r.levelno for r in answers] == [logging.INFO] * 5
    assert not any(r.exc_info or r.exc_text for r in answers)
    assert [r.getMessage().split(" answered ")[1][:3] for r in answers] == [
        "400",
        "404",
        "404",
        "405",
        "401",
    ]
    caplog.clear()
    assert (await client.get("/x", headers=AUTH)).status == 500
    [logged] = [r for r in caplog.records if r.name == "entrypoints.http.problems"]
    # With the secret-redacting filter installed, the traceback travels as exc_text.
    assert logged.levelno == logging.ERROR and (logged.exc_info or logged.exc_text)
