"""Unit tests of the pieces that hold time: clock, token bucket, fault matching."""

from __future__ import annotations

import pytest

from sandbox.clock import SimulatedClock, iso
from sandbox.faults import FaultInjector
from sandbox.ratelimit import CallThrottle


def test_clock_only_moves_forwards() -> None:
    """Expiry follows the simulated clock (ref: mercadolibre-api.md §1.2, §4.11 lifetimes)."""
    clock = SimulatedClock()
    before = clock.now()
    clock.advance(60)
    assert clock.now() - before >= 60
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_iso_has_milliseconds_and_z() -> None:
    """ref: mercadolibre-api.md §0.3 (ISO-8601 timestamps with Z)."""
    assert iso(1_704_067_200.5) == "2024-01-01T00:00:00.500Z"


def test_token_bucket_refills_at_the_rate() -> None:
    """ref: mercadolibre-api.md §2.4 (per-app limiter, token bucket)."""
    now = [0.0]
    limiter = CallThrottle(lambda: now[0], rate=2, burst=2)
    assert [limiter.check("app") for _ in range(2)] == [0, 0]
    assert limiter.check("app") == pytest.approx(0.5)
    now[0] = 0.5
    assert limiter.check("app") == 0
    assert limiter.check("app", group="messages", rate=500 / 60, burst=1) == 0


def test_fault_glob_matches_path_or_route() -> None:
    """Fault rules by path or route pattern, method and count (ref: mercadolibre-api.md §2.1
    5xx, §12)."""
    faults = FaultInjector(seed=1)
    faults.add({"path": "/items/{id}", "status": 500})
    assert faults.decide("GET", "/items/MLA1", "/items/{id}") is not None
    assert faults.decide("GET", "/items", "/items") is None
    faults.clear()
    faults.add({"path": "/items*", "method": "put", "status": 502, "count": 1})
    assert faults.decide("GET", "/items/MLA1", "/items/{id}") is None
    decision = faults.decide("PUT", "/items/MLA1", "/items/{id}")
    assert decision is not None and decision.status == 502
    assert faults.decide("PUT", "/items/MLA1", "/items/{id}") is None
