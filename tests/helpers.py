"""Small helpers for tests that start real processes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without MELI_ settings (tests set their own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELI_")}
    env.update(overrides)
    return env


def start_meli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "meli"), *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else "(its output went to a file)"
            raise AssertionError(f"process exited early:\n{output}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def stop_process(process: subprocess.Popen, timeout: float = 20.0) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"process did not stop on SIGTERM:\n{output}") from None
    return output


def http(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


async def connect_seller(container, sb, seller: dict | None = None):
    """What the OAuth flow stores for a sandbox seller (the first one by default),
    without a browser (tests/e2e/test_connect_flow.py covers the flow itself)."""
    from domain.accounts import Account, TokenPair

    seller = seller or sb.sellers[0]
    answer = await sb.token_for(seller["id"])
    pair = TokenPair.issued(
        answer["access_token"],
        answer["refresh_token"],
        answer["expires_in"],
        container.clock().now(),
        answer["scope"],
        seller["id"],
    )
    async with container.unit_of_work() as uow:
        account = await uow.accounts.add(
            Account(seller["id"], seller["site_id"], seller["nickname"])
        )
        await container.token_vault().store(uow, account, pair)
        await uow.commit()
    return account


def render_pdf(pdf: bytes, directory: Path) -> list[bytes]:
    """Each page of `pdf` as pdftoppm (poppler-utils) renders it, as 8-bit grey pixels;
    fails when pdftoppm cannot read the file. Without pdftoppm the test is skipped with
    the reason, unless MELI_TEST_REQUIRE_SERVICES=1 (CI installs it: .ci/run)."""
    import shutil

    import pytest

    from tests.conftest import REQUIRE_SERVICES

    tool = shutil.which("pdftoppm")
    if tool is None:
        message = "pdftoppm not installed (apt-get install poppler-utils) to render the PDF"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} (MELI_TEST_REQUIRE_SERVICES=1 forbids skipping)")
        pytest.skip(message)
    source = directory / "rendered.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [tool, "-r", "36", "-gray", str(source), str(directory / "page")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"pdftoppm could not render the PDF: {result.stderr}"
    assert "Error" not in result.stderr, result.stderr
    pages = []
    for page in sorted(directory.glob("page-*.pgm")):
        data = page.read_bytes()
        header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
        assert header is not None, "pdftoppm wrote no 8-bit grey page"
        pixels = data[header.end() :]
        assert len(pixels) == int(header[1]) * int(header[2])
        pages.append(pixels)
    return pages
