"""The HTTP core every MercadoLibre call goes through.

One shared aiohttp session, the shared rate limiter before every attempt, retries with
backoff and full jitter (retry.py), and error answers translated into port errors
(errors.py). Access tokens travel only in the Authorization header (§0.3); they never
reach a URL, a log line or an error message.
"""

from __future__ import annotations

import asyncio
import logging
import random as _random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import aiohttp
import attrs

from adapters.mercadolibre.errors import scrub, translate
from adapters.mercadolibre.retry import IDEMPOTENT_METHODS, RetryPolicy, parse_retry_after
from adapters.mercadolibre.sanitise import clean_text, load_json
from application.cancellation import cancellation_kept
from application.errors import ApplicationError, Unavailable
from application.ports.events import GatewayEvents
from application.ports.rate_limiter import API_CALLS, LISTING_CREATE, MESSAGE_SEND, RateLimiter
from application.quota.call_class import current_call_class

log = logging.getLogger(__name__)

_FAMILY = re.compile(r"^[a-z_]{1,32}$")


def family_of(path: str) -> str:
    """The endpoint family of a path: its first segment (`/items/MLA1` -> `items`).

    Anything that does not look like a resource name counts as `other`, so a malformed
    path cannot grow the label set.
    """
    first = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    return first if _FAMILY.match(first) else "other"


DEFAULT_API_URL = "https://api.mercadolibre.com"

_BINARY_TYPES = ("application/pdf", "application/zip", "application/octet-stream")

_QUERY = re.compile(r"\?[^\s'\"]*")

Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int | float]


def quota_key(method: str, path: str) -> str | None:
    """The product quota a call counts against besides API_CALLS, if any."""
    if method == "POST" and path.rstrip("/") == "/items":
        return LISTING_CREATE
    if method == "POST" and path.startswith(("/messages/packs/", "/messages/action_guide/")):
        return MESSAGE_SEND
    return None


def shape_headers(method: str, path: str) -> dict[str, str]:
    """The headers that ask for the shape the gateway parses: a shipment answers the
    new shape only with `x-format-new: true` (§0.3, §6.1)."""
    if method == "GET" and (path == "/shipments" or path.startswith("/shipments/")):
        return {"x-format-new": "true"}
    return {}


@attrs.define(frozen=True)
class Upload:
    """A file to send as the multipart field `field` (§4.8 pictures, §8.4 attachments)."""

    field: str
    filename: str
    content: bytes = attrs.field(repr=False)
    content_type: str = "application/octet-stream"

    def form(self) -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field(
            self.field, self.content, filename=self.filename, content_type=self.content_type
        )
        return form


@attrs.define(frozen=True)
class MeliResponse:
    """A successful answer. `missing` names the sub-sources a 206 left out (§0.3);
    `content` and `content_type` are the bytes as sent, for answers that are not JSON
    (§6.3's labels)."""

    status: int
    body: Any
    missing: tuple[str, ...] = ()
    content: bytes = attrs.field(default=b"", repr=False)
    content_type: str = ""

    @property
    def partial(self) -> bool:
        return self.status == 206


@attrs.define
class _Failure:
    """Why an attempt failed, and whether another one may be made."""

    error: ApplicationError
    reason: str
    retryable: bool
    retry_after: float | None = None


# Raised while connecting, before a byte of the request left: always safe to retry.
# Certificate and TLS failures are excluded: trying again will not fix them.
_UNSENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
_NOT_TRANSIENT = (aiohttp.ClientSSLError,)


