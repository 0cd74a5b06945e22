"""The MercadoLibre gateway for post-sale messages (mercadolibre-api.md §8), as the use
cases see it. Errors as for application.ports.marketplace; every call carries
`tag=post_sale` (§8). A conversation is named by its pack id, or by the order id when the
order has no pack (§8.1)."""

from __future__ import annotations

from typing import Protocol

import attrs

from domain.messages import ConversationStatus, Message


@attrs.define(frozen=True)
class Conversation:
    """A whole conversation as MercadoLibre has it: its status and its messages, oldest
    first (moderated buyer messages are hidden by MercadoLibre, §8.1)."""

    status: ConversationStatus
    messages: tuple[Message, ...]
    seller_max_length: int = 350


@attrs.define(frozen=True)
class MessageRead:
    """GET /messages/{id} (§8.4): the message, the status of its conversation when the
    shape carries one, and the body as read (for the ownership check)."""

    message: Message
    status: ConversationStatus | None
    raw: dict = attrs.field(factory=dict, eq=False)


@attrs.define(frozen=True)
class MessageOption:
    """One reason to write first (§8.3 action guide)."""

    id: str
    description: str | None = None
    enabled: bool = True
    type: str | None = None  # template | free_text
    templates: tuple[str, ...] = ()
    char_limit: int | None = None
    cap_available: int | None = None


@attrs.define(frozen=True)
class Download:
    content: bytes
    content_type: str
    filename: str


@attrs.define(frozen=True)
class UnreadCount:
    pack_id: int
    count: int


class MessageGateway(Protocol):
    """Calls on behalf of a connected account (its token, one renewal after a 401)."""

    async def conversation(
        self,
        account_id: int,
        seller_id: int,
        pack_id: int,
        *,
        mark_as_read: bool = False,
        buyer_id: int | None = None,
    ) -> Conversation:
        """GET /messages/packs/{pack_id}/sellers/{seller_id} over all its pages; reading
        marks the seller's messages read only when `mark_as_read`. `buyer_id`: whom the
        seller's messages are to when the body does not say (the 2019 shape has no `to`).
        Raises NotFound, Forbidden (another seller's). Idempotent."""
        ...

    async def get(self, account_id: int, message_id: str) -> MessageRead:
        """GET /messages/{id}, either shape (§8.4). Raises NotFound (MercadoLibre's 400
        for an unknown id included). Idempotent."""
        ...

    async def send(
        self,
        account_id: int,
        seller_id: int,
        pack_id: int,
        to_user_id: int,
        text: str,
        attachments: tuple[str, ...] = (),
    ) -> Message:
        """POST /messages/packs/{pack_id}/sellers/{seller_id} (§8.2). NOT idempotent: never
        repeated once sent (a time-out or a 5xx is Unavailable and whether MercadoLibre
        took it is unknown: read the conversation back). Refusals are ValidationFailed
        (400, 422) or Forbidden (403, with MercadoLibre's message: a blocked
        conversation, a mediation, Full not delivered); a used-up hourly quota is
        QuotaExhausted, raised before anything is sent."""
        ...

    async def send_option(
        self,
        account_id: int,
        seller_id: int,
        pack_id: int,
        option_id: str,
        text: str | None = None,
        template_id: str | None = None,
        to_user_id: int | None = None,
    ) -> Message:
        """POST /messages/action_guide/packs/{pack_id}/option (§8.3): the seller writes
        first, for a reason. NOT idempotent, as `send`. `to_user_id`, the buyer, names
        the receiver when MercadoLibre's answer does not."""
        ...

    async def options(self, account_id: int, pack_id: int) -> tuple[MessageOption, ...]:
        """GET /messages/action_guide/packs/{pack_id} (§8.3). Idempotent."""
        ...

    async def upload(self, account_id: int, site_id: str, filename: str, content: bytes) -> str:
        """POST /messages/attachments (§8.4, multipart `file`): the attachment's id. An
        attachment not linked within 48 h is deleted by MercadoLibre."""
        ...

    async def download(self, account_id: int, site_id: str, attachment_id: str) -> Download:
        """GET /messages/attachments/{id} (§8.4). Raises NotFound. Idempotent."""
        ...

    async def unread(self, account_id: int) -> tuple[UnreadCount, ...]:
        """GET /messages/unread?role=seller (§8.4): conversations with unread messages.
        Idempotent."""
        ...
