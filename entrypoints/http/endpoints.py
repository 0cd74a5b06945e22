"""How a route is declared: its handler plus what the OpenAPI document says about it.

Every route of the REST API is an `Endpoint`; the app registers them and the OpenAPI
document is generated from the same list, so the two cannot drift apart. The limits of a
parameter (`Param`) and of a body field (`limited`) are declared once and both checked
by the readers (params.py, converter.py) and written into the document.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Ids (accounts, batches, subscriptions, sync logs, variations...) are 64-bit (BIGINT).
MAX_ID = 2**63 - 1
MIN_INT64 = -(2**63)
# Every C0 control character and DEL: no parameter of ours means anything by one, and
# PostgreSQL's text cannot hold NUL.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
# In a body, tab and line breaks are text (a description has paragraphs).
NO_CONTROL_CHARACTERS_BUT_LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


@attrs.define(frozen=True)
class Limits:
    """What a value must be besides its type; None (or empty) for no limit. Numbers are
    inclusive bounds, unless `exclusive_minimum`."""

    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    exclusive_minimum: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    hint: str | None = None  # what a value matching `pattern` looks like, for errors
    enum: tuple[str, ...] = ()
    min_items: int | None = None
    max_items: int | None = None

    def schema(self) -> dict[str, Any]:
        """The JSON-schema keywords for these limits."""
        schema: dict[str, Any] = {}
        if self.minimum is not None:
            key = "exclusiveMinimum" if self.exclusive_minimum else "minimum"
            schema[key] = _number(self.minimum)
        if self.maximum is not None:
            schema["maximum"] = _number(self.maximum)
        for key, value in (
            ("minLength", self.min_length),
            ("maxLength", self.max_length),
            ("pattern", self.pattern),
            ("minItems", self.min_items),
            ("maxItems", self.max_items),
        ):
            if value is not None:
                schema[key] = value
        if self.enum:
            schema["enum"] = list(self.enum)
        return schema

    def violation(self, value: Any) -> str | None:
        """Why `value` breaks these limits, or None when it keeps them."""
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            if self.minimum is not None:
                if self.exclusive_minimum and value <= self.minimum:
                    return f"must be more than {self.minimum}"
                if value < self.minimum:
                    return f"must be at least {self.minimum}"
            if self.maximum is not None and value > self.maximum:
                return f"must be at most {self.maximum}"
        if isinstance(value, str):
            if self.min_length is not None and len(value) < self.min_length:
                return f"must have at least {self.min_length} characters"
            if self.max_length is not None and len(value) > self.max_length:
                return f"must be at most {self.max_length} characters"
            if self.enum and value not in self.enum:
                return f"must be one of {', '.join(self.enum)}"
            if self.pattern is not None and not _matches(self.pattern, value):
                return f"must look like {self.hint}" if self.hint else "has characters not allowed"
        if isinstance(value, list | tuple):
            if self.min_items is not None and len(value) < self.min_items:
                return f"must have at least {self.min_items} items"
            if self.max_items is not None and len(value) > self.max_items:
                return f"must have at most {self.max_items} items"
        return None


def _matches(pattern: str, value: str) -> bool:
    """A JSON-schema (ECMA-262) pattern's verdict. Python's `$` also matches before a
    final line break, ECMA's does not: an anchored pattern must match the whole text."""
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        return re.fullmatch(pattern[1:-1], value) is not None
    return re.search(pattern, value) is not None


def _number(value: int | Decimal) -> int | float:
    if isinstance(value, int) or value == value.to_integral_value():
        return int(value)
    return float(value)


LIMITS = "limits"


def limited(default: Any = attrs.NOTHING, *, factory: Any = None, **limits: Any) -> Any:
    """An attrs field of a request body with limits (see `Limits`), which the REST
    converter enforces and the OpenAPI document shows."""
    metadata = {LIMITS: Limits(**limits)}
    if factory is not None:
        return attrs.field(factory=factory, metadata=metadata)
    return attrs.field(default=default, metadata=metadata)


def limits_of(field: attrs.Attribute) -> Limits | None:
    return field.metadata.get(LIMITS)


@attrs.define(frozen=True)
class Param:
    """A query or path parameter. Its type, enum and limits are what the readers of
    params.py enforce: a value outside them is a 400 naming the parameter."""

    name: str
    description: str
    type: str = "string"  # a JSON schema type: string, integer or boolean
    required: bool = False
    location: str = "query"  # or "path"
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    hint: str | None = None  # what a value matching `pattern` looks like, for errors

    @classmethod
    def choice(cls, name: str, description: str, options: type[Enum], **kwargs: Any) -> Param:
        return cls(name, description, enum=tuple(str(o.value) for o in options), **kwargs)

    @classmethod
    def id(cls, name: str, description: str, location: str = "path") -> Param:
        """A 64-bit positive id."""
        return cls(name, description, "integer", location=location, minimum=1, maximum=MAX_ID)

    @property
    def limits(self) -> Limits:
        if self.type == "integer":
            return Limits(
                minimum=MIN_INT64 if self.minimum is None else self.minimum,
                maximum=MAX_ID if self.maximum is None else self.maximum,
            )
        if self.type == "string" and not self.enum:
            return Limits(
                max_length=self.max_length,
                pattern=self.pattern or NO_CONTROL_CHARACTERS,
                hint=self.hint,
            )
        return Limits(enum=self.enum)

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type}
        if self.type == "string" and self.enum:
            schema["enum"] = list(self.enum)
        elif self.type != "boolean":
            schema.update(self.limits.schema())
        if (self.required or self.location == "path") and self.type == "string" and not self.enum:
            schema["minLength"] = 1
        return schema


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
    # The multipart/form-data field a file is sent in (POST /pictures), instead of a body.
    upload: str | None = None
    params: tuple[Param, ...] = ()
    replies: dict[int, Reply] = attrs.field(factory=dict)
    description: str = ""
    in_schema: bool = True
    # Calls MercadoLibre while answering: its refusals and outages are answers too.
    calls_mercadolibre: bool = False
    # The status of a body that does not match `body`: 422, or 400 for a body read
    # leniently by its own reader (MercadoLibre's notifications).
    body_mismatch: int = 422
    # Reads or writes the database or the queue (nearly every route): 503 when down.
    uses_storage: bool = True
    # The multipart/form-data field a file arrives in, for a route that takes one.
    upload: str | None = None

    @property
    def operation_id(self) -> str:
        return self.handler.__name__
