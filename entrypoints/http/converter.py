"""The REST boundary's own cattrs converter: strict on the way in, plain JSON out.

Unknown fields are refused (a typo must not be silently ignored), types are checked,
and errors name the field that was wrong. Text with control characters other than tab
and line breaks is refused too: PostgreSQL's text and JSONB cannot hold NUL, and no field
of ours means anything by the others.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

import cattrs
from aiohttp import web
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.v import transform_error

from entrypoints.http.problems import RequestInvalid

T = TypeVar("T")
MAX_BODY_BYTES = 1024 * 1024
# Every C0 control character and DEL, except tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

converter = cattrs.Converter(forbid_extra_keys=True)


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number")
    try:
        # Through str so 0.1 arrives as Decimal("0.1"), not its binary approximation.
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not result.is_finite():
        raise ValueError("must be a finite number")
    return result


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _structure_datetime(value: Any, _: type) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO-8601 date-time string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("must include a time-zone offset")
    return parsed


converter.register_structure_hook(Decimal, _structure_decimal)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(Decimal, str)
converter.register_unstructure_hook(datetime, lambda d: d.isoformat())
converter.register_unstructure_hook(Enum, lambda e: e.value)


def structure(data: Any, cls: type[T]) -> T:
    """Build `cls` from JSON data, or raise RequestInvalid listing every bad field."""
    if not isinstance(data, dict):
        raise RequestInvalid("the body must be a JSON object", status=400)
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError, ForbiddenExtraKeysError) as error:
        raise RequestInvalid(
            "the body does not match the expected shape", _field_errors(error), status=422
        ) from None


def _field_errors(error: Exception) -> list[dict[str, str]]:
    problems = []
    for message in transform_error(error, path="$"):
        location, _, reason = message.partition(" @ ")
        field = reason.removeprefix("$").lstrip(".") or "$"
        problems.append({"field": field, "reason": location})
    return problems


def _strings_with_control_characters(data: Any, path: str = "") -> Iterator[str]:
    """The path (`title`, `variations[0].attributes[1].value_name`) of every string, or
    object key, in decoded JSON that holds a control character."""
    if isinstance(data, str):
        if CONTROL_CHARACTERS.search(data):
            yield path or "$"
    elif isinstance(data, dict):
        for key, value in data.items():
            field = f"{path}.{key}" if path else key
            if CONTROL_CHARACTERS.search(key):
                yield f"{path}.{key!r}" if path else repr(key)
            else:
                yield from _strings_with_control_characters(value, field)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings_with_control_characters(value, f"{path}[{index}]")


def refuse_control_characters(data: Any) -> None:
    """Raise RequestInvalid (422) naming every field whose text holds a control character."""
    fields = list(_strings_with_control_characters(data))
    if fields:
        reason = "must not contain control characters (only tab and line breaks are allowed)"
        raise RequestInvalid(
            "the body contains control characters",
            [{"field": field, "reason": reason} for field in fields],
            status=422,
        )


async def read_body(request: web.Request, cls: type[T]) -> T:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise RequestInvalid(f"the body is larger than {MAX_BODY_BYTES} bytes", status=413)
    raw = await request.read()
    if len(raw) > MAX_BODY_BYTES:
        raise RequestInvalid(f"the body is larger than {MAX_BODY_BYTES} bytes", status=413)
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise RequestInvalid(f"the body is not valid JSON: {error}") from None
    refuse_control_characters(data)
    return structure(data, cls)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        converter.unstructure(data), status=status, dumps=lambda obj: json.dumps(obj, default=str)
    )
