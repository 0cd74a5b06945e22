from __future__ import annotations

import asyncio
from collections.abc import Sequence

import attrs

from application.errors import Unavailable
from application.ports.clock import Clock
from application.ports.health import HealthProbe

PROBE_TIMEOUT_SECONDS = 5.0


@attrs.define(frozen=True)
class DependencyHealth:
    name: str
    ok: bool
    detail: str | None = None
    seconds: float = 0.0


@attrs.define(frozen=True)
class HealthReport:
    ok: bool
    checks: tuple[DependencyHealth, ...]


class CheckHealth:
    """Run every probe with a timeout; one failing probe makes the report not ok."""

    def __init__(
        self, probes: Sequence[HealthProbe], clock: Clock, timeout: float = PROBE_TIMEOUT_SECONDS
    ) -> None:
        self._probes = probes
        self._clock = clock
        self._timeout = timeout

    async def __call__(self) -> HealthReport:
        checks = await asyncio.gather(*(self._run(probe) for probe in self._probes))
        return HealthReport(ok=all(c.ok for c in checks), checks=tuple(checks))

    async def _run(self, probe: HealthProbe) -> DependencyHealth:
        started = self._clock.now()
        detail: str | None = None
        try:
            await asyncio.wait_for(probe.check(), timeout=self._timeout)
            ok = True
        except TimeoutError:
            ok, detail = False, f"no answer within {self._timeout:g}s"
        except Unavailable as error:
            ok, detail = False, str(error)
        elapsed = (self._clock.now() - started).total_seconds()
        return DependencyHealth(probe.name, ok, detail, round(elapsed, 4))
