"""Secrets stay out of logs; API keys are compared in constant time and kept 0600."""

from __future__ import annotations

import logging
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.crypto.fernet import load_or_create_key_file
from entrypoints.api_keys import ApiKeys, load_api_keys
from entrypoints.logs import RedactingFilter, redact
from entrypoints.settings import Settings

ACCESS = "APP_USR-1000000000000001-112612-8cc4448aac10d5105474e1351-202593498"
REFRESH = "TG-5b9032b4e23464aed1f959f-202593498"


def test_tokens_and_credentials_are_redacted():
    line = (
        f"refresh with {REFRESH} gave {ACCESS}; Authorization: Bearer abc.def "
        f"body client_secret=s3cr3t&code=TG-abc-1 "
        '{"access_token": "zzz", "refresh_token": "yyy"}'
    )
    cleaned = redact(line)
    for secret in (ACCESS, REFRESH, "abc.def", "s3cr3t", "TG-abc-1", "zzz", "yyy"):
        assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_the_log_filter_cleans_messages_arguments_and_tracebacks():
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "token %s", (ACCESS,), None)
    try:
        raise RuntimeError(f"failed with {REFRESH}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    RedactingFilter().filter(record)
    assert ACCESS not in record.getMessage()
    assert REFRESH not in (record.exc_text or "")


def test_keys_match_only_exactly():
    keys = ApiKeys(("a" * 20, "b" * 20))
    assert keys.accepts("b" * 20)
    assert not keys.accepts("a" * 19) and not keys.accepts("")


def test_a_generated_key_is_stored_0600_and_reported_only_the_first_time(tmp_path):
    settings = Settings(data_dir=tmp_path / "var")
    first = load_api_keys(settings)
    assert first.generated and first.keys == (first.generated,)
    assert stat.S_IMODE(settings.api_key_file.stat().st_mode) == 0o600
    second = load_api_keys(settings)
    assert second.keys == first.keys and second.generated is None


def test_configured_keys_win_over_the_file(tmp_path):
    settings = Settings(data_dir=tmp_path, api_keys=("c" * 20,))
    assert load_api_keys(settings).keys == ("c" * 20,)
    assert not settings.api_key_file.exists()


def race(create: Callable[[Path], str], path: Path, contenders: int = 8) -> list[object]:
    """Start `contenders` threads creating `path` at the same instant; what each got."""
    barrier = threading.Barrier(contenders)
    results: list[object] = []

    def contend() -> None:
        barrier.wait()
        try:
            results.append(create(path))
        except Exception as error:
            results.append(error)

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def eager_switching():
    """Switch threads as often as possible, so the losers of a creation race read the
    file while the winner is still writing it, if they can."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def _api_key(path: Path) -> str:
    return load_api_keys(Settings(data_dir=path.parent)).keys[0]


@pytest.mark.parametrize(
    ("create", "name"),
    [(load_or_create_key_file, "encryption-key"), (_api_key, "api-key")],
    ids=["encryption key", "API key"],
)
def test_starts_creating_a_key_file_at_once_all_get_the_complete_key(
    tmp_path, eager_switching, create, name
):
    """A loser of the creation race used to read the winner's file while it was still
    empty (an unusable encryption key, an API key refused as too short)."""
    for round_ in range(50):
        path = tmp_path / str(round_) / name
        results = race(create, path)
        assert all(isinstance(result, str) for result in results), results
        assert len(set(results)) == 1, results
        assert len(results[0]) >= 16 and path.read_text().strip() == results[0]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert [p.name for p in path.parent.iterdir()] == [name], "no temporary file left"
