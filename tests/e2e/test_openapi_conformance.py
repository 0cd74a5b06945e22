"""Schemathesis against the OpenAPI document the service serves: every operation, every
check, a bounded number of generated requests each (tests/e2e/schemathesis.toml says
which answers accept a valid request). The service runs as `meli serve` starts it with
no configuration (SQLite, the in-process worker, the embedded sandbox), with one seller
connected so that the operations that call MercadoLibre get that far. Any server error,
any status or content type the document does not list, any answer that does not match
its schema, any request outside the document that is accepted, fails the build.

Bounded: MELI_TEST_FUZZ_EXAMPLES generated requests per operation (default 25) besides
the coverage phase's boundary values, a fixed seed (MELI_TEST_FUZZ_SEED, default 13)
so that a failure can be replayed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from entrypoints.http.app import all_endpoints
from tests.e2e.test_connect_flow import consent
from tests.helpers import (
    BIN,
    ROOT,
    clean_env,
    free_port,
    http,
    wait_for_http,
)

API_KEY = "fuzz-key-0123456789abcdef"
CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = os.environ.get("MELI_TEST_FUZZ_EXAMPLES", "25")
SEED = os.environ.get("MELI_TEST_FUZZ_SEED", "13")


@pytest.fixture
def service(tmp_path):
    port, sandbox_port = free_port(), free_port()
    env = clean_env(
        MELI_PORT=str(port),
        MELI_DATA_DIR=str(tmp_path / "var"),
        MELI_SANDBOX_PORT=str(sandbox_port),
        MELI_API_KEYS=API_KEY,
        # Registered callbacks are pointed at this machine (schemathesis_hooks.py).
        MELI_WEBHOOK_ALLOW_PRIVATE="true",
    )
    # A file, not a pipe: thousands of requests log more than a pipe holds unread.
    log = (tmp_path / "service.log").open("w")  # the test reads it afterwards
    process = subprocess.Popen(
        [str(BIN / "meli"), "serve"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/health", process)
        running = {
            "base": base,
            "sandbox": f"http://127.0.0.1:{sandbox_port}",
            "auth": {"Authorization": f"Bearer {API_KEY}"},
        }
        redirect_url, _ = consent(running, "MLA")
        status, _, page = http("GET", redirect_url.replace("localhost", "127.0.0.1", 1))
        assert status == 200, page
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.slow
def test_every_operation_answers_as_the_served_openapi_document_says(service, tmp_path):
    env = {
        **clean_env(),
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks",
        "SCHEMATHESIS_CALLBACK_ORIGIN": f"http://127.0.0.1:{free_port()}",
    }
    run = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "--config-file",
            str(CONFIG),
            "run",
            f"{service['base']}/openapi.json",
            "--header",
            f"Authorization: Bearer {API_KEY}",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            # One worker: CPython 3.11's ast.parse is not thread-safe (hypothesis
            # describes filters by parsing their source; with two workers a run failed
            # with "AST constructor recursion depth mismatch").
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--no-color",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    # Every operation tested: none filtered out (the schema's own URL is not fuzzed).
    selected = re.search(r"Operations:\s+(\d+) selected / (\d+) total", run.stdout)
    assert selected and selected[1] == selected[2], run.stdout[:2000]
    documented = sum(1 for endpoint in all_endpoints() if endpoint.in_schema)
    assert int(selected[2]) >= documented - 1, run.stdout[:2000]
    # Whatever it was sent, the service logged no error of its own: a client's error is
    # an INFO line (aiohttp's own complaint about a NUL in a header included).
    logged = (tmp_path / "service.log").read_text(errors="replace").splitlines()
    errors = [line for line in logged if " ERROR " in line or line.startswith("Traceback")]
    assert errors == [], "\n".join(errors[:20])
