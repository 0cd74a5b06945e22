"""The OpenAPI 3.1 document, generated from the declared endpoints and attrs schemas."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs

from entrypoints.http.endpoints import (
    MAX_ID,
    MIN_INT64,
    NO_CONTROL_CHARACTERS_BUT_LINES,
    Endpoint,
    limits_of,
)

PROBLEM_JSON = "application/problem+json"
# A decimal written as text in a request body (numbers are accepted too).
DECIMAL_TEXT = r"^-?[0-9]{1,40}(\.[0-9]{1,40})?$"

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        # MercadoLibre's own answer when the error is one (§2.1), whatever the status.
        "meli_status": {"type": "integer"},
        "meli_error": {"type": "string"},
        "meli_message": {"type": "string"},
        "meli_causes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                    "type": {"type": "string"},
                    "references": {"type": "array", "items": {"type": "string"}},
                    "department": {"type": "string"},
                    "cause_id": {"type": "string"},
                },
            },
        },
    },
    "required": ["title", "status"],
}


class SchemaBuilder:
    """JSON schemas for attrs classes, collected under components/schemas. A request
    body's schema (`incoming`) states what the REST converter accepts: its limits, 64-bit
    integers, decimals as numbers or decimal strings, text without control characters."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}

    def ref(self, cls: type, incoming: bool = False) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.components:
            self.components[name] = {}  # placeholder: recursion-safe
            self.components[name] = self._object(cls, incoming)
        return {"$ref": f"#/components/schemas/{name}"}

    def _object(self, cls: type, incoming: bool) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(cls):
            schema = self.of(hints[field.name], incoming)
            limits = limits_of(field)
            if incoming and limits is not None:
                schema = _with_limits(schema, limits.schema())
            properties[field.name] = schema
            if field.default is attrs.NOTHING:
                required.append(field.name)
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            # The REST converter refuses unknown fields; a lenient reader ignores them.
            "additionalProperties": bool(getattr(cls, "__lenient__", False)),
        }
        if cls.__doc__:
            schema["description"] = " ".join(cls.__doc__.split())
        if required:
            schema["required"] = required
        return schema

    def of(self, hint: Any, incoming: bool = False) -> dict[str, Any]:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            options = [self.of(a, incoming) for a in args if a is not type(None)]
            schema = options[0] if len(options) == 1 else {"oneOf": options}
            if type(None) in args:
                return {"anyOf": [schema, {"type": "null"}]}
            return schema
        if origin in (list, tuple, Sequence, frozenset, set) or hint in (list, tuple):
            item = args[0] if args else Any
            return {"type": "array", "items": self.of(item, incoming)}
        if origin in (dict, Mapping):
            value = args[1] if len(args) == 2 else Any
            return {"type": "object", "additionalProperties": self.of(value, incoming)}
        if origin is typing.Literal:
            return {"enum": list(args)}
        if isinstance(hint, type):
            if attrs.has(hint):
                return self.ref(hint, incoming)
            if issubclass(hint, Enum):
                return {"type": "string", "enum": [m.value for m in hint]}
            if issubclass(hint, bool):
                return {"type": "boolean"}
            if issubclass(hint, int):
                if incoming:
                    return {"type": "integer", "minimum": MIN_INT64, "maximum": MAX_ID}
                return {"type": "integer"}
            if issubclass(hint, float):
                return {"type": "number"}
            if issubclass(hint, Decimal):
                if incoming:
                    return {
                        "anyOf": [
                            {"type": "number"},
                            {"type": "string", "pattern": DECIMAL_TEXT},
                        ],
                        "description": "a decimal number, or its digits as a string",
                    }
                return {
                    "type": "string",
                    "format": "decimal",
                    "description": "a decimal number",
                }
            if issubclass(hint, datetime):
                return {"type": "string", "format": "date-time"}
            if issubclass(hint, str):
                if incoming:
                    return {"type": "string", "pattern": NO_CONTROL_CHARACTERS_BUT_LINES}
                return {"type": "string"}
        return {}


