"""MercadoLibre error answers, translated into the port errors of application.errors.

Bodies are parsed leniently (mercadolibre-api.md §1.5, §2.1): `message` or
`error_description` (OAuth), `message` and `error` swapped (`/items/validate` puts the
code in `message` and the text in `error`), `code` beside or instead of `error` (403,
messaging), `status` or `status_code`, `cause` as a list of objects or strings, a single
object, a string, `null` or missing, and bodies that are not JSON at all (a proxy's HTML
page). Every error keeps what MercadoLibre said (status, code, message, causes) as its
`meli` (application.errors.MeliRefusal), whatever the status. Every message names the
method and the path, never the query string, and is scrubbed of anything shaped like a
token.
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
    MeliCause,
    MeliRefusal,
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
# What MercadoLibre said is kept whole up to this length (a type error lists every field).
_MAX_KEPT = 2000
REDACTED = "[redacted]"

# §1.5: OAuth errors that say our application's credentials are refused.
_CLIENT_REFUSED = frozenset({"invalid_client", "unauthorized_client", "unauthorized_application"})


@attrs.define(frozen=True)
class ErrorBody:
    """What can be read out of an error answer, whatever its shape."""

    message: str
    error: str | None = None
    causes: tuple[Mapping[str, Any], ...] = ()
    status: int | None = None  # the body's own `status` or `status_code`, if any


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secrets or anything shaped like a MercadoLibre token."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPES.sub(REDACTED, text)


def _is_code(text: str | None) -> bool:
    return bool(text) and _CODE_LIKE.match(text or "") is not None


def _causes(raw: Any) -> tuple[Mapping[str, Any], ...]:
    """§2.1: `cause` as a list of objects or strings, one object, one string, or null."""
    if isinstance(raw, Mapping | str):
        raw = [raw]
    causes: list[Mapping[str, Any]] = []
    if isinstance(raw, list):
        for cause in raw:
            if isinstance(cause, Mapping):
                causes.append(cause)
            elif isinstance(cause, str) and cause.strip():
                causes.append({"message": cause.strip()})
    return tuple(causes)


def _status(body: Mapping[str, Any]) -> int | None:
    for key in ("status", "status_code"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
            return value
        if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) == 3:
            return int(value.strip())
    return None


def parse_error_body(body: Any, status: int) -> ErrorBody:
    if not isinstance(body, Mapping):
        text = body.strip() if isinstance(body, str) else ""
        # A non-JSON page says little that is useful and may be long; keep a hint of it.
        return ErrorBody(text[:120] or f"HTTP {status}")
    error = _text(body.get("error"))
    code = _text(body.get("code"))
    message = _text(body.get("message")) or _text(body.get("error_description"))
    if message and error and _is_code(message) and not _is_code(error):
        # §2.1 /items/validate: {"message": "body.invalid_field_types", "error": "[...]"}.
        message, error = error, message
    if error and not _is_code(error) and _is_code(code):
        # §2.1 403: {"error": "Invalid scopes", "code": "FORBIDDEN"}: the text is `error`.
        message, error = message or error, code
    error = error or code
    return ErrorBody(
        message or error or f"HTTP {status}", error, _causes(body.get("cause")), _status(body)
    )


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
    error = _port_error(status, parsed, f"{method} {path}", retry_after, secrets)
    error.meli = refusal(status, parsed, secrets)
    return error


def refusal(status: int, parsed: ErrorBody, secrets: Iterable[str | None] = ()) -> MeliRefusal:
    """What MercadoLibre said, whole and scrubbed, for the REST problem (§2.1)."""
    secrets = tuple(secrets)

    def clean(value: Any) -> str | None:
        text = _text(value)
        return None if text is None else scrub(text, secrets)[:_MAX_KEPT]

    causes = []
    for cause in parsed.causes:
        references = cause.get("references")
        causes.append(
            MeliCause(
                message=clean(cause.get("message")),
                code=clean(cause.get("code")),
                type=clean(cause.get("type")),
                references=tuple(text for text in map(clean, references or ()) if text is not None)
                if isinstance(references, list)
                else (),
                department=clean(cause.get("department")),
                cause_id=clean(cause.get("cause_id")),
            )
        )
    return MeliRefusal(
        status=status,
        message=clean(parsed.message) or f"HTTP {status}",
        error=clean(parsed.error),
        causes=tuple(causes),
    )


def _port_error(
    status: int,
    parsed: ErrorBody,
    where: str,
    retry_after: float | None,
    secrets: tuple[str | None, ...],
) -> ApplicationError:
    what = scrub(describe(parsed), secrets)[:_MAX_MESSAGE]
    message = f"MercadoLibre answered {status} to {where}: {what}"
    reasons = "; ".join(
        text
        for text in (_text(c.get("message")) or _text(c.get("code")) for c in parsed.causes)
        if text
    )
    if reasons:
        # Outside validation errors the causes are the reason (a 403 "the seller cannot
        # list": missing address, phone...); they are kept in the message too, for the logs
        # and dead letters that only keep text.
        message += f" [{scrub(reasons, secrets)[:_MAX_MESSAGE]}]"
    if parsed.error == "invalid_grant":
        return InvalidGrant(message)
    if parsed.error in _CLIENT_REFUSED:
        return Unauthorized(message)
    if status == 401:
        return Unauthorized(message)
    if status == 403:
        return Forbidden(message)
    if status == 404:
        error = NotFound("MercadoLibre resource", where.split(" ", 1)[1])
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
