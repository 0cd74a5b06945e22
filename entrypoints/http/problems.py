"""Errors as RFC 9457 problem details: one middleware, one mapping table."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from application import errors as app_errors
from application.listings.errors import WrittenNotStored
from application.messages.errors import ConversationClosed
from application.notifications.errors import ForeignNotification, SourceNotAllowed
from application.questions.errors import QuestionNotOpen
from domain import errors as domain_errors

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RequestInvalid(Exception):
    """The HTTP request itself is malformed (bad JSON, unknown field, wrong type)."""

    def __init__(
        self,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        status: int = 400,
        close_connection: bool = False,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.status = status
        # The rest of the request cannot be read: answer, then close the connection.
        self.close_connection = close_connection


class AuthenticationRequired(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# The one table from error type to HTTP status and problem title. Order matters: the
# first matching entry (most specific first) wins.
STATUS_BY_ERROR: tuple[tuple[type[BaseException], int, str], ...] = (
    (RequestInvalid, 400, "Bad request"),
    (AuthenticationRequired, 401, "Authentication required"),
    (app_errors.AuthorizationRejected, 400, "Authorization rejected"),
    (app_errors.ValidationFailed, 422, "Validation failed"),
    (app_errors.PayloadTooLarge, 413, "Payload too large"),
    (app_errors.UnsupportedMediaType, 415, "Unsupported media type"),
    (domain_errors.InvalidTransition, 409, "Not allowed in the current state"),
    (domain_errors.InvalidValue, 422, "Validation failed"),
    (domain_errors.CurrencyMismatch, 422, "Validation failed"),
    (app_errors.NotFound, 404, "Not found"),
    (app_errors.Conflict, 409, "Conflict"),
    (app_errors.ReauthorizationRequired, 409, "Account needs to be connected again"),
    (app_errors.Unauthorized, 502, "MercadoLibre refused our credentials"),
    (app_errors.Forbidden, 403, "MercadoLibre refused access"),
    (ForeignNotification, 403, "Not a notification for this application"),
    (SourceNotAllowed, 403, "Source address not allowed"),
    (app_errors.QuotaExhausted, 429, "Quota exhausted"),
    (app_errors.RateLimited, 429, "Rate limited"),
    (app_errors.LockTimeout, 503, "Busy"),
    (app_errors.UndecryptableToken, 500, "Stored tokens cannot be decrypted"),
    (app_errors.QueueUnavailable, 503, "Job queue unavailable"),
    (WrittenNotStored, 503, "Changed on MercadoLibre, not stored locally"),
    (app_errors.Unavailable, 503, "Service unavailable"),
)


UNAVAILABLE_RETRY_AFTER = 30  # seconds


def problem_response(
    status: int, title: str, detail: str | None = None, **extra: Any
) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v not in (None, [], {})})
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="meli-integration"'
    retry_after = extra.get("retry_after")
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, int(retry_after + 0.999)))
    return web.Response(
        status=status, text=json.dumps(body), content_type=PROBLEM_JSON, headers=headers
    )


def problem_for(error: BaseException) -> web.Response:
    for error_type, status, title in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            if isinstance(error, RequestInvalid):
                # Malformed (400), too large (413) or well-formed but wrong (422).
                status = error.status
                title = {
                    413: "Payload too large",
                    415: "Unsupported media type",
                    422: "Validation failed",
                }.get(status, title)
            return problem_response(status, title, **_details(error), **_meli_details(error))
    raise error


def _meli_details(error: BaseException) -> dict[str, Any]:
    """MercadoLibre's own answer behind the error, whatever its status (§2.1): `meli_status`,
    `meli_error` (its code), `meli_message` and `meli_causes` (each `{message, code, type,
    references, department, cause_id}` as far as MercadoLibre gave them)."""
    refusal = app_errors.meli_refusal(error)
    if refusal is None:
        return {}
    causes = [
        {
            key: value
            for key, value in (
                ("message", cause.message),
                ("code", cause.code),
                ("type", cause.type),
                ("references", list(cause.references)),
                ("department", cause.department),
                ("cause_id", cause.cause_id),
            )
            if value not in (None, [])
        }
        for cause in refusal.causes
    ]
    return {
        "meli_status": refusal.status,
        "meli_error": refusal.error,
        "meli_message": refusal.message,
        "meli_causes": causes,
    }


def _details(error: BaseException) -> dict[str, Any]:
    if isinstance(error, RequestInvalid):
        return {"detail": error.detail, "errors": error.errors}
    if isinstance(error, AuthenticationRequired):
        return {"detail": error.detail}
    if isinstance(error, app_errors.ValidationFailed):
        return {
            "detail": error.message,
            "errors": [
                {"field": p.field, "reason": p.reason, **({"code": p.code} if p.code else {})}
                for p in error.problems
            ],
        }
    if isinstance(error, domain_errors.InvalidValue):
        return {"detail": str(error), "errors": [{"field": error.field, "reason": error.reason}]}
    if isinstance(error, app_errors.RateLimited):
        return {"detail": str(error), "retry_after": error.retry_after}
    if isinstance(error, QuestionNotOpen):
        return {"detail": str(error), "question_status": error.status}
    if isinstance(error, ConversationClosed):
        return {"detail": str(error), "rule": error.rule}
    if isinstance(error, app_errors.ReauthorizationRequired):
        return {"detail": str(error), "account_id": error.account_id}
    if isinstance(error, WrittenNotStored):
        return {"detail": str(error), "item_id": error.item_id, "meli_shows": error.shown()}
    if isinstance(error, app_errors.Unavailable):
        # MercadoLibre, the database or the broker is down: nothing was half-written,
        # and asking again later is the remedy.
        return {"detail": str(error), "retry_after": UNAVAILABLE_RETRY_AFTER}
    return {"detail": str(error)}


@web.middleware
async def problems_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as problem details, logged once: a client's error (4xx) at INFO in
    one line, ours (5xx) at ERROR, with the traceback when it was unexpected."""
    try:
        return await handler(request)
    except web.HTTPException as http_error:
        if http_error.status < 400:
            raise
        response = problem_response(
            http_error.status, http_error.reason, _http_detail(request, http_error)
        )
        # 405 says which methods the resource has (RFC 9110 §15.5.6).
        if "Allow" in http_error.headers:
            response.headers["Allow"] = http_error.headers["Allow"]
        _log_answer(request, response.status, _http_detail(request, http_error))
        return response
    except (
        app_errors.ApplicationError,
        domain_errors.DomainError,
        RequestInvalid,
        AuthenticationRequired,
    ) as error:
        response = problem_for(error)
        if isinstance(error, RequestInvalid) and error.close_connection:
            response.force_close()
        _log_answer(request, response.status, str(error))
        return response
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, "Internal server error", "an unexpected error was logged")


def _log_answer(request: web.Request, status: int, detail: str) -> None:
    level = logging.ERROR if status >= 500 else logging.INFO
    # The raw path and a one-line detail: what a client sent never forges a log line.
    one_line = detail[:300].encode("unicode_escape").decode("ascii")
    log.log(
        level, "%s %s answered %d: %s", request.method, request.rel_url.raw_path, status, one_line
    )


def _http_detail(request: web.Request, error: web.HTTPException) -> str:
    if error.status == 404:
        return f"no route {request.path}"
    if error.status == 405:
        return f"{request.method} is not allowed on {request.path}"
    return error.text or error.reason
