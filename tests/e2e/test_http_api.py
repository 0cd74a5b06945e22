"""The REST app as another service uses it: keys, problems, health, metrics, OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.accounts import Account
from domain.sync import SyncKind, SyncLog, SyncTrigger
from entrypoints.http.app import all_endpoints
from tests.e2e.conftest import AUTH

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


async def test_health_reports_each_dependency(client):
    response = await client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


async def test_health_is_503_with_details_when_the_worker_is_down(worker, client):
    await worker.stop()
    response = await client.get("/health")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"] == {
        "ok": False,
        "seconds": body["checks"]["broker"]["seconds"],
        "detail": "the in-process worker is not running",
    }
    assert body["checks"]["database"]["ok"] is True


async def test_metrics_are_prometheus_text_with_requests_by_route_and_status(client):
    await client.get("/health")
    await client.get("/accounts/7", headers=AUTH)
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    assert 'meli_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
    assert (
        'meli_http_requests_total{method="GET",route="/accounts/{account_id}",status="404"} 1.0'
    ) in text
    assert "meli_http_request_duration_seconds_bucket" in text


async def test_authenticated_routes_refuse_a_missing_or_wrong_key_with_problem_json(client):
    for headers in (
        {},
        {"Authorization": "Bearer wrong-key-000000000000"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ):
        response = await client.get("/accounts", headers=headers)
        assert response.status == 401, headers
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        body = await response.json()
        assert body["status"] == 401 and body["title"] == "Authentication required"
    assert (await client.get("/accounts", headers=AUTH)).status == 200


async def test_unknown_routes_need_the_key_first_then_are_404_problems(client):
    assert (await client.get("/nope")).status == 401
    response = await client.get("/nope", headers=AUTH)
    assert response.status == 404
    assert (await response.json())["title"] == "Not Found"


async def test_bad_parameters_are_400_problems_naming_the_parameter(client):
    response = await client.get("/accounts/abc", headers=AUTH)
    assert response.status == 400
    body = await response.json()
    assert body["errors"] == [{"field": "account_id", "reason": "must be a whole number"}]
    for query in ("limit=0", "limit=1000", "offset=-1", "kind=everything", "account_id=x"):
        response = await client.get(f"/sync-logs?{query}", headers=AUTH)
        assert response.status == 400, query
        assert (await response.json())["errors"][0]["field"] in query


async def test_accounts_are_listed_without_tokens(container, client):
    async with container.unit_of_work() as uow:
        account = await uow.accounts.add(
            Account(seller_id=202593498, site_id="MLA", nickname="TETE2870021")
        )
        await uow.commit()
    response = await client.get("/accounts", headers=AUTH)
    [listed] = (await response.json())["results"]
    assert listed["id"] == account.id and listed["status"] == "active"
    assert not any("token" in key and key != "token_expires_at" for key in listed)
    single = await client.get(f"/accounts/{account.id}", headers=AUTH)
    assert (await single.json())["nickname"] == "TETE2870021"
    missing = await client.get("/accounts/999", headers=AUTH)
    assert missing.status == 404
    assert missing.headers["Content-Type"].startswith("application/problem+json")


async def test_sync_logs_are_listed_newest_first_with_paging(container, client):
    async with container.unit_of_work() as uow:
        for kind in (SyncKind.PRODUCTS, SyncKind.ORDERS, SyncKind.PRODUCTS):
            log = SyncLog(kind, SyncTrigger.API, NOW)
            log.count("fetched", 3)
            log.finish(NOW)
            await uow.sync_logs.add(log)
        await uow.commit()
    response = await client.get("/sync-logs?kind=products&limit=1", headers=AUTH)
    body = await response.json()
    assert body["paging"] == {"total": 2, "offset": 0, "limit": 1}
    [newest] = body["results"]
    assert newest["kind"] == "products" and newest["counts"] == {"fetched": 3}
    one = await client.get(f"/sync-logs/{newest['id']}", headers=AUTH)
    assert (await one.json())["status"] == "succeeded"


async def test_the_openapi_document_covers_every_route_and_marks_public_ones(client):
    document = await (await client.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    routes = {
        (route.method, route.resource.canonical)
        for route in client.app.router.routes()
        if route.method not in ("HEAD", "*")  # "*": the 405 of each path's other methods
    }
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    # The dashboard's pages are no API (in_schema=False): docs/api.md lists them.
    pages = {(e.method, e.path) for e in all_endpoints() if not e.in_schema}
    assert pages == {
        ("GET", "/dashboard"),
        ("GET", "/dashboard/sign-in"),
        ("POST", "/dashboard/sign-in"),
        ("POST", "/dashboard/sign-out"),
    }
    assert routes == documented | pages
    public = {p for p, ops in document["paths"].items() if ops.get("get", {}).get("security") == []}
    assert public == {"/health", "/metrics", "/openapi.json", "/docs", "/auth/callback"}
    for ref in _refs(document):
        name = ref.rsplit("/", 1)[-1]
        assert name in document["components"]["schemas"], ref


async def test_the_docs_page_lists_the_operations(client):
    response = await client.get("/docs")
    assert response.status == 200
    page = await response.text()
    assert "/sync-logs/{sync_log_id}" in page and "/openapi.json" in page


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)
