"""The metrics listener of `meli worker`, a process with no REST API.

With Redis the jobs run in worker processes, and what they count (notifications
processed and recovered, deliveries, MercadoLibre calls, token refreshes) lives in their
registry, which the API's /metrics cannot see. Each worker therefore serves its own
registry, in Prometheus' text format, and its health: whether its jobs can run, which
needs the worker running and the broker it takes them from answering (a worker whose
Redis is down does nothing, however alive). The listener runs on the container's event
loop, the one every actor's coroutine runs on: a loop that stops answering fails /health
as well.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from aiohttp import web

from adapters.metrics import CONTENT_TYPE, PrometheusMetrics
from application.errors import Unavailable
from application.ports.health import HealthProbe

PROBE_TIMEOUT_SECONDS = 5.0


def metrics_app(
    metrics: PrometheusMetrics,
    alive: Callable[[], bool],
    probes: Sequence[HealthProbe] = (),
) -> web.Application:
    """GET /metrics: the registry; GET /health: 200 while `alive()` and every probe (the
    broker's) answers, else 503; the body says which check failed and why."""

    async def scrape(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    async def health(request: web.Request) -> web.Response:
        running = alive()
        checks: dict[str, dict[str, object]] = {
            "worker": {"ok": running, **({} if running else {"detail": "not running"})}
        }
        for probe in probes:
            checks[probe.name] = await _check(probe)
        ok = all(check["ok"] for check in checks.values())
        return web.json_response(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status=200 if ok else 503,
        )

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    app.router.add_get("/health", health)
    return app


async def _check(probe: HealthProbe) -> dict[str, object]:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            await probe.check()
    except Unavailable as error:
        detail: str | None = str(error)
    except TimeoutError:
        detail = f"no answer within {PROBE_TIMEOUT_SECONDS:g}s"
    else:
        detail = None
    seconds = round(time.perf_counter() - started, 4)
    return {"ok": detail is None, "seconds": seconds, **({"detail": detail} if detail else {})}


async def start_metrics_endpoint(
    metrics: PrometheusMetrics,
    host: str,
    port: int,
    alive: Callable[[], bool],
    probes: Sequence[HealthProbe] = (),
) -> web.AppRunner:
    """Listen on host:port until the returned runner is cleaned up. Raises OSError when
    the address cannot be bound (most often: another process has the port)."""
    runner = web.AppRunner(metrics_app(metrics, alive, probes), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
