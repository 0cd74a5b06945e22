"""MercadoLibre resources kept as MercadoLibre sent them, for topics that have no model of
their own yet (orders, questions, messages, shipments, payments, claims: §9.3)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from domain.common import aware
from domain.errors import InvalidValue

MAX_PATH = 500


def _api_path(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not value.startswith("/") or len(value) > MAX_PATH:
        raise InvalidValue(attribute.name, "must be an API path such as /orders/123")
    if "?" in value:
        raise InvalidValue(attribute.name, "must not carry a query string")


@attrs.define(frozen=True)
class ResourceSnapshot:
    """The body of `GET path` at `fetched_at`. A notification only points at a resource
    (§9.2); the snapshot is what it pointed at, read with the seller's own token.

    Snapshots of one path replace each other newest first: an older read never wins over
    a newer one, whatever order they are stored in.
    """

    path: str = attrs.field(validator=_api_path)
    body: Mapping[str, object] = attrs.field(converter=dict)
    fetched_at: datetime = attrs.field(validator=aware)
    topic: str = ""
    account_id: int | None = None

    def supersedes(self, other: ResourceSnapshot) -> bool:
        """Whether this read may replace `other` (same path, not older)."""
        return self.fetched_at >= other.fetched_at
