"""How a route is declared: its handler plus what the OpenAPI document says about it.

Every route of the REST API is an `Endpoint`; the app registers them and the OpenAPI
document is generated from the same list, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.define(frozen=True)
class Param:
    name: str
    description: str
    type: str = "string"  # a JSON schema type
    required: bool = False
    location: str = "query"  # or "path"
    enum: tuple[str, ...] = ()


@attrs.define(frozen=True)
class Reply:
    description: str
    schema: type | None = None  # an attrs class, or None
    many: bool = False
    content_type: str = "application/json"


@attrs.define(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    public: bool = False  # no API key needed
    body: type | None = None
    params: tuple[Param, ...] = ()
    replies: dict[int, Reply] = attrs.field(factory=dict)
    description: str = ""
    in_schema: bool = True

    @property
    def operation_id(self) -> str:
        return self.handler.__name__