def _with_limits(schema: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    """`schema` narrowed by a field's limits: on the value itself, or on each branch of
    an optional (`anyOf [x, null]`) or of a decimal (number or text: bounds go to the
    number, the text keeps its digits pattern and is checked after conversion)."""
    if not limits:
        return schema
    if "anyOf" in schema:
        branches = [
            b if b.get("type") == "null" else _with_limits(b, limits) for b in schema["anyOf"]
        ]
        return {**schema, "anyOf": branches}
    kind = schema.get("type")
    if kind in ("integer", "number"):
        keep = {"minimum", "maximum", "exclusiveMinimum"}
    elif kind == "string":
        if "pattern" in schema and schema["pattern"] == DECIMAL_TEXT:
            return schema
        keep = {"minLength", "maxLength", "pattern", "enum"}
    elif kind == "array":
        keep = {"minItems", "maxItems"}
    else:
        return schema
    narrowed = {**schema, **{k: v for k, v in limits.items() if k in keep}}
    if "minimum" in narrowed and "exclusiveMinimum" in narrowed:
        del narrowed["minimum"]
    return narrowed


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def standard_replies(endpoint: Endpoint) -> dict[int, str]:
    """The answers every route of its kind can give, besides those it declares: the REST
    app's own checks (parameters, body, API key) and the errors of what it depends on
    (problems.py maps each error type to one of these statuses)."""
    replies: dict[int, str] = {}
    if endpoint.params or endpoint.body is not None:
        replies[400] = (
            "Malformed request: a parameter outside its schema (named in `errors`), or a "
            "body that is not a JSON object"
        )
    if not endpoint.public:
        replies[401] = "Missing or wrong API key"
    if endpoint.body is not None:
        replies[413] = "The body is larger than the limit"
        replies[endpoint.body_mismatch] = (
            "The body does not match its schema or breaks a rule; `errors` names each field"
        )
    if endpoint.calls_mercadolibre:
        replies[403] = "MercadoLibre refused access to the resource"
        replies[409] = "The account must be connected again, or the resource's state forbids it"
        replies[429] = "MercadoLibre's rate limit or a quota; `Retry-After` says when to retry"
        replies[502] = "MercadoLibre refused our credentials"
    if endpoint.uses_storage or endpoint.calls_mercadolibre:
        replies[503] = "A dependency (database, job queue, Redis or MercadoLibre) is unavailable"
    return replies


def build_document(endpoints: Iterable[Endpoint], version: str) -> dict[str, Any]:
    builder = SchemaBuilder()
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        if not endpoint.in_schema:
            continue
        operation: dict[str, Any] = {
            "operationId": endpoint.operation_id,
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
            "responses": {},
        }
        if endpoint.description:
            operation["description"] = endpoint.description
        if endpoint.public:
            operation["security"] = []
        if endpoint.params:
            operation["parameters"] = [
                {
                    "name": p.name,
                    "in": p.location,
                    "required": p.required or p.location == "path",
                    "description": p.description,
                    "schema": p.schema(),
                }
                for p in endpoint.params
            ]
        if endpoint.upload is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": [endpoint.upload],
                            "properties": {endpoint.upload: {"type": "string", "format": "binary"}},
                        }
                    }
                },
            }
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": builder.ref(endpoint.body, incoming=True)}
                },
            }
        responses: dict[int, dict[str, Any]] = {}
        for status, reply in endpoint.replies.items():
            response: dict[str, Any] = {"description": reply.description}
            if reply.schema is not None:
                schema = builder.ref(reply.schema)
                if reply.many:
                    schema = {"type": "array", "items": schema}
                response["content"] = {reply.content_type: {"schema": schema}}
            elif status >= 400:
                response = _problem(reply.description)
                if reply.content_type != "application/json":
                    response["content"][reply.content_type] = {"schema": {"type": "string"}}
            elif reply.content_type != "application/json":
                response["content"] = {reply.content_type: {"schema": {"type": "string"}}}
            responses[status] = response
        for status, description in standard_replies(endpoint).items():
            responses.setdefault(status, _problem(description))
        operation["responses"] = {str(status): responses[status] for status in sorted(responses)}
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation
    builder.components["Problem"] = PROBLEM_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "meli-integration",
            "version": version,
            "description": "REST API of the MercadoLibre integration service. Every "
            "operation needs `Authorization: Bearer <API key>` unless marked otherwise; "
            "errors are `application/problem+json`.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": dict(sorted(builder.components.items())),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"apiKey": []}],
        "paths": dict(sorted(paths.items())),
    }
