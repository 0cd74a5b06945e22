"""A new user's first connection: `meli serve` with the embedded sandbox, the consent page,
the callback, then refresh and disconnect (mercadolibre-api.md §1)."""

from __future__ import annotations

import json
import re
import subprocess
import time
from urllib.parse import parse_qs, urlparse

import pytest

from tests.helpers import BIN, clean_env, free_port, http, start_meli, stop_process, wait_for_http


@pytest.fixture
def service(tmp_path):
    port, sandbox_port = free_port(), free_port()
    env = clean_env(
        MELI_PORT=str(port),
        MELI_DATA_DIR=str(tmp_path / "var"),
        MELI_SANDBOX_PORT=str(sandbox_port),
        MELI_API_KEYS="e2e-key-0123456789abc",
    )
    process = start_meli(["serve"], env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/health", process)
        yield {
            "base": base,
            "sandbox": f"http://127.0.0.1:{sandbox_port}",
            "env": env,
            "cwd": tmp_path,
            "process": process,
            "auth": {"Authorization": "Bearer e2e-key-0123456789abc"},
        }
    finally:
        service_output = stop_process(process)
        (tmp_path / "service.log").write_text(service_output)


def consent(service, site_id: str) -> tuple[str, dict]:
    """Ask the service for a consent URL, then click 'authorize' as a demo seller."""
    status, _, body = http(
        "GET",
        f"{service['base']}/auth/connect?site_id={site_id}",
        {**service["auth"], "Accept": "application/json"},
    )
    assert status == 200, body
    started = json.loads(body)
    consent_url = urlparse(started["authorization_url"])
    assert f"{consent_url.scheme}://{consent_url.netloc}" == service["sandbox"]
    params = {k: v[0] for k, v in parse_qs(consent_url.query).items()}
    assert params["code_challenge_method"] == "S256" and params["state"] == started["state"]
    _, _, sellers = http("GET", f"{service['sandbox']}/_sandbox/sellers")
    seller = next(s for s in json.loads(sellers) if s["site_id"] == site_id)
    status, _, body = http(
        "POST",
        f"{service['sandbox']}/_sandbox/oauth/authorize",
        {"Content-Type": "application/json"},
        json.dumps({**params, "user_id": seller["id"]}).encode(),
    )
    assert status == 200, body
    return json.loads(body)["redirect_url"], seller


def test_connect_refresh_and_disconnect_through_the_embedded_sandbox(service, tmp_path):
    redirect_url, seller = consent(service, "MCO")
    assert redirect_url.startswith("http://localhost:")
    callback = redirect_url.replace("http://localhost:", "http://127.0.0.1:", 1)
    status, _, page = http("GET", callback, {"Accept": "text/html"})
    assert status == 200 and b"Account connected" in page and seller["nickname"].encode() in page

    status, _, body = http("GET", callback, {"Accept": "text/html"})
    assert status == 400 and b"already used" in body, "a state works once"

    _, _, body = http("GET", f"{service['base']}/accounts", service["auth"])
    [account] = json.loads(body)["results"]
    assert (account["seller_id"], account["site_id"], account["status"]) == (
        seller["id"],
        "MCO",
        "active",
    )
    assert not any("token" in key and key not in ("token_expires_at",) for key in account)

    status, _, body = http(
        "POST", f"{service['base']}/auth/refresh/{account['id']}", service["auth"]
    )
    assert status == 200, body
    assert json.loads(body)["last_refreshed_at"] >= account["last_refreshed_at"]

    synced = subprocess.run(
        [str(BIN / "meli"), "sync", "products", "--account", str(account["id"])],
        env=service["env"],
        cwd=service["cwd"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert synced.returncode == 0, synced.stderr
    assert "succeeded" in synced.stdout and "fetched 50" in synced.stdout
    status, _, body = http(
        "GET", f"{service['base']}/products?account_id={account['id']}", service["auth"]
    )
    assert json.loads(body)["paging"]["total"] == 50

    # Issue 18: one command, then one request, sync every kind of one account.
    everything = subprocess.run(
        [str(BIN / "meli"), "sync", "all", "--account", str(account["id"])],
        env=service["env"],
        cwd=service["cwd"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert everything.returncode == 0, everything.stderr
    reports = [line for line in everything.stdout.splitlines() if ": sync log " in line]
    assert [line.split(":")[0] for line in reports] == ["listings", "stock", "orders", "questions"]
    assert all("succeeded" in line or "partial" in line for line in reports), reports
    assert "description_calls" not in reports[0], "descriptions stored: none read again"
    status, _, body = http(
        "POST", f"{service['base']}/accounts/{account['id']}/sync", service["auth"]
    )
    assert status == 202, body
    runs = json.loads(body)["runs"]
    assert [run["job"] for run in runs] == [
        "sync_catalogue",
        "sync_inventory",
        "reconcile_orders",
        "reconcile_questions",
    ]
    deadline = time.monotonic() + 60
    for run in runs:
        while True:
            _, _, body = http("GET", f"{service['base']}{run['status_url']}", service["auth"])
            if json.loads(body)["finished_at"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert json.loads(body)["status"] in ("succeeded", "partial"), body

    listed = subprocess.run(
        [str(BIN / "meli"), "accounts", "list"],
        env=service["env"],
        cwd=service["cwd"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert seller["nickname"] in listed.stdout and "active" in listed.stdout

    status, _, body = http("DELETE", f"{service['base']}/accounts/{account['id']}", service["auth"])
    assert status == 200 and json.loads(body)["status"] == "disconnected"
    status, _, body = http(
        "POST", f"{service['base']}/auth/refresh/{account['id']}", service["auth"]
    )
    assert status == 409

    # The whole shape of the sandbox's tokens (sandbox/oauth.py): a bare "TG-" turns up
    # by chance in a few megabytes of database pages.
    token = re.compile(rb"APP_USR-\d+-\d+-[0-9a-f]{32}-\d+|TG-[0-9a-f]{24}-\d+")
    for name in ("meli.db", "meli.db-wal"):
        stored = tmp_path / "var" / name
        if stored.exists():
            assert token.search(stored.read_bytes()) is None, name


def test_forged_and_missing_states_change_nothing(service):
    for query in (
        "code=TG-abc-1&state=" + "x" * 43,
        "code=TG-abc-1",
        "state=abc",
        "error=access_denied&error_description=the+user+said+no",
    ):
        status, _, body = http(
            "GET", f"{service['base']}/auth/callback?{query}", {"Accept": "application/json"}
        )
        assert status == 400, query
        assert json.loads(body)["title"] == "Authorization rejected"
    _, _, body = http("GET", f"{service['base']}/accounts", service["auth"])
    assert json.loads(body)["results"] == []


def test_no_token_appears_in_the_service_output(service, tmp_path):
    redirect_url, _ = consent(service, "MLA")
    http("GET", redirect_url.replace("http://localhost:", "http://127.0.0.1:", 1))
    _, _, body = http("GET", f"{service['base']}/accounts", service["auth"])
    account_id = json.loads(body)["results"][0]["id"]
    http("POST", f"{service['base']}/auth/refresh/{account_id}", service["auth"])
    output = stop_process(service["process"])
    assert "APP_USR-" not in output and "TG-" not in output
    assert "Connect a demo seller" in output


def test_a_profile_that_cannot_be_read_keeps_the_tokens_and_a_refresh_fills_it(service):
    """§1.2: the token answer names the user, so the pair is stored before /users/me (§3)
    is read; when that read fails the seller sees why, and nothing is lost."""
    redirect_url, seller = consent(service, "MLA")
    status, _, body = http(
        "POST",
        f"{service['sandbox']}/_sandbox/faults",
        {"Content-Type": "application/json"},
        json.dumps({"path": "/users/me", "status": 503, "count": 50}).encode(),
    )
    assert status in (200, 201), body
    callback = redirect_url.replace("http://localhost:", "http://127.0.0.1:", 1)
    status, headers, page = http("GET", callback, {"Accept": "text/html"})
    assert status == 503 and headers["Content-Type"].startswith("text/html"), page
    assert b"profile pending" in page and b"tokens are stored" in page

    _, _, body = http("GET", f"{service['base']}/accounts", service["auth"])
    [account] = json.loads(body)["results"]
    assert (account["seller_id"], account["status"]) == (seller["id"], "active")
    assert account["nickname"] != seller["nickname"]

    http("DELETE", f"{service['sandbox']}/_sandbox/faults")
    status, _, body = http(
        "POST", f"{service['base']}/auth/refresh/{account['id']}", service["auth"]
    )
    assert status == 200, body
    assert json.loads(body)["nickname"] == seller["nickname"]


def test_the_embedded_sandbox_notifies_the_service_of_a_sale(service):
    """§9.1: the embedded sandbox is configured with this service's callback URL, so a
    sale made there reaches the inbox and is read back without any setup."""
    redirect_url, seller = consent(service, "MLA")
    callback = redirect_url.replace("http://localhost:", "http://127.0.0.1:", 1)
    assert http("GET", callback, {"Accept": "application/json"})[0] == 201
    status, _, body = http(
        "POST",
        f"{service['sandbox']}/_sandbox/events",
        {"Content-Type": "application/json"},
        json.dumps({"type": "order", "seller_id": seller["id"]}).encode(),
    )
    assert status in (200, 201), body
    order_id = json.loads(body)["id"]

    deadline = time.monotonic() + 20
    while True:
        _, _, body = http(
            "GET",
            f"{service['base']}/webhooks/inbox?topic=orders_v2&status=processed",
            service["auth"],
        )
        entries = json.loads(body)["results"]
        if any(entry["resource"] == f"/orders/{order_id}" for entry in entries):
            break
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
