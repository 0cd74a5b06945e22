"""Health, metrics and the API's own documentation: the routes that need no API key."""

from __future__ import annotations

import html
import json
import logging
from importlib.metadata import PackageNotFoundError, version

import attrs
from aiohttp import web

from adapters.metrics import CONTENT_TYPE
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response
from entrypoints.http.endpoints import Endpoint, Reply

log = logging.getLogger(__name__)

OPENAPI_DOCUMENT: web.AppKey[dict] = web.AppKey("openapi_document", dict)


def service_version() -> str:
    try:
        return version("meli-integration")
    except PackageNotFoundError:
        return "0+unknown"


@attrs.define(frozen=True)
class DependencyCheck:
    ok: bool
    seconds: float
    detail: str | None = None


@attrs.define(frozen=True)
class HealthBody:
    """Overall status and one entry per dependency (database, broker)."""

    status: str
    version: str
    checks: dict[str, DependencyCheck]


async def get_health(request: web.Request) -> web.Response:
    report = await container_of(request).check_health()()
    body = HealthBody(
        status="ok" if report.ok else "unavailable",
        version=service_version(),
        checks={c.name: DependencyCheck(c.ok, c.seconds, c.detail) for c in report.checks},
    )
    return json_response(body, status=200 if report.ok else 503)


async def get_metrics(request: web.Request) -> web.Response:
    container = container_of(request)
    await container.report_gauges()()
    response = web.Response(body=container.metrics().render())
    response.headers["Content-Type"] = CONTENT_TYPE
    return response


async def get_openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI_DOCUMENT])


async def get_docs(request: web.Request) -> web.Response:
    return web.Response(text=render_docs(request.app[OPENAPI_DOCUMENT]), content_type="text/html")


def render_docs(document: dict) -> str:
    """A self-contained page (no CDN: the service must work offline) listing every
    operation with its parameters, body schema and answers."""
    esc = html.escape
    sections = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            auth = "public" if op.get("security") == [] else "API key"
            params = "".join(
                f"<li><code>{esc(p['name'])}</code> ({esc(p['in'])}"
                f"{', required' if p.get('required') else ''}): {esc(p.get('description', ''))}"
                "</li>"
                for p in op.get("parameters", [])
            )
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            body_html = ""
            if body:
                name = body["schema"]["$ref"].rsplit("/", 1)[-1]
                schema = document["components"]["schemas"][name]
                body_html = (
                    f"<p>Body <code>{esc(name)}</code></p><pre>"
                    f"{esc(json.dumps(schema, indent=2))}</pre>"
                )
            answers = "".join(
                f"<li><code>{esc(code)}</code> {esc(r['description'])}</li>"
                for code, r in op["responses"].items()
            )
            sections.append(
                f'<section id="{esc(op["operationId"])}"><h3><span class="m">{method.upper()}'
                f"</span> <code>{esc(path)}</code> <small>{auth}</small></h3>"
                f"<p>{esc(op['summary'])}</p>"
                + (f"<p>{esc(op['description'])}</p>" if op.get("description") else "")
                + (f"<ul>{params}</ul>" if params else "")
                + body_html
                + f"<ul>{answers}</ul></section>"
            )
    info = document["info"]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{esc(info['title'])} API</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "section{border-top:1px solid #ddd;padding:.5rem 0}.m{font-family:monospace;"
        "background:#eef;padding:0 .3rem}pre{background:#f6f6f6;padding:.5rem;overflow:auto}"
        "small{color:#666}</style></head><body>"
        f"<h1>{esc(info['title'])} <small>{esc(info['version'])}</small></h1>"
        f"<p>{esc(info['description'])}</p>"
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a></p>"
        + "".join(sections)
        + "</body></html>"
    )


ENDPOINTS = (
    Endpoint(
        "GET",
        "/health",
        get_health,
        "Is the service able to work?",
        "operations",
        public=True,
        replies={
            200: Reply("Every dependency answers", HealthBody),
            503: Reply("A dependency is down; the body says which", HealthBody),
        },
    ),
    Endpoint(
        "GET",
        "/metrics",
        get_metrics,
        "Prometheus metrics",
        "operations",
        public=True,
        replies={200: Reply("Prometheus text format", content_type="text/plain")},
    ),
    Endpoint(
        "GET",
        "/openapi.json",
        get_openapi,
        "This API's OpenAPI document",
        "operations",
        public=True,
        uses_storage=False,
        replies={200: Reply("OpenAPI 3.1 document")},
    ),
    Endpoint(
        "GET",
        "/docs",
        get_docs,
        "Human-readable API documentation",
        "operations",
        public=True,
        uses_storage=False,
        replies={200: Reply("HTML page", content_type="text/html")},
    ),
)
