"""Prometheus metrics of the HTTP API, labelled by route pattern so labels stay bounded."""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from entrypoints.http.endpoints import Handler


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "meli_http_requests_total",
            "HTTP requests answered, by route and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "meli_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )

    def middleware(self) -> web.middleware:
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
                self.requests.labels(request.method, route, str(status)).inc()
                self.latency.labels(request.method, route).observe(time.perf_counter() - started)

        return record


class AccountMetrics:
    """Accounts by status, read from the store at scrape time, so that an account in
    need of re-authorization shows up on a dashboard and can page someone."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.accounts = Gauge(
            "meli_accounts",
            "Connected seller accounts by status",
            ["status"],
            registry=registry,
        )
        self.needing_reauthorization = Gauge(
            "meli_accounts_needing_reauthorization",
            "Accounts whose grant MercadoLibre refused; the seller must connect again",
            registry=registry,
        )
