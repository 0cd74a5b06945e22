"""MercadoLibre resources kept as MercadoLibre sent them, for topics that have no model of
their own yet (orders, questions, messages, shipments, payments, claims: §9.3), and whose
they are."""

from __future__ import annotations

import re
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


MAX_USER_ID = 2**63 - 1  # user ids are int64 (§0.3)
_DIGITS = re.compile(r"[0-9]{1,19}")
# §8.1: a conversation is /packs/{pack_id}/sellers/{seller_id} (`seller` in some answers).
_CONVERSATION_SELLER = re.compile(r"/packs/[^/]+/sellers?/([0-9]{1,19})(?:/|$)")


def _user_id(value: object) -> int | None:
    """A user id as MercadoLibre writes it, a number or a string of digits (§0.3); None
    for anything else, and for 0 (documented templates fill ids with 0)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    return number if number is not None and 0 < number <= MAX_USER_ID else None


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _mappings(value: object) -> list[Mapping[str, object]]:
    """A list of objects, or one object standing alone (legacy `to`)."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, Mapping)]
    return []


def _message_parties(message: Mapping[str, object]) -> set[int | None]:
    """Both ends of a message (§8.1, §8.4 legacy), and the seller of its conversation."""
    found: set[int | None] = set()
    for end in ("from", "to"):
        found.update(_user_id(party.get("user_id")) for party in _mappings(message.get(end)))
    for resource in _mappings(message.get("message_resources")):
        if resource.get("name") in ("sellers", "seller"):
            found.add(_user_id(resource.get("id")))
    return found


def _claim_parties(players: list[Mapping[str, object]]) -> set[int | None]:
    """The seller's side of a claim: the players of type `seller` (or the `respondent`);
    every player when none says which side it is on."""
    sellers = [p for p in players if p.get("type") == "seller" or p.get("role") == "respondent"]
    if not sellers and not any("type" in p or "role" in p for p in players):
        sellers = players
    return {_user_id(p.get("user_id")) for p in sellers}


def parties(body: Mapping[str, object]) -> frozenset[int] | None:
    """The MercadoLibre users a resource belongs to on the selling side, from every shape
    its body comes in. None when the body names none of them: ownership cannot be told.

    - an item, a question (v4 or older) or a promotion: `seller_id` (§4.1, §7);
    - an order, current, legacy or with string ids: `seller.id` (§5.1);
    - a shipment: `sender_id` (legacy shape), `origin.sender_id` (x-format-new), or
      `seller_id` (§6.1);
    - a payment (/collections/{id}, §9.3): `collector.id`, `collector_id`, or the same
      inside `collection`;
    - a message (§8.1, §8.4): both ends (`from`, `to`: at the root in the legacy shape,
      inside `messages[...]` in the current one, where `to` may be a list), the `sellers`
      entry of `message_resources`, and the seller in `conversation_status.path`;
    - a claim: its players on the seller's side.
    """
    found: set[int | None] = set()
    for key in ("seller_id", "sender_id", "collector_id"):
        found.add(_user_id(body.get(key)))
    found.add(_user_id(_mapping(body.get("origin")).get("sender_id")))
    for key in ("seller", "collector"):
        found.add(_user_id(_mapping(body.get(key)).get("id")))
    collection = _mapping(body.get("collection"))
    found.add(_user_id(collection.get("collector_id")))
    found.add(_user_id(_mapping(collection.get("collector")).get("id")))
    found.update(_message_parties(body))
    for message in _mappings(body.get("messages")):
        found.update(_message_parties(message))
    path = _mapping(body.get("conversation_status")).get("path")
    if isinstance(path, str) and (match := _CONVERSATION_SELLER.search(path)):
        found.add(_user_id(match.group(1)))
    found.update(_claim_parties(_mappings(body.get("players"))))
    return frozenset(n for n in found if n is not None) or None


def belongs_to(body: Mapping[str, object], seller_id: int) -> bool:
    """Whether a resource read with a seller's token is that seller's own: its body
    names the seller among its `parties`. Public resources (an item, §4.1) can be read
    with any token, so a notification naming one seller and another seller's resource
    must not make us store it as the first's; and a body that names no owner at all
    cannot be told to be the seller's, so it is not either (§9.6: the body of a
    notification is untrusted)."""
    named = parties(body)
    return named is not None and seller_id in named
