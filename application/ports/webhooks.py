"""Outbound webhooks: delivering processed events to other services' callback URLs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs


@attrs.define(frozen=True)
class SendResult:
    """What one POST to a callback URL came to: the HTTP status, or the error that kept
    it from getting one (timeout, refused connection, refused address)."""

    status: int | None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookSender(Protocol):
    async def send(
        self, url: str, payload: Mapping[str, object], secret: str, delivery_id: int
    ) -> SendResult:
        """POST `payload` as JSON to `url`, signed with `secret` (HMAC-SHA256 of
        `"{timestamp}.{body}"`, headers X-Meli-Timestamp and X-Meli-Signature). Never
        raises for the subscriber's failures: they come back in the result."""
        ...


class AddressResolver(Protocol):
    async def addresses(self, host: str) -> list[str]:
        """The IP addresses `host` resolves to (itself if it is one). Raises
        ValidationFailed when it does not resolve."""
        ...
