"""Post-sale messages with buyers (mercadolibre-api.md §8); the texts sellers reuse are
domain.templates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

import attrs

from domain.common import aware, text_within
from domain.errors import InvalidValue
from domain.lifecycle import Lifecycle

SELLER_MAX_LENGTH = 350  # §8.2
BUYER_MAX_LENGTH = 3500  # §8.1
MAX_ATTACHMENTS = 25  # §8.4


@attrs.define(frozen=True)
class Message:
    id: str
    account_id: int
    pack_id: int
    from_user_id: int
    to_user_id: int
    text: str
    date_created: datetime = attrs.field(validator=aware)
    attachments: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    status: str = "available"
    moderation_status: str | None = None
    date_read: datetime | None = attrs.field(default=None, validator=aware)
    order_id: int | None = None
    moderation_reason: str | None = None
    date_available: datetime | None = attrs.field(default=None, validator=aware)
    raw: Mapping[str, object] = attrs.field(factory=dict, converter=dict, eq=False)

    def __attrs_post_init__(self) -> None:
        text_within("text", self.text, BUYER_MAX_LENGTH, allow_empty=True)

    @property
    def hidden(self) -> bool:
        """§8.1: a moderated or rejected message is not the buyer's to see."""
        return self.status in ("moderated", "rejected") or self.moderation_status == "rejected"

    def sent_by(self, user_id: int) -> bool:
        return self.from_user_id == user_id


def check_seller_text(text: str, attachments: tuple[str, ...] = ()) -> str:
    """A seller's message: 1 to 350 characters, at most 25 attachments (§8.2, §8.4)."""
    if len(attachments) > MAX_ATTACHMENTS:
        raise InvalidValue("attachments", f"at most {MAX_ATTACHMENTS} attachments per message")
    return text_within("text", text, SELLER_MAX_LENGTH)


# §8.2: the country agents that take the seller's messages under the 2026 agent
# architecture (MLU and every other site share one).
AGENT_IDS = {
    "MLC": 3020819166,
    "MCO": 3037204123,
    "MLM": 3037204279,
    "MLA": 3037674934,
    "MLB": 3037675074,
}
OTHER_AGENT_ID = 3037204685


def agent_id(site_id: str) -> int:
    return AGENT_IDS.get(site_id, OTHER_AGENT_ID)


def is_agent(user_id: int | None) -> bool:
    return user_id is not None and (user_id in AGENT_IDS.values() or user_id == OTHER_AGENT_ID)


@attrs.define(frozen=True)
class ConversationStatus:
    """§8.1 `conversation_status` of one pack's conversation (`pack_id`: the pack, or the
    order when it has no pack), as last read."""

    account_id: int
    pack_id: int
    status: str = "active"
    substatus: str | None = None
    status_date: datetime | None = attrs.field(default=None, validator=aware)
    claim_id: int | None = None
    shipping_id: int | None = None
    path: str | None = None
    seller_max_length: int = SELLER_MAX_LENGTH

    @property
    def blocked(self) -> bool:
        return self.status == "blocked"

    @property
    def with_agent(self) -> bool:
        """§8.2: a conversation MercadoLibre routes to its agent has a typed path,
        `/packs/{pack}/sellers/{seller}/conversations/{type}`."""
        return self.path is not None and "/conversations/" in self.path


class SendStatus(StrEnum):
    PENDING = "pending"  # recorded, being sent or outcome unknown
    SENT = "sent"
    FAILED = "failed"


SEND_LIFECYCLE = Lifecycle(
    "message send",
    {
        SendStatus.PENDING: {SendStatus.SENT, SendStatus.FAILED},
        SendStatus.FAILED: {SendStatus.SENT},  # a late read-back finds it after all
        SendStatus.SENT: set(),
    },
)


@attrs.define
class MessageSend:
    """One message the service sent or meant to send: the intent, recorded before the call
    (§8.2's POST is not idempotent), then its outcome; also the log of automatic messages.
    At most one is pending per conversation."""

    account_id: int
    pack_id: int
    order_id: int
    to_user_id: int
    text: str
    requested_at: datetime = attrs.field(validator=aware)
    attachments: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    status: SendStatus = SendStatus.PENDING
    template_id: int | None = None
    option_id: str | None = None
    rule_id: int | None = None
    id: int | None = None
    finished_at: datetime | None = attrs.field(default=None, validator=aware)
    message_id: str | None = None
    error: str | None = None

    def __attrs_post_init__(self) -> None:
        text_within("text", self.text, SELLER_MAX_LENGTH, allow_empty=True)

    @property
    def holds_conversation(self) -> bool:
        return self.status is SendStatus.PENDING

    def settle(
        self,
        status: SendStatus,
        now: datetime,
        error: str | None = None,
        message_id: str | None = None,
    ) -> None:
        self.status = SEND_LIFECYCLE.check(self.status, status)
        self.finished_at = now
        self.error = None if error is None else error[:1000]
        if message_id is not None:
            self.message_id = message_id


def unsupported_characters(text: str) -> list[str]:
    """§8.2: a seller's message is ISO-8859-1 plus emoji [INF: the emoji blocks, joiners
    and selectors]; the characters outside it, each once, in order."""
    found: list[str] = []
    for character in text:
        code = ord(character)
        allowed = (
            code < 0x100
            or 0x1F300 <= code <= 0x1FAFF
            or 0x2600 <= code <= 0x27BF
            or code in (0x200D, 0xFE0F)
        )
        if not allowed and character not in found:
            found.append(character)
    return found
