"""Reading query and path parameters, with errors that name the parameter.

Every parameter is read through these helpers, against its declaration (`Param`: type,
enum, bounds, length, pattern), so that what the OpenAPI document says of a parameter
is what is checked. A value outside it is a 400 naming the parameter: that includes
control characters (PostgreSQL's text cannot hold NUL, and no parameter of ours means
anything by a tab or a line break either), numbers beyond 64 bits, and an empty value
for a number, a boolean or a choice. An empty text parameter counts as absent.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import TypeVar

from aiohttp import web

from application.queries import MAX_PAGE_SIZE, Paging
from entrypoints.http.endpoints import MAX_ID, Param
from entrypoints.http.problems import RequestInvalid

E = TypeVar("E", bound=Enum)
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")  # fullmatch
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_BOOLEANS = {"true": True, "false": False}


def _invalid(name: str, reason: str) -> RequestInvalid:
    return RequestInvalid(
        f"invalid parameter {name}: {reason}", [{"field": name, "reason": reason}]
    )


def _declared(param: Param | str, **defaults: object) -> Param:
    return param if isinstance(param, Param) else Param(param, "", **defaults)


def _raw(request: web.Request, param: Param) -> str | None:
    if param.location == "path":
        return request.match_info[param.name]
    return request.query.get(param.name)


def _text(request: web.Request, param: Param) -> str | None:
    """The parameter's text, None when absent, checked against its limits (a text's
    length and pattern, a choice's options)."""
    raw = _raw(request, param)
    if raw is None:
        if param.required:
            raise _invalid(param.name, "is required")
        return None
    # Empty is absent, unless the parameter's pattern refuses it (an item id): the
    # document then says it is invalid, so it is.
    if (
        raw == ""
        and param.type == "string"
        and not param.enum
        and not param.required
        and (param.pattern is None or param.limits.violation(raw) is None)
    ):
        return None
    if raw == "":
        raise _invalid(param.name, "must not be empty")
    if _CONTROL_CHARACTERS.search(raw):
        raise _invalid(param.name, "must not contain control characters")
    if param.type == "string":
        reason = param.limits.violation(raw)
        if reason is not None:
            raise _invalid(param.name, reason)
    return raw


def query_int(
    request: web.Request,
    param: Param | str,
    default: int | None = None,
) -> int | None:
    param = _declared(param, type="integer")
    raw = _text(request, param)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw):
        raise _invalid(param.name, "must be a whole number")
    value = int(raw)
    reason = param.limits.violation(value)
    if reason is not None:
        raise _invalid(param.name, reason)
    return value


def query_enum(request: web.Request, param: Param | str, enum: type[E]) -> E | None:
    if isinstance(param, str):
        param = Param.choice(param, "", enum)
    raw = _text(request, param)
    if raw is None:
        return None
    if raw not in param.enum:
        raise _invalid(param.name, f"must be one of {', '.join(param.enum)}")
    return enum(raw)


def query_bool(request: web.Request, param: Param | str) -> bool | None:
    """true or false; None when absent."""
    param = _declared(param, type="boolean")
    raw = _text(request, param)
    if raw is None:
        return None
    try:
        return _BOOLEANS[raw]
    except KeyError:
        raise _invalid(param.name, "must be true or false") from None


def query_str(request: web.Request, param: Param | str, max_length: int = 200) -> str | None:
    param = _declared(param, max_length=max_length)
    return _text(request, param)


def path_str(request: web.Request, param: Param | str) -> str:
    param = _declared(param, location="path")
    value = _text(request, param)
    assert value is not None  # a route matches only with its path parameters
    return value


def path_int(request: web.Request, param: Param | str) -> int:
    param = _declared(param, type="integer", location="path", minimum=1, maximum=MAX_ID)
    value = query_int(request, param)
    assert value is not None
    return value


OFFSET = Param("offset", "How many results to skip", "integer", minimum=0, maximum=MAX_ID)
LIMIT = Param(
    "limit",
    f"Results per page, 1 to {MAX_PAGE_SIZE} (default 50)",
    "integer",
    minimum=1,
    maximum=MAX_PAGE_SIZE,
)
PAGING_PARAMS = (OFFSET, LIMIT)


def paging(request: web.Request, default_limit: int = 50) -> Paging:
    return Paging(
        offset=query_int(request, OFFSET, 0) or 0,
        limit=query_int(request, LIMIT, default_limit) or default_limit,
    )
