"""The JSON shapes the REST API answers with, and their mapping from the domain."""

from __future__ import annotations

from datetime import datetime

import attrs

from domain.accounts import Account
from domain.sync import SyncLog


@attrs.define(frozen=True)
class PageInfo:
    total: int
    offset: int
    limit: int


@attrs.define(frozen=True)
class AccountView:
    """A connected MercadoLibre seller. Tokens are never shown."""

    id: int
    seller_id: int
    nickname: str
    site_id: str
    status: str
    status_reason: str | None
    token_expires_at: datetime | None
    last_refreshed_at: datetime | None
    connected_at: datetime | None


def account_view(account: Account) -> AccountView:
    assert account.id is not None
    return AccountView(
        id=account.id,
        seller_id=account.seller_id,
        nickname=account.nickname,
        site_id=account.site_id,
        status=account.status.value,
        status_reason=account.status_reason,
        token_expires_at=account.token_expires_at,
        last_refreshed_at=account.last_refreshed_at,
        connected_at=account.connected_at,
    )


@attrs.define(frozen=True)
class SyncLogView:
    """One synchronisation run: what it did, how long it took, what failed. `queued`
    until a worker starts it (`started_at` is then the request's time); `abandoned` when
    its worker stopped before it ended, and then run again by a successor whose
    `retry_of` names it."""

    id: int
    kind: str
    trigger: str
    status: str
    account_id: int | None
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    counts: dict[str, int]
    errors: list[str]
    api_calls: int
    requested_at: datetime | None = None
    retry_of: int | None = None
    attempt: int = 1


def sync_log_view(log: SyncLog) -> SyncLogView:
    assert log.id is not None
    return SyncLogView(
        id=log.id,
        kind=log.kind.value,
        trigger=log.trigger.value,
        status=log.status.value,
        account_id=log.account_id,
        started_at=log.started_at,
        finished_at=log.finished_at,
        duration_seconds=log.duration_seconds,
        counts=dict(log.counts),
        errors=list(log.errors),
        api_calls=log.api_calls,
        requested_at=log.requested_at,
        retry_of=log.retry_of,
        attempt=log.attempt,
    )


@attrs.define(frozen=True)
class AccountPage:
    results: list[AccountView]


@attrs.define(frozen=True)
class SyncLogPage:
    results: list[SyncLogView]
    paging: PageInfo
