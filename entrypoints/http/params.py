"""Reading query and path parameters, with errors that name the parameter.

Every parameter is read through these helpers, which refuse control characters (a 400
naming the parameter): PostgreSQL's text cannot hold NUL, and no parameter of ours means
anything by a tab or a line break either.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import TypeVar

from aiohttp import web

from application.queries import MAX_PAGE_SIZE, Paging
from entrypoints.http.endpoints import Param
from entrypoints.http.problems import RequestInvalid

E = TypeVar("E", bound=Enum)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _invalid(name: str, reason: str) -> RequestInvalid:
    return RequestInvalid(
        f"invalid parameter {name}: {reason}", [{"field": name, "reason": reason}]
    )


def _checked(name: str, raw: str) -> str:
    if _CONTROL_CHARACTERS.search(raw):
        raise _invalid(name, "must not contain control characters")
    return raw


def _query(request: web.Request, name: str) -> str | None:
    """The parameter's text, None when absent or empty."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    return _checked(name, raw)


def query_int(
    request: web.Request,
    name: str,
    default: int | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    raw = _query(request, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(name, "must be a whole number") from None
    if minimum is not None and value < minimum:
        raise _invalid(name, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise _invalid(name, f"must be at most {maximum}")
    return value


def query_enum(request: web.Request, name: str, enum: type[E]) -> E | None:
    raw = _query(request, name)
    if raw is None:
        return None
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise _invalid(name, f"must be one of {allowed}") from None


def query_bool(request: web.Request, name: str) -> bool | None:
    """true/1 or false/0 (any case); None when absent or empty."""
    raw = _query(request, name)
    if raw is None:
        return None
    try:
        return _BOOLEANS[raw.lower()]
    except KeyError:
        raise _invalid(name, "must be true or false") from None


def query_str(request: web.Request, name: str, max_length: int = 200) -> str | None:
    raw = _query(request, name)
    if raw is None:
        return None
    if len(raw) > max_length:
        raise _invalid(name, f"must be at most {max_length} characters")
    return raw


def path_str(request: web.Request, name: str) -> str:
    return _checked(name, request.match_info[name])


def path_int(request: web.Request, name: str) -> int:
    raw = path_str(request, name)
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(name, "must be a whole number") from None
    if value <= 0:
        raise _invalid(name, "must be positive")
    return value


def paging(request: web.Request, default_limit: int = 50) -> Paging:
    return Paging(
        offset=query_int(request, "offset", 0, minimum=0) or 0,
        limit=query_int(request, "limit", default_limit, minimum=1, maximum=MAX_PAGE_SIZE)
        or default_limit,
    )


PAGING_PARAMS = (
    Param("offset", "How many results to skip", "integer"),
    Param("limit", f"Results per page, 1 to {MAX_PAGE_SIZE} (default 50)", "integer"),
)
