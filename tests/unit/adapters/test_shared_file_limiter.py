"""SharedFileRateLimiter's own concerns (the contract suite covers the rest): processes
with different monotonic clocks meet on the wall clock, and a bad or stale file never
stops the service."""

from __future__ import annotations

import json

import pytest

from adapters.local.ratelimit import SharedFileRateLimiter
from application.ports.rate_limiter import API_CALLS, CallClass, RateLimits

LIMITS = RateLimits(per_second=10, burst=2, quotas={API_CALLS: (100, 3600)})
WALL = 1_800_000_000.0


class Clocks:
    """One process's clocks: a monotonic clock with its own origin, the shared wall."""

    def __init__(self, origin: float) -> None:
        self.origin = origin
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.origin

    def wall(self) -> float:
        return WALL

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def limiter(path, clocks: Clocks) -> SharedFileRateLimiter:
    return SharedFileRateLimiter(
        LIMITS, path, monotonic=clocks.monotonic, wall=clocks.wall, sleep=clocks.sleep
    )


async def test_two_processes_draw_from_one_bucket_whatever_their_monotonic_origins(tmp_path):
    path = tmp_path / "rate-limiter.json"
    one, two = Clocks(origin=5.0), Clocks(origin=90_000.0)  # one process rebooted later
    first, second = limiter(path, one), limiter(path, two)

    assert await first.acquire() == 0 and await second.acquire() == 0  # the burst of 2
    assert await first.acquire() == pytest.approx(0.1, abs=1e-5)
    assert await second.acquire() == pytest.approx(0.2, abs=1e-5)
    assert await first.used() == {CallClass.INTERACTIVE: 4}
    state = json.loads(path.read_text())
    assert state["tat"] == pytest.approx(WALL + 0.4, abs=1e-5)  # kept in wall-clock seconds


@pytest.mark.parametrize("content", ["", "{not json", '{"tat": "x", "used": 3}', "[]"])
async def test_an_unreadable_file_starts_afresh(tmp_path, content):
    path = tmp_path / "rate-limiter.json"
    path.write_text(content)
    clocks = Clocks(origin=1.0)

    assert await limiter(path, clocks).acquire() == 0
    assert json.loads(path.read_text())["used"] == [
        [API_CALLS, "interactive", int(WALL // 3600), 1]
    ]


async def test_a_bucket_far_ahead_is_a_wall_clock_set_back_and_is_forgotten(tmp_path):
    path = tmp_path / "rate-limiter.json"
    path.write_text(json.dumps({"tat": WALL + 86_400, "used": []}))

    assert await limiter(path, Clocks(origin=1.0)).acquire() == 0


async def test_the_file_is_private_and_its_directory_made(tmp_path):
    path = tmp_path / "var" / "rate-limiter.json"
    await limiter(path, Clocks(origin=1.0)).acquire()
    assert path.stat().st_mode & 0o777 == 0o600
