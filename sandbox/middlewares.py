"""What every MercadoLibre call goes through: call counting, fault injection, the 501 of
a path the sandbox does not simulate, the Bearer check (public reads may come without
one) and the per-application rate limit; JSONP and JSON error bodies around it all."""

from __future__ import annotations

import asyncio
import json
import logging
import re

from aiohttp import web

from sandbox.errors import ApiError, error_body, not_simulated, too_many_requests
from sandbox.faults import fault_error
from sandbox.http import (
    ACCESS,
    DROP_AFTER,
    PARTIAL,
    Handler,
    is_public,
    is_public_read,
    rate_group_of,
    state_of,
)
from sandbox.ratelimit import retry_after_seconds

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/_sandbox"
TOKEN_PATH = "/oauth/token"
CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
HTTP_ERRORS = {404: "not_found", 405: "method_not_allowed", 413: "request_entity_too_large"}


def route_pattern(request: web.Request) -> str | None:
    """`/items/{id}` for a request to `/items/MLA1`; None when no route matched."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else None


@web.middleware
async def jsonp(request: web.Request, handler: Handler) -> web.StreamResponse:
    """§0.3 `?callback=fn`: always HTTP 200, body `fn([status, headers, body])`."""
    response = await handler(request)
    callback = request.query.get("callback")
    if not callback or not CALLBACK.match(callback) or request.path.startswith(ADMIN_PREFIX):
        return response
    if not isinstance(response, web.Response) or response.content_type != "application/json":
        return response
    body = json.loads(response.text) if response.text else None
    headers = {"Content-Type": "application/json;charset=UTF-8"}
    payload = json.dumps([response.status, headers, body])
    return web.Response(text=f"{callback}({payload});", content_type="text/javascript")


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as the JSON body of §2.1 (OAuth ones keep error_description)."""
    try:
        return await handler(request)
    except ConnectionDropped:
        # The transport is gone: this response is never written.
        return web.Response(status=499)
    except ApiError as e:
        return web.json_response(e.body, status=e.status, headers=e.headers)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        if request.method == "OPTIONS" and e.status == 405:
            return self_documentation(request, e)
        code = HTTP_ERRORS.get(e.status, "bad_request" if e.status < 500 else "internal_error")
        message = e.reason
        if e.status == 404:
            message = f"Resource {request.path} not found."
        return web.json_response(error_body(e.status, code, message), status=e.status)
    except Exception:
        log.exception("sandbox handler failed: %s %s", request.method, request.path)
        body = error_body(500, "internal_server_error", "Internal Server Error")
        return web.json_response(body, status=500)


def self_documentation(request: web.Request, error: web.HTTPException) -> web.Response:
    """§0.3 `OPTIONS /<resource>`: JSON about the resource [INF: a minimal form]."""
    allowed = sorted(getattr(error, "allowed_methods", ()) or ())
    return web.json_response(
        {"name": request.path, "methods": [{"method": m} for m in allowed if m != "OPTIONS"]}
    )


@web.middleware
async def api(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(ADMIN_PREFIX):
        return await handler(request)
    response = await _api(request, handler)
    if request.get(DROP_AFTER):
        drop_connection(request)
    return response


async def _api(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = state_of(request)
    route = route_pattern(request)
    state.stats.record(
        request.method, route or "(unmatched)", request.path, request.query, request.headers
    )
    decision = state.faults.decide(request.method, request.path, route)
    if decision is not None:
        if decision.latency:
            await asyncio.sleep(decision.latency)
        if decision.drop:
            drop_connection(request)
        request[DROP_AFTER] = decision.drop_after
        if decision.status == 206:
            request[PARTIAL] = True
        elif decision.status is not None:
            retry = 1 if state.config.retry_after_header else None
            raise fault_error(decision.status, retry)
    if route is None and not _self_documented(request):
        raise not_simulated(request.method, request.path)
    if route is None or request.method == "OPTIONS":
        return await handler(request)
    if is_public(handler):
        client_id = await _form_client_id(request)
    elif (
        is_public_read(handler)
        and state.config.public_reads
        and "Authorization" not in request.headers
    ):
        # No application to count it against [INF: MercadoLibre limits anonymous calls
        # by address; the sandbox does not limit them].
        client_id = None
    else:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        bearer = token.strip() if scheme.lower() == "bearer" else None
        access = state.oauth.authenticate(bearer)
        request[ACCESS] = access
        client_id = access.client_id
    if client_id is not None:
        wait = state.throttle.check(client_id)
        group = rate_group_of(handler)
        if not wait and group is not None:
            name, per_minute = group
            wait = state.throttle.check(client_id, name, per_minute / 60, max(1, int(per_minute)))
        if wait:
            retry = retry_after_seconds(wait) if state.config.retry_after_header else None
            raise too_many_requests(retry)
    return await handler(request)


def _self_documented(request: web.Request) -> bool:
    """§0.3: OPTIONS on a path the sandbox serves (with other methods) documents it."""
    error = request.match_info.http_exception
    return request.method == "OPTIONS" and error is not None and error.status == 405


async def _form_client_id(request: web.Request) -> str | None:
    """The application of a token request, so that the OAuth endpoint is limited too (the
    consent page is a browser page, not the API, and is not limited)."""
    if request.path != TOKEN_PATH or request.content_type != "application/x-www-form-urlencoded":
        return None
    form = await request.post()
    client_id = form.get("client_id")
    if isinstance(client_id, str) and client_id in state_of(request).oauth.apps:
        return client_id
    return None


class ConnectionDropped(Exception):
    """Raised after the transport is aborted, so that no response is written."""


def drop_connection(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise ConnectionDropped
