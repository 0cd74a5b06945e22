"""The aiohttp application: routes from the endpoint modules, three middlewares."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from entrypoints.api_keys import ApiKeys
from entrypoints.container import Container
from entrypoints.http.context import CONTAINER, TRUST_PROXY
from entrypoints.http.endpoints import Endpoint, Handler
from entrypoints.http.metrics import metrics_middleware
from entrypoints.http.openapi import build_document
from entrypoints.http.problems import problems_middleware
from entrypoints.http.routes import (
    account_sync,
    accounts,
    analytics,
    auth,
    categories,
    closing,
    dashboard,
    dead_letters,
    inventory,
    jobs,
    message_rules,
    messages,
    orders,
    pictures,
    products,
    questions,
    stock_alerts,
    sync_logs,
    system,
    templates,
    webhooks,
)
from entrypoints.http.security import API_KEYS, PUBLIC_ROUTES, api_key_middleware
from entrypoints.http.sessions import SessionSigner
from entrypoints.logs import quiet_client_errors

ENDPOINT_MODULES = (
    system,
    accounts,
    account_sync,
    auth,
    products,
    pictures,
    categories,
    closing,
    inventory,
    stock_alerts,
    orders,
    messages,
    message_rules,
    questions,
    templates,
    sync_logs,
    webhooks,
    dead_letters,
    jobs,
    analytics,
    dashboard,
)


def all_endpoints() -> tuple[Endpoint, ...]:
    return tuple(e for module in ENDPOINT_MODULES for e in module.ENDPOINTS)


def _method_not_allowed(allowed: frozenset[str]) -> Handler:
    async def method_not_allowed(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMethodNotAllowed(request.method, allowed)

    return method_not_allowed


def create_app(
    container: Container,
    api_keys: ApiKeys | None = None,
    endpoints: Iterable[Endpoint] | None = None,
) -> web.Application:
    """The REST API on the container's use cases, with its API keys (the container's,
    unless others are given)."""
    api_keys = api_keys if api_keys is not None else container.api_keys()
    endpoints = tuple(all_endpoints() if endpoints is None else endpoints)
    # Order: metrics see every answer, problems turn errors into answers, and the API key
    # check runs inside so that its refusals are problem+json too.
    app = web.Application(
        middlewares=[
            metrics_middleware(container.metrics().http),
            problems_middleware,
            api_key_middleware,
        ],
        client_max_size=2 * 1024 * 1024,
    )
    app[CONTAINER] = container
    app[API_KEYS] = api_keys
    app[dashboard.SESSION_SIGNER] = SessionSigner(container.session_secret(), api_keys)
    app[PUBLIC_ROUTES] = frozenset((e.method, e.path) for e in endpoints if e.public)
    for endpoint in endpoints:
        app.router.add_route(
            endpoint.method, endpoint.path, endpoint.handler, name=endpoint.operation_id
        )
    methods: dict[str, set[str]] = {}
    for endpoint in endpoints:
        methods.setdefault(endpoint.path, set()).add(endpoint.method)
    for path, allowed in methods.items():
        # Every other method is a 405 naming those the path has, even where a path
        # with a parameter would match (PUT /products/sync is not PUT /products/{id}).
        app.router.add_route("*", path, _method_not_allowed(frozenset(allowed)))
    app[TRUST_PROXY] = container.settings().trust_proxy
    quiet_client_errors()
    app[system.OPENAPI_DOCUMENT] = build_document(endpoints, system.service_version())
    return app