class MercadoLibreClient:
    """Sends one logical call to MercadoLibre, with its retries.

    Before every attempt it takes one API_CALLS permit from the shared limiter, of the
    priority class the running job set (application.quota.call_class); a call that
    counts against a product quota (`quota_key`) takes that permit once first, and
    QuotaExhausted from either comes straight out.

    Retry policy (§2.4):
    - 429 is retried for every method (MercadoLibre did not process the call), after
      Retry-After when present, else after the policy's backoff, up to the policy's
      `rate_limited_attempts` (more than for other failures: see RetryPolicy).
    - 5xx, dropped connections and read timeouts are retried only for idempotent calls
      (GET, PUT, DELETE, or `idempotent=True`): a POST may have been processed and must
      not be repeated blindly.
    - A connection that could not even be established is retried for every method.
    - After the last attempt: RateLimited for 429, Unavailable for the rest.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        limiter: RateLimiter,
        *,
        api_url: str = DEFAULT_API_URL,
        retry: RetryPolicy | None = None,
        metrics: GatewayEvents | None = None,
        sleep: Sleep = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._session = session
        self._limiter = limiter
        self._api_url = api_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._metrics = metrics
        self._sleep = sleep
        self._random = random
        self._now = now

    @property
    def api_url(self) -> str:
        return self._api_url

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Params | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        upload: Upload | None = None,
        idempotent: bool | None = None,
        secrets: tuple[str | None, ...] = (),
        headers: Mapping[str, str] | None = None,
        account_id: int | None = None,
    ) -> MeliResponse:
        """Send `method path` and answer the decoded JSON of a 2xx answer.

        `path` starts with `/` and carries no query string (`params` does). `token` goes
        into the Authorization header. `idempotent` overrides the method's default (a POST
        the caller knows is safe to repeat). `secrets` are values besides the token to
        keep out of error messages (a refresh token in a form). `headers` are those that
        choose the shape of the answer (`x-format-new: true`, §0.3). `upload`: a file
        sent as multipart/form-data (a fresh body per attempt). `account_id`: on
        whose behalf, for the quota metrics. Raises the port errors.
        """
        method = method.upper()
        if not path.startswith("/") or "?" in path:
            raise ValueError(f"path must start with / and carry no query string: {path!r}")
        repeatable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        family = family_of(path)
        hidden = (token, *secrets)
        sent_headers = {
            **shape_headers(method, path),
            **(headers or {}),
            "Accept": "application/json",
        }
        if token is not None:
            sent_headers["Authorization"] = f"Bearer {token}"
        quota = quota_key(method, path)
        if quota is not None:
            with cancellation_kept():
                await self._acquire(quota)
        attempt = 0
        while True:
            attempt += 1
            # Each step raises a cancellation that a library below lost (the limiter's
            # Redis client on Python 3.11): a call told to stop never tries again.
            with cancellation_kept():
                await self._acquire(API_CALLS)
            if self._metrics is not None:
                self._metrics.permit(current_call_class().value, account_id)
            with cancellation_kept():
                body = form if upload is None else upload.form()
                outcome = await self._attempt(
                    method, path, family, sent_headers, params, json_body, body, repeatable, hidden
                )
            if isinstance(outcome, MeliResponse):
                return outcome
            delay = self._delay_before_retry(outcome, attempt)
            if delay is None:
                if attempt > 1:
                    outcome.error.args = (f"{outcome.error} (after {attempt} attempts)",)
                raise outcome.error
            if self._metrics is not None:
                self._metrics.retry(family, outcome.reason)
            # A 429 is the limiter doing its job; anything else is worth a warning.
            log.log(
                logging.INFO if outcome.reason == "rate_limited" else logging.WARNING,
                "MercadoLibre %s %s failed (%s), attempt %d of %d; retrying in %.2fs",
                method,
                path,
                outcome.reason,
                attempt,
                self._retry.attempts_for(outcome.reason == "rate_limited"),
                delay,
            )
            await self._sleep(delay)

    async def _acquire(self, key: str) -> None:
        waited = await self._limiter.acquire(key, call_class=current_call_class())
        if self._metrics is not None:
            self._metrics.waited(key, waited)

    def _delay_before_retry(self, failure: _Failure, attempt: int) -> float | None:
        if not failure.retryable:
            return None
        if attempt >= self._retry.attempts_for(failure.reason == "rate_limited"):
            return None
        if failure.retry_after is not None:
            # Waiting longer than the cap would hold a worker for nothing; the caller
            # gets RateLimited(retry_after) and schedules itself.
            return failure.retry_after if failure.retry_after <= self._retry.cap else None
        return self._retry.backoff(attempt, self._random)

    async def _attempt(
        self,
        method: str,
        path: str,
        family: str,
        headers: Mapping[str, str],
        params: Params | None,
        json_body: Any,
        form: Mapping[str, str] | aiohttp.FormData | None,
        repeatable: bool,
        hidden: tuple[str | None, ...],
    ) -> MeliResponse | _Failure:
        where = f"{method} {path}"
        started = time.monotonic()
        try:
            async with self._session.request(
                method,
                f"{self._api_url}{path}",
                params=params,
                json=json_body,
                data=form,
                headers=headers,
                allow_redirects=False,
            ) as response:
                raw = await response.read()
                status = response.status
                retry_after_header = response.headers.get("Retry-After")
                missing_header = response.headers.get("X-Content-Missing", "")
                content_type = response.headers.get("Content-Type", "")
        except _NOT_TRANSIENT as error:
            self._record(family, method, "connection_error", started)
            return _Failure(self._unavailable(where, error, hidden), "connection_error", False)
        except _UNSENT as error:
            self._record(family, method, "connection_error", started)
            return _Failure(self._unavailable(where, error, hidden), "connection_error", True)
        except TimeoutError as error:
            self._record(family, method, "timeout", started)
            return _Failure(
                self._unavailable(where, error, hidden, repeatable, "timed out"),
                "timeout",
                repeatable,
            )
        except aiohttp.ClientError as error:
            self._record(family, method, "connection_error", started)
            return _Failure(
                self._unavailable(where, error, hidden, repeatable),
                "connection_error",
                repeatable,
            )
        self._record(family, method, str(status), started)
        # A label (§6.3) is kept as bytes; only what may be JSON or text is decoded.
        binary = 200 <= status < 300 and content_type.startswith(_BINARY_TYPES)
        body = None if binary else _decode(raw)
        if 200 <= status < 300:
            missing = tuple(s.strip() for s in missing_header.split(",") if s.strip())
            return MeliResponse(status, body, missing, raw, content_type)
        retry_after = None
        if status == 429:
            retry_after = parse_retry_after(retry_after_header, self._now() if self._now else None)
        error = translate(status, body, method, path, retry_after=retry_after, secrets=hidden)
        if status == 429:
            return _Failure(error, "rate_limited", True, retry_after)
        if status >= 500:
            if not repeatable:
                meli = error.meli
                error = Unavailable(f"{error} (not retried: {method} is not idempotent)")
                error.meli = meli
            return _Failure(error, "server_error", repeatable)
        return _Failure(error, f"http_{status}", False)

    def _record(self, family: str, method: str, status: str, started: float) -> None:
        if self._metrics is not None:
            self._metrics.call(family, method, status, time.monotonic() - started)

    @staticmethod
    def _unavailable(
        where: str,
        error: BaseException,
        hidden: tuple[str | None, ...],
        repeatable: bool = True,
        what: str = "failed",
    ) -> Unavailable:
        # Some aiohttp errors quote the whole URL; its query string stays out.
        detail = _QUERY.sub("?...", scrub(str(error) or type(error).__name__, hidden))
        note = "" if repeatable else f" (not retried: {where.split()[0]} is not idempotent)"
        return Unavailable(f"MercadoLibre {where} {what}: {type(error).__name__}: {detail}{note}")


def _decode(raw: bytes) -> Any:
    """JSON when it is JSON; the text otherwise (error pages of proxies); None if empty.

    Whatever it is, it is made storable first (sanitise.py): MercadoLibre keeps NUL and
    lone UTF-16 surrogates where sellers and buyers type them (a title, a question), and
    PostgreSQL holds neither, so one such listing would make every sync of its account fail.
    """
    if not raw.strip():
        return None
    text = raw.decode("utf-8", errors="replace")
    try:
        return load_json(text)
    except ValueError:
        return clean_text(text)
