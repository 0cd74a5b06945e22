"""Every answer counted, labelled by route pattern so that labels stay bounded."""

from __future__ import annotations

import time

from aiohttp import web

from adapters.metrics.http import HttpMetrics
from entrypoints.http.endpoints import Handler


def metrics_middleware(metrics: HttpMetrics) -> web.middleware:
    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            metrics.answered(request.method, route, status, time.perf_counter() - started)

    return record
