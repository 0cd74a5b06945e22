"""MercadoLibre error answers, translated into the port errors of application.errors.

Bodies are parsed leniently (mercadolibre-api.md §2.1): `message` or `error_description`
(OAuth, §1.5), `cause` as a list, `null` or missing, causes as objects or plain strings,
403 bodies with `code` and no `message`, and bodies that are not JSON at all (a proxy's
HTML page). Every message names the method and the path, never the query string, and is
scrubbed of anything shaped like a token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from application.errors import (
    ApplicationError,
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidGrant,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)

# §1.1 / §1.2: access tokens, codes and refresh tokens all have recognisable shapes.
_TOKEN_SHAPES = re.compile(r"APP_USR-[\w-]+|TG-[\w-]+|(?i:bearer\s+)[\w.~+/=-]+")
_CODE_LIKE = re.compile(r"^[\w.:-]*$")
_MAX_MESSAGE = 300
REDACTED = "[redacted]"

# §1.5: OAuth errors that say our application's credentials are refused.
_CLIENT_REFUSED = frozenset({"invalid_client", "unauthorized_client", "unauthorized_application"})


@attrs.define(frozen=True)
class ErrorBody:
    """What can be read out of an error answer, whatever its shape."""

    message: str
    error: str | None = None
    causes: tuple[Mapping[str, Any], ...] = ()


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secrets or anything shaped like a MercadoLibre token."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPES.sub(REDACTED, text)


def parse_error_body(body: Any, status: int) -> ErrorBody:
    if not isinstance(body, Mapping):
        text = body.strip() if isinstance(body, str) else ""
        # A non-JSON page says little that is useful and may be long; keep a hint of it.
        return ErrorBody(text[:120] or f"HTTP {status}")
    error = _text(body.get("error")) or _text(body.get("code"))
    message = (
        _text(body.get("message"))
        or _text(body.get("error_description"))
        or error
        or f"HTTP {status}"
    )
    raw_causes = body.get("cause")
    if isinstance(raw_causes, Mapping):
        raw_causes = [raw_causes]
    causes: list[Mapping[str, Any]] = []
    if isinstance(raw_causes, list):
        for cause in raw_causes:
            if isinstance(cause, Mapping):
                causes.append(cause)
            elif isinstance(cause, str) and cause.strip():
                causes.append({"message": cause.strip()})
    return ErrorBody(message, error, tuple(causes))


def describe(body: ErrorBody) -> str:
    """MercadoLibre's message, with its error code when that adds something.

    §2.1 has bodies where `message` is a code and `error` the human text
    (`body.invalid_field_types`), so whichever is not a code is kept.
    """
    if not body.error or body.error == body.message:
        return body.message
    if _CODE_LIKE.match(body.error):
        return f"{body.message} ({body.error})"
    return f"{body.message}: {body.error}"


def translate(
    status: int,
    body: Any,
    method: str,
    path: str,
    *,
    retry_after: float | None = None,
    secrets: Iterable[str | None] = (),
) -> ApplicationError:
    """The port error for an error answer (§2): 400/422 -> ValidationFailed, 401 ->
    Unauthorized, 403 -> Forbidden, 404 -> NotFound, 409 -> Conflict, 429 -> RateLimited,
    5xx -> Unavailable; OAuth's invalid_grant -> InvalidGrant (§1.5)."""
    parsed = parse_error_body(body, status)
    secrets = tuple(secrets)
    what = scrub(describe(parsed), secrets)[:_MAX_MESSAGE]
    where = f"{method} {path}"
    message = f"MercadoLibre answered {status} to {where}: {what}"
    if parsed.error == "invalid_grant":
        return InvalidGrant(message)
    if parsed.error in _CLIENT_REFUSED:
        return Unauthorized(message)
    if status == 401:
        return Unauthorized(message)
    if status == 403:
        return Forbidden(message)
    if status == 404:
        error = NotFound("MercadoLibre resource", path)
        error.args = (message,)
        return error
    if status == 409:
        return Conflict(message)
    if status == 429:
        return RateLimited(message, retry_after=retry_after)
    if status >= 500:
        return Unavailable(message)
    if 400 <= status < 500:
        problems = _problems(parsed, secrets) or [
            FieldProblem("request", scrub(what, secrets), parsed.error)
        ]
        return ValidationFailed(problems, message=f"MercadoLibre refused {where}: {what}")
    return Unavailable(f"MercadoLibre answered an unexpected {status} to {where}: {what}")


def _problems(body: ErrorBody, secrets: tuple[str | None, ...]) -> list[FieldProblem]:
    """One FieldProblem per cause (§2.1); warnings only when nothing else is wrong."""
    errors = [c for c in body.causes if _text(c.get("type")) != "warning"]
    problems = []
    for cause in errors or body.causes:
        code = _text(cause.get("code"))
        references = cause.get("references")
        field = None
        if isinstance(references, list) and references:
            field = _text(references[0])
        reason = _text(cause.get("message")) or body.message
        problems.append(
            FieldProblem(
                field=field or code or "request",
                reason=scrub(reason, secrets)[:_MAX_MESSAGE],
                code=code,
            )
        )
    return problems


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None
