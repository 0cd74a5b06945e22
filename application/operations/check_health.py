from __future__ import annotations

import asyncio
from collections.abc import Sequence

import attrs

from application.errors import Unavailable
from application.ports.clock import Clock
from application.ports.health import HealthProbe
from application.quota.plan_periodic_work import PlanPeriodicWork, misfit_warning

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
    """Run every probe with a timeout; one failing probe makes the report not ok.

    With a `planner`, a `quota_plan` entry says (ok, with a detail) when the configured
    intervals do not fit the periodic budget: the service works, but large catalogues
    are read in slices. A plan that cannot be made now is left out: the database probe
    says why.
    """

    def __init__(
        self,
        probes: Sequence[HealthProbe],
        clock: Clock,
        timeout: float = PROBE_TIMEOUT_SECONDS,
        planner: PlanPeriodicWork | None = None,
    ) -> None:
        self._probes = probes
        self._clock = clock
        self._timeout = timeout
        self._planner = planner

    async def __call__(self) -> HealthReport:
        probed, warning = await asyncio.gather(
            asyncio.gather(*(self._run(probe) for probe in self._probes)), self._plan_warning()
        )
        checks = list(probed)
        if warning is not None:
            checks.append(DependencyHealth("quota_plan", True, warning))
        return HealthReport(ok=all(c.ok for c in checks), checks=tuple(checks))

    async def _plan_warning(self) -> str | None:
        if self._planner is None:
            return None
        try:
            plan = await asyncio.wait_for(self._planner.plan(), timeout=self._timeout)
        except (TimeoutError, Unavailable):
            return None
        return misfit_warning(plan)

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
