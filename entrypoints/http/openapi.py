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

from entrypoints.http.endpoints import Endpoint

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
    """JSON schemas for attrs classes, collected under components/schemas."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.components:
            self.components[name] = {}  # placeholder: recursion-safe
            self.components[name] = self._object(cls)
        return {"$ref": f"#/components/schemas/{name}"}

    def _object(self, cls: type) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(cls):
            properties[field.name] = self.of(hints[field.name])
            if field.default is attrs.NOTHING:
                required.append(field.name)
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if cls.__doc__:
            schema["description"] = " ".join(cls.__doc__.split())
        if required:
            schema["required"] = required
        return schema

    def of(self, hint: Any) -> dict[str, Any]:
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            options = [self.of(a) for a in args if a is not type(None)]
            schema = options[0] if len(options) == 1 else {"oneOf": options}
            if type(None) in args:
                return {"anyOf": [schema, {"type": "null"}]}
            return schema
        if origin in (list, tuple, Sequence, frozenset, set) or hint in (list, tuple):
            item = args[0] if args else Any
            return {"type": "array", "items": self.of(item)}
        if origin in (dict, Mapping):
            value = args[1] if len(args) == 2 else Any
            return {"type": "object", "additionalProperties": self.of(value)}
        if origin is typing.Literal:
            return {"enum": list(args)}
        if isinstance(hint, type):
            if attrs.has(hint):
                return self.ref(hint)
            if issubclass(hint, Enum):
                return {"type": "string", "enum": [m.value for m in hint]}
            if issubclass(hint, bool):
                return {"type": "boolean"}
            if issubclass(hint, int):
                return {"type": "integer"}
            if issubclass(hint, float):
                return {"type": "number"}
            if issubclass(hint, Decimal):
                return {
                    "type": "string",
                    "format": "decimal",
                    "description": "a decimal number; numbers are accepted on input",
                }
            if issubclass(hint, datetime):
                return {"type": "string", "format": "date-time"}
            if issubclass(hint, str):
                return {"type": "string"}
        return {}


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
                    "schema": {"type": p.type, **({"enum": list(p.enum)} if p.enum else {})},
                }
                for p in endpoint.params
            ]
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": builder.ref(endpoint.body)}},
            }
        for status, reply in sorted(endpoint.replies.items()):
            response: dict[str, Any] = {"description": reply.description}
            if reply.schema is not None:
                schema = builder.ref(reply.schema)
                if reply.many:
                    schema = {"type": "array", "items": schema}
                response["content"] = {reply.content_type: {"schema": schema}}
            elif reply.content_type != "application/json":
                response["content"] = {reply.content_type: {"schema": {"type": "string"}}}
            operation["responses"][str(status)] = response
        operation["responses"].setdefault(
            "default",
            {
                "description": "An error, as problem details",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            },
        )
        if not endpoint.public:
            operation["responses"].setdefault(
                "401",
                {
                    "description": "Missing or wrong API key",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                },
            )
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
