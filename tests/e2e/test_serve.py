"""`meli serve` as a new user starts it: the embedded default, then PostgreSQL and Redis."""

from __future__ import annotations

import json
import stat

import pytest

from tests.helpers import clean_env, free_port, http, start_meli, stop_process, wait_for_http
from tests.isolation import own_postgres_database


def test_the_embedded_service_starts_guards_its_routes_and_prints_the_key_once(tmp_path):
    port = free_port()
    env = clean_env(
        MELI_PORT=str(port), MELI_DATA_DIR=str(tmp_path / "var"), MELI_SANDBOX_PORT=str(free_port())
    )
    base = f"http://127.0.0.1:{port}"
    process = start_meli(["serve"], env, tmp_path)
    try:
        wait_for_http(f"{base}/health", process)
        status, _, body = http("GET", f"{base}/health")
        assert status == 200, body
        assert json.loads(body)["checks"]["database"]["ok"] is True
        status, headers, body = http("GET", f"{base}/metrics")
        assert status == 200 and b"meli_http_requests_total" in body
        status, headers, _ = http("GET", f"{base}/accounts")
        assert status == 401 and headers["Content-Type"].startswith("application/problem+json")
        key_file = tmp_path / "var" / "api-key"
        key = key_file.read_text().strip()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        status, _, body = http("GET", f"{base}/accounts", {"Authorization": f"Bearer {key}"})
        assert status == 200 and json.loads(body) == {"results": []}
    finally:
        output = stop_process(process)
    assert key in output
    assert (tmp_path / "var" / "meli.db").exists()

    process = start_meli(["serve"], env, tmp_path)
    try:
        wait_for_http(f"{base}/health", process)
    finally:
        output = stop_process(process)
    assert key not in output, "the generated key must be printed only once"


def test_the_data_directory_is_private_and_an_older_readable_one_is_made_so(tmp_path):
    """The database was created 0644 and the data directory 0755: an install from before
    finds them 0600 and 0700 after its next start, and whatever the service creates (the
    database's journal files, the key files, the lock directory) is private too."""
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "meli.db").touch()
    (data / "meli.db").chmod(0o644)
    port = free_port()
    env = clean_env(
        MELI_PORT=str(port), MELI_DATA_DIR=str(data), MELI_SANDBOX_PORT=str(free_port())
    )
    process = start_meli(["serve"], env, tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", process)
        modes = {
            path.relative_to(data).as_posix(): stat.S_IMODE(path.stat().st_mode)
            for path in [data, *data.rglob("*")]
        }
    finally:
        stop_process(process)
    assert modes.pop(".") == 0o700
    assert {"meli.db", "api-key", "encryption-key"} <= set(modes), modes
    for name, mode in modes.items():
        assert mode == (0o700 if (data / name).is_dir() else 0o600), (name, oct(mode))


@pytest.fixture
async def e2e_database_url(postgres_url):
    """A database of its own, named per run, so the service's migrations meet no other
    test's tables and two runs on one server do not meet (tests/isolation.py)."""
    async with own_postgres_database(postgres_url, "meli_e2e") as url:
        yield url


def test_postgresql_without_an_encryption_key_refuses_to_start(tmp_path, e2e_database_url):
    env = clean_env(
        MELI_PORT=str(free_port()),
        MELI_DATA_DIR=str(tmp_path / "var"),
        MELI_DATABASE_URL=e2e_database_url,
        MELI_SANDBOX_PORT="0",
    )
    process = start_meli(["serve"], env, tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "MELI_ENCRYPTION_KEY is required" in output


def test_with_postgresql_and_redis_health_reports_a_dead_broker(
    tmp_path, e2e_database_url, redis_url
):
    base_env = dict(
        MELI_DATA_DIR=str(tmp_path / "var"),
        MELI_DATABASE_URL=e2e_database_url,
        MELI_AUTO_MIGRATE="true",
        MELI_API_KEYS="k" * 20,
        MELI_ENCRYPTION_KEY="3MzqpMbLV2Lnw0mBmt8e7HfNzg7kQGuW1PdtjPczF-c=",
        MELI_SANDBOX_PORT="0",
    )
    port = free_port()
    process = start_meli(
        ["serve"], clean_env(MELI_PORT=str(port), MELI_REDIS_URL=redis_url, **base_env), tmp_path
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", process)
        status, _, body = http("GET", f"http://127.0.0.1:{port}/health")
        assert status == 200, body
    finally:
        stop_process(process)

    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    port = free_port()
    process = start_meli(
        ["serve"], clean_env(MELI_PORT=str(port), MELI_REDIS_URL=dead_redis, **base_env), tmp_path
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", process)
        status, _, body = http("GET", f"http://127.0.0.1:{port}/health")
        checks = json.loads(body)["checks"]
        assert status == 503
        assert checks["database"]["ok"] is True
        assert checks["broker"]["ok"] is False and "redis" in checks["broker"]["detail"]
    finally:
        stop_process(process)
