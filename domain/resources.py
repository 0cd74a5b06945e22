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


def _user_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def parties(body: Mapping[str, object]) -> frozenset[int] | None:
    """The MercadoLibre users a resource belongs to on the selling side, as its body names
    them: an item's or question's `seller_id` (§4, §7), an order's `seller.id` (§5), a
    shipment's `sender_id` or `origin.sender_id` (§6.1), a payment's `collector.id`, both
    ends of a message (§8), a claim's players. None when the body names none of them (it
    cannot be told)."""
    found: set[int | None] = set()
    found.add(_user_id(body.get("seller_id")))
    found.add(_user_id(body.get("sender_id")))
    origin = body.get("origin")  # a shipment's x-format-new shape (§6.1)
    if isinstance(origin, Mapping):
        found.add(_user_id(origin.get("sender_id")))
    for key in ("seller", "collector"):
        party = body.get(key)
        if isinstance(party, Mapping):
            found.add(_user_id(party.get("id")))
    for key in ("from", "to"):
        party = body.get(key)
        if isinstance(party, Mapping):
            found.add(_user_id(party.get("user_id")))
    players = body.get("players")
    if isinstance(players, list):
        found.update(_user_id(p.get("user_id")) for p in players if isinstance(p, Mapping))
    found.discard(None)
    return frozenset(n for n in found if n is not None) or None


def belongs_to(body: Mapping[str, object], seller_id: int) -> bool:
    """Whether a resource read with a seller's token is that seller's own. Public
    resources (an item, §4.1) can be read with any token, so a notification naming one
    seller and another seller's resource must not make us store it as the first's."""
    named = parties(body)
    return named is None or seller_id in named
