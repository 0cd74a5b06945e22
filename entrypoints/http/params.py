"""Reading query and path parameters, with errors that name the parameter."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from aiohttp import web

from application.queries import MAX_PAGE_SIZE, Paging
from entrypoints.http.endpoints import Param
from entrypoints.http.problems import RequestInvalid

E = TypeVar("E", bound=Enum)


def _invalid(name: str, reason: str) -> RequestInvalid:
    return RequestInvalid(
        f"invalid parameter {name}: {reason}", [{"field": name, "reason": reason}]
    )


def query_int(
    request: web.Request,
    name: str,
    default: int | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
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
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise _invalid(name, f"must be one of {allowed}") from None


def query_str(request: web.Request, name: str, max_length: int = 200) -> str | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > max_length:
        raise _invalid(name, f"must be at most {max_length} characters")
    return raw


def path_int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
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
