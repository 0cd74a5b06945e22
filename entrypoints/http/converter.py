"""The REST boundary's own cattrs converter: strict on the way in, plain JSON out.

Unknown fields are refused (a typo must not be silently ignored), types are checked,
and errors name the field that was wrong. Text with control characters other than tab
and line breaks is refused too: PostgreSQL's text and JSONB cannot hold NUL, and no field
of ours means anything by the others; so is text with a lone UTF-16 surrogate (`\ud800`),
which no database can store as UTF-8. Whole numbers are 64-bit at most, and each body
field's declared limits (endpoints.limited) are checked after the shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

import attrs
import cattrs
from aiohttp import web
from cattrs.cols import is_mutable_sequence, list_structure_factory
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.v import transform_error

from entrypoints.http.endpoints import MAX_ID, MIN_INT64, limits_of
from entrypoints.http.problems import RequestInvalid

T = TypeVar("T")
MAX_BODY_BYTES = 1024 * 1024
# Every C0 control character and DEL, except tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATES = re.compile(r"[\ud800-\udfff]")
DECIMAL_TEXT = re.compile(r"^-?[0-9]{1,40}(\.[0-9]{1,40})?$")  # openapi.DECIMAL_TEXT

converter = cattrs.Converter(forbid_extra_keys=True)


def _structure_decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number")
    if isinstance(value, str) and not DECIMAL_TEXT.match(value):
        raise ValueError("must be a number, or its digits as a string (such as 1999.90)")
    try:
        # Through str so 0.1 arrives as Decimal("0.1"), not its binary approximation.
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not result.is_finite():
        raise ValueError("must be a finite number")
    return result


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON's 3.0 is the whole number 3
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    if not MIN_INT64 <= value <= MAX_ID:
        raise ValueError(f"must be a whole number between {MIN_INT64} and {MAX_ID}")
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


def _strict_list_factory(cl: Any, conv: cattrs.Converter) -> Any:
    """A JSON array and nothing else for a list field: cattrs would iterate an object's
    keys or a string's characters (`"attributes": {}` would read as an empty list)."""
    structure_items = list_structure_factory(cl, conv)

    def structure_list(value: Any, type_: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError("must be a JSON array")
        return structure_items(value, type_)

    return structure_list


converter.register_structure_hook_factory(is_mutable_sequence, _strict_list_factory)
converter.register_unstructure_hook(Decimal, str)
converter.register_unstructure_hook(datetime, lambda d: d.isoformat())
converter.register_unstructure_hook(Enum, lambda e: e.value)


def structure(data: Any, cls: type[T]) -> T:
    """Build `cls` from JSON data, or raise RequestInvalid listing every bad field."""
    if not isinstance(data, dict):
        raise RequestInvalid("the body must be a JSON object", status=400)
    try:
        result = converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError, ForbiddenExtraKeysError) as error:
        raise RequestInvalid(
            "the body does not match the expected shape", _field_errors(error), status=422
        ) from None
    problems = [{"field": field, "reason": reason} for field, reason in _beyond_limits(result)]
    if problems:
        raise RequestInvalid("the body is outside the declared limits", problems, status=422)
    return result


def _beyond_limits(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field, reason) for every field of a structured body outside its declared limits."""
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            name = f"{path}.{field.name}" if path else field.name
            limits = limits_of(field)
            reason = None if limits is None or item is None else limits.violation(item)
            if reason is not None:
                yield name, reason
            else:
                yield from _beyond_limits(item, name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _beyond_limits(item, f"{path}[{index}]")


def _field_errors(error: Exception) -> list[dict[str, str]]:
    problems = []
    for message in transform_error(error, path="$"):
        location, _, reason = message.partition(" @ ")
        field = reason.removeprefix("$").lstrip(".") or "$"
        problems.append({"field": field, "reason": location})
    return problems


CONTROL_REASON = "must not contain control characters (only tab and line breaks are allowed)"
SURROGATE_REASON = (
    "must be valid Unicode text: a lone UTF-16 surrogate (such as \\ud800) cannot be stored"
)


def _text_problem(text: str) -> str | None:
    if CONTROL_CHARACTERS.search(text):
        return CONTROL_REASON
    if SURROGATES.search(text):
        return SURROGATE_REASON
    return None


def _unstorable_strings(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, reason) for every string, or object key, in decoded JSON that holds a
    control character or a lone surrogate; the path reads `title`,
    `variations[0].attributes[1].value_name`."""
    if isinstance(data, str):
        reason = _text_problem(data)
        if reason is not None:
            yield path or "$", reason
    elif isinstance(data, dict):
        for key, value in data.items():
            reason = _text_problem(key)
            if reason is not None:
                yield (f"{path}.{key!r}" if path else repr(key)), reason
            else:
                yield from _unstorable_strings(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _unstorable_strings(value, f"{path}[{index}]")


def refuse_control_characters(data: Any) -> None:
    """Raise RequestInvalid (422) naming every field whose text holds a control character
    or a lone surrogate."""
    problems = list(_unstorable_strings(data))
    if problems:
        detail = (
            "the body contains control characters"
            if any(reason == CONTROL_REASON for _, reason in problems)
            else "the body contains text that is not valid Unicode"
        )
        raise RequestInvalid(
            detail, [{"field": field, "reason": reason} for field, reason in problems], status=422
        )


async def read_raw(request: web.Request, limit: int, what: str = "the body") -> bytes:
    """The request's body, decoded from its Content-Encoding; RequestInvalid when it is
    larger than `limit` bytes (413) or cannot be decoded (400: a deflate or gzip stream
    that is not one). After an undecodable body the connection is closed: the rest of
    what the client sent cannot be told apart from its next request."""
    too_large = RequestInvalid(f"{what} has at most {limit} bytes", status=413)
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := await request.content.readany():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
    except web.RequestPayloadError:
        encoding = request.headers.get("Content-Encoding", "identity")
        raise RequestInvalid(
            f"{what} cannot be decoded as Content-Encoding {encoding!r}",
            [{"field": "Content-Encoding", "reason": "does not match the body"}],
            close_connection=True,
        ) from None
    return b"".join(chunks)


MAX_DEPTH = 32  # no body of ours nests deeper than a few levels


def decode_json(raw: bytes) -> Any:
    """JSON text, decoded; RequestInvalid (400) when it is not JSON or nests deeper than
    MAX_DEPTH arrays and objects (what reads it further walks it recursively)."""
    try:
        data = json.loads(raw or b"null")
    except RecursionError:
        raise RequestInvalid(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise RequestInvalid(f"the body is not valid JSON: {error}") from None
    level = [data]
    for _ in range(MAX_DEPTH + 1):
        level = [
            child
            for value in level
            if isinstance(value, dict | list)
            for child in (value.values() if isinstance(value, dict) else value)
        ]
        if not level:
            return data
    raise RequestInvalid(f"the body nests deeper than {MAX_DEPTH} levels")


async def read_body(request: web.Request, cls: type[T]) -> T:
    raw = await read_raw(request, MAX_BODY_BYTES)
    data = decode_json(raw)
    refuse_control_characters(data)
    return structure(data, cls)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        converter.unstructure(data), status=status, dumps=lambda obj: json.dumps(obj, default=str)
    )
