"""Post-sale messages with buyers (mercadolibre-api.md §8); the texts sellers reuse are
domain.templates."""

from __future__ import annotations

from datetime import datetime

import attrs

from domain.common import aware, text_within
from domain.errors import InvalidValue

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

    def __attrs_post_init__(self) -> None:
        text_within("text", self.text, BUYER_MAX_LENGTH, allow_empty=True)

    def sent_by(self, user_id: int) -> bool:
        return self.from_user_id == user_id


def check_seller_text(text: str, attachments: tuple[str, ...] = ()) -> str:
    """A seller's message: 1 to 350 characters, at most 25 attachments (§8.2, §8.4)."""
    if len(attachments) > MAX_ATTACHMENTS:
        raise InvalidValue("attachments", f"at most {MAX_ATTACHMENTS} attachments per message")
    return text_within("text", text, SELLER_MAX_LENGTH)
