"""Seller accounts connected through OAuth, and the token pair that authorises them."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from domain.common import aware, positive_int
from domain.errors import InvalidValue
from domain.lifecycle import Lifecycle
from domain.sites import site


class AccountStatus(StrEnum):
    ACTIVE = "active"
    # MercadoLibre refused the refresh token (invalid_grant after a re-read, §1.3): only
    # the seller can fix it, by connecting again.
    NEEDS_REAUTHORIZATION = "needs_reauthorization"
    DISCONNECTED = "disconnected"


ACCOUNT_LIFECYCLE: Lifecycle[AccountStatus] = Lifecycle(
    "account",
    {
        AccountStatus.ACTIVE: {AccountStatus.NEEDS_REAUTHORIZATION, AccountStatus.DISCONNECTED},
        AccountStatus.NEEDS_REAUTHORIZATION: {AccountStatus.ACTIVE, AccountStatus.DISCONNECTED},
        AccountStatus.DISCONNECTED: {AccountStatus.ACTIVE},
    },
)


def _known_site(instance: object, attribute: attrs.Attribute, value: str) -> None:
    site(value)


@attrs.define(frozen=True)
class TokenPair:
    """An access token and the refresh token issued with it (§1.2).

    A refresh token is single use; only the latest one is valid (§1.3). `refresh_token`
    is None when the application lacks the offline_access scope.
    """

    access_token: str = attrs.field(repr=False)
    refresh_token: str | None = attrs.field(repr=False)
    expires_at: datetime = attrs.field(validator=aware)
    scope: str = ""
    user_id: int | None = None

    @access_token.validator
    def _non_empty(self, attribute: attrs.Attribute, value: str) -> None:
        if not value:
            raise InvalidValue("access_token", "must not be empty")

    @classmethod
    def issued(
        cls,
        access_token: str,
        refresh_token: str | None,
        expires_in: int,
        now: datetime,
        scope: str = "",
        user_id: int | None = None,
    ) -> TokenPair:
        """Trust the server's `expires_in` rather than a constant (reference, preamble)."""
        if expires_in <= 0:
            raise InvalidValue("expires_in", "must be positive")
        return cls(access_token, refresh_token, now + timedelta(seconds=expires_in), scope, user_id)

    def expires_within(self, now: datetime, margin: timedelta) -> bool:
        return self.expires_at - margin <= now

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at <= now


@attrs.define(frozen=True)
class SealedTokens:
    """A token pair as it is stored: both tokens encrypted, never in clear text."""

    access_token: str = attrs.field(repr=False)
    refresh_token: str | None = attrs.field(repr=False)
    expires_at: datetime = attrs.field(validator=aware)
    scope: str = ""
    # Bumped on every store so a reader can tell whether another process refreshed
    # while it waited for the lock.
    version: int = 0


@attrs.define
class Account:
    """A MercadoLibre seller connected to this installation."""

    seller_id: int = attrs.field(validator=positive_int)
    site_id: str = attrs.field(validator=_known_site)
    nickname: str
    status: AccountStatus = AccountStatus.ACTIVE
    id: int | None = None
    token_expires_at: datetime | None = attrs.field(default=None, validator=aware)
    last_refreshed_at: datetime | None = attrs.field(default=None, validator=aware)
    status_reason: str | None = None
    connected_at: datetime | None = attrs.field(default=None, validator=aware)
    updated_at: datetime | None = attrs.field(default=None, validator=aware)

    def _move(self, target: AccountStatus, reason: str | None) -> None:
        self.status = ACCOUNT_LIFECYCLE.check(self.status, target)
        self.status_reason = reason

    def reconnected(self, nickname: str, site_id: str, now: datetime) -> None:
        """A new OAuth grant for the same seller: back to active, whatever it was."""
        _known_site(self, attrs.fields(Account).site_id, site_id)
        self.nickname = nickname
        self.site_id = site_id
        self._move(AccountStatus.ACTIVE, None)
        self.connected_at = now
        self.updated_at = now

    def needs_reauthorization(self, reason: str, now: datetime) -> None:
        self._move(AccountStatus.NEEDS_REAUTHORIZATION, reason)
        self.updated_at = now

    def disconnect(self, now: datetime) -> None:
        self._move(AccountStatus.DISCONNECTED, "disconnected by an operator")
        self.token_expires_at = None
        self.updated_at = now

    def tokens_stored(self, expires_at: datetime, now: datetime) -> None:
        self.token_expires_at = expires_at
        self.last_refreshed_at = now
        self.updated_at = now

    @property
    def is_usable(self) -> bool:
        return self.status is AccountStatus.ACTIVE


@attrs.define(frozen=True)
class AuthorizationRequest:
    """A connect flow waiting for MercadoLibre's redirect: single use, short-lived.

    `state` is the random value sent to the consent page; `sealed_code_verifier` is the
    PKCE verifier (§1.4), encrypted like every other secret at rest.
    """

    state: str = attrs.field()
    site_id: str = attrs.field(validator=_known_site)
    sealed_code_verifier: str = attrs.field(repr=False)
    created_at: datetime = attrs.field(validator=aware)
    expires_at: datetime = attrs.field(validator=aware)

    @state.validator
    def _long_enough(self, attribute: attrs.Attribute, value: str) -> None:
        if len(value) < 32:
            raise InvalidValue("state", "must be at least 32 characters of randomness")

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at
