"""Errors the application layer raises; entrypoints map each type to one HTTP status."""

from __future__ import annotations

import attrs


@attrs.define(frozen=True)
class MeliCause:
    """One entry of the `cause` list of a MercadoLibre error (§2.1): an object with a
    code, a message and the fields it refers to, or a bare string (its message)."""

    message: str | None = None
    code: str | None = None
    type: str | None = None
    references: tuple[str, ...] = ()
    department: str | None = None
    cause_id: str | None = None


@attrs.define(frozen=True)
class MeliRefusal:
    """What MercadoLibre answered to a call it refused (§2.1), kept whole: the HTTP
    status, its `error` code, its message and its causes. The REST problem carries it
    whatever the status, so that a 403 "the seller cannot list" reaches the caller with
    the reasons (missing address, phone, ...)."""

    status: int
    message: str
    error: str | None = None
    causes: tuple[MeliCause, ...] = ()


class ApplicationError(Exception):
    """Base of every error a use case or port raises on purpose. `meli` is set when
    the error is MercadoLibre's answer (see `meli_refusal`)."""

    meli: MeliRefusal | None = None


def meli_refusal(error: BaseException) -> MeliRefusal | None:
    """MercadoLibre's answer behind `error`: its own, or that of the error it was raised
    from (a gateway's NotFound becomes the use case's NotFound("listing", ...))."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = getattr(current, "meli", None)
        if isinstance(found, MeliRefusal):
            return found
        current = current.__cause__
    return None


class NotFound(ApplicationError):
    def __init__(self, kind: str, identifier: object) -> None:
        super().__init__(f"{kind} {identifier} was not found")
        self.kind = kind
        self.identifier = identifier


class Conflict(ApplicationError):
    """The request contradicts the current state (a duplicate, a state that moved on)."""


@attrs.define(frozen=True)
class FieldProblem:
    field: str
    reason: str
    code: str | None = None


class ValidationFailed(ApplicationError):
    """Input refused before or by MercadoLibre; every problem names its field."""

    def __init__(self, problems: list[FieldProblem], message: str = "validation failed") -> None:
        super().__init__(f"{message}: " + "; ".join(f"{p.field}: {p.reason}" for p in problems))
        self.problems = problems
        self.message = message


class PayloadTooLarge(ApplicationError):
    """A file larger than MercadoLibre takes (checked before sending it)."""


class UnsupportedMediaType(ApplicationError):
    """A file of a type MercadoLibre does not take (checked before sending it)."""


class Unauthorized(ApplicationError):
    """MercadoLibre refused the credentials (401) even after a refresh."""


class Forbidden(ApplicationError):
    """MercadoLibre refused access to the resource (403)."""


class ReauthorizationRequired(ApplicationError):
    """The account's grant is gone; the seller must connect again."""

    def __init__(self, account_id: int, reason: str) -> None:
        super().__init__(f"account {account_id} needs to be connected again: {reason}")
        self.account_id = account_id
        self.reason = reason


class RateLimited(ApplicationError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExhausted(RateLimited):
    """One of the product's hourly or daily quotas is used up."""


class Unavailable(ApplicationError):
    """A dependency (MercadoLibre, the database, the broker) did not answer usefully."""


class QueueUnavailable(Unavailable):
    """The job broker refused or could not take a job."""


class LockTimeout(ApplicationError):
    def __init__(self, name: str, timeout: float) -> None:
        super().__init__(f"could not take lock {name!r} within {timeout:g}s")
        self.name = name


class UndecryptableToken(ApplicationError):
    """A stored token cannot be decrypted with any configured key."""


class InvalidGrant(ApplicationError):
    """MercadoLibre refused an authorization code or refresh token (`invalid_grant`, §1.5):
    expired, revoked, already used, or issued to another client."""


class AuthorizationRejected(ApplicationError):
    """An OAuth callback that cannot be trusted: missing, unknown, reused or expired state,
    or a code MercadoLibre refused."""


class ScrollExpired(ApplicationError):
    """MercadoLibre no longer knows a scan's scroll_id (it lives 5 minutes, §4.11)."""
