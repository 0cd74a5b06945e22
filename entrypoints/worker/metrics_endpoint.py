"""The metrics listener of `meli worker`, a process with no REST API.

With Redis the jobs run in worker processes, and what they count (notifications
processed and recovered, deliveries, MercadoLibre calls, token refreshes) lives in their
registry, which the API's /metrics cannot see. Each worker therefore serves its own
registry, in Prometheus' text format, and a liveness answer. The listener runs on the
container's event loop, the one every actor's coroutine runs on: a loop that stops
answering fails /health as well.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from adapters.metrics import CONTENT_TYPE, PrometheusMetrics


def metrics_app(metrics: PrometheusMetrics, alive: Callable[[], bool]) -> web.Application:
    """GET /metrics: the registry; GET /health: 200 while `alive()`, else 503."""

    async def scrape(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    async def health(request: web.Request) -> web.Response:
        ok = alive()
        return web.json_response(
            {"status": "ok" if ok else "unavailable"}, status=200 if ok else 503
        )

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    app.router.add_get("/health", health)
    return app


async def start_metrics_endpoint(
    metrics: PrometheusMetrics, host: str, port: int, alive: Callable[[], bool]
) -> web.AppRunner:
    """Listen on host:port until the returned runner is cleaned up. Raises OSError when
    the address cannot be bound (most often: another process has the port)."""
    runner = web.AppRunner(metrics_app(metrics, alive), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
