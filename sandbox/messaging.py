"""§8: post-sale conversations (one per pack, or per order without a pack), messages,
read marks and attachments."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

import attrs

from sandbox.clock import iso
from sandbox.errors import ApiError, api_error, bad_request

# §8.1 / §8.2: the lengths the conversation announces; the seller's is enforced.
SELLER_MAX_LENGTH = 350
BUYER_MAX_LENGTH = 3500
DEFAULT_LIMIT = 10
# §8.4: attachments.
ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
ATTACHMENT_MAX_COUNT = 25
ATTACHMENT_MAX_FILENAME = 200
ATTACHMENT_TTL = 48 * 3600
ATTACHMENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "txt": "text/plain",
}
# §8.2: the country agents that receive messages under the agent architecture.
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


def blocked_conversation(message: str = "blocked_conversation_send_message_forbidden") -> ApiError:
    """§8.2, the exact body: `{"status_code":403,"code":"forbidden","message":...}`."""
    return ApiError(403, {"status_code": 403, "code": "forbidden", "message": message})


def attachment_not_found() -> ApiError:
    """§8.2: 422 "Attachment key is invalid or not found"."""
    return api_error(422, "unprocessable_entity", "Attachment key is invalid or not found")


# §8.1's moderation reasons the sandbox applies [INF: what triggers them].
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_PHONE = re.compile(r"(?:\d[\s-]?){8,}")


def moderation_of(text: str) -> str | None:
    """The reason MercadoLibre's moderation rejects a text for, or None: an e-mail
    address or a phone number is PERSONAL_DATA, a social network link
    SOCIAL_NETWORK_LINK."""
    if _EMAIL.search(text) or _PHONE.search(text):
        return "PERSONAL_DATA"
    lowered = text.lower()
    if any(site in lowered for site in ("instagram.com", "facebook.com", "wa.me", "whatsapp")):
        return "SOCIAL_NETWORK_LINK"
    return None


def missing_tag() -> ApiError:
    """§8 / §12.7: `tag=post_sale` is mandatory on every /messages call [INF: 400 and
    this text]."""
    return bad_request("The tag parameter is required and must be post_sale", "invalid_tag")


def supported(char: str) -> bool:
    """§8.2: ISO-8859-1 plus emoji [INF: the emoji blocks, joiners and selectors]."""
    code = ord(char)
    return (
        code < 0x100
        or 0x1F300 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or code in (0x200D, 0xFE0F)
    )


@attrs.define
class Attachment:
    id: str
    owner_id: int
    filename: str
    content_type: str
    data: bytes
    created: float
    linked: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "filename": self.id,
            "original_filename": self.filename,
            "type": self.content_type,
            "size": len(self.data),
            "date_created": iso(self.created),
            "potential_security_threat": False,
        }


@attrs.define(eq=False)
class Message:
    id: str
    conversation: Conversation
    from_id: int
    to_id: int
    text: str
    created: float
    client_id: int | str
    read: float | None = None
    attachments: list[Attachment] = attrs.field(factory=list)
    first: bool = False
    # §8.1: what moderation made of it (a rejected message is `moderated` and hidden from
    # the other side).
    moderation: str = "clean"
    moderation_reason: str | None = None

    @property
    def status(self) -> str:
        return "moderated" if self.moderation == "rejected" else "available"

    def visible_to(self, user_id: int) -> bool:
        """§8.1: moderated messages are hidden from everyone but their sender."""
        return self.moderation != "rejected" or self.from_id == user_id

    def as_sent(self, shape: str) -> dict[str, Any]:
        """§8.2, the answer to a send: the whole message ("full"), or only the fields
        the page documents ("documented": `id` or `message_id`, `status`, `text`,
        `message_moderation`); "varied" draws one per message, repeatably (its id)."""
        chooser = random.Random(self.id)
        if shape == "varied":
            shape = chooser.choice(("full", "documented"))
        if shape == "full":
            return self.as_json()
        key = chooser.choice(("id", "message_id"))
        return {
            key: self.id,
            "status": self.status,
            "text": self.text,
            "message_moderation": {
                "status": self.moderation,
                "reason": self.moderation_reason,
                "source": "online",
                "moderation_date": iso(self.created),
            },
        }

    def as_json(self) -> dict[str, Any]:
        """§8.1, one entry of `messages`."""
        created = iso(self.created)
        conversation = self.conversation
        return {
            "id": self.id,
            "site_id": conversation.site_id,
            "client_id": self.client_id,
            "from": {"user_id": self.from_id},
            "to": {"user_id": self.to_id},
            "status": self.status,
            "subject": None,
            "text": self.text,
            "message_date": {
                "received": created,
                "available": created,
                "notified": created,
                "created": created,
                "read": None if self.read is None else iso(self.read),
            },
            "message_moderation": {
                "status": self.moderation,
                "reason": self.moderation_reason,
                "source": "online",
                "moderation_date": created,
            },
            "message_attachments": [a.as_json() for a in self.attachments] or None,
            "message_resources": [
                {"id": str(conversation.key), "name": "packs"},
                {"id": str(conversation.seller_id), "name": "sellers"},
            ],
            "conversation_first_message": self.first,
        }


@attrs.define(eq=False)
class Conversation:
    """The post-sale conversation of a pack (or of an order without a pack, §8.1)."""

    key: int
    seller_id: int
    buyer_id: int
    site_id: str
    order_ids: list[int]
    shipment_id: int | None
    created: float
    messages: list[Message] = attrs.field(factory=list)
    blocked: str | None = None
    status_date: float | None = None
    claim_id: int | None = None
    # §8.2: set when MercadoLibre routes the conversation to its country agent.
    agent_type: str | None = None
    # A block set through the admin API (e.g. blocked_by_buyer), kept until lifted.
    held: str | None = None
    # §8.3: uses left of each action-guide option (1 each until used).
    option_caps: dict[str, int] = attrs.field(factory=dict)

    @property
    def resource(self) -> str:
        """The conversation as /messages/unread names it (§8.4)."""
        return f"/packs/{self.key}/sellers/{self.seller_id}"

    def unread_for(self, user_id: int) -> list[Message]:
        return [
            m
            for m in self.messages
            if m.to_id == user_id and m.read is None and m.visible_to(user_id)
        ]

    def status_json(self) -> dict[str, Any]:
        """§8.1 `conversation_status`."""
        path = f"/packs/{self.key}/seller/{self.seller_id}"
        if self.agent_type:
            path = f"/packs/{self.key}/sellers/{self.seller_id}/conversations/{self.agent_type}"
        return {
            "path": path,
            "status": "blocked" if self.blocked else "active",
            "substatus": self.blocked,
            "status_date": iso(self.status_date or self.created),
            "status_update_allowed": False,
            "claim_id": self.claim_id,
            "shipping_id": self.shipment_id,
        }

    def page_json(self, offset: int, limit: int, viewer: int | None = None) -> dict[str, Any]:
        """§8.1: the conversation, newest message first [INF: the order], without the
        moderated messages of the other side."""
        shown = [m for m in self.messages if viewer is None or m.visible_to(viewer)]
        newest_first = list(reversed(shown))
        return {
            "paging": {"limit": limit, "offset": offset, "total": len(shown)},
            "conversation_status": self.status_json(),
            "messages": [m.as_json() for m in newest_first[offset : offset + limit]],
            "seller_max_message_length": SELLER_MAX_LENGTH,
            "buyer_max_message_length": BUYER_MAX_LENGTH,
        }


@attrs.define
class Outgoing:
    """A checked message body."""

    from_id: int
    to_id: int
    text: str
    attachment_ids: list[str]


def _user_id(value: Any) -> int | None:
    if isinstance(value, Mapping):
        value = value.get("user_id")
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def check_outgoing(body: Any, conversation: Conversation, known_user: Any) -> Outgoing:
    """The §8.2 error table, in the order a body is read [INF: the order]."""
    if not isinstance(body, Mapping):
        raise bad_request("A JSON body is required")
    sender = body.get("from")
    if not isinstance(sender, Mapping) or sender.get("user_id") in (None, ""):
        raise bad_request("The field 'from' is required")
    receiver = body.get("to")
    if not isinstance(receiver, Mapping) or receiver.get("user_id") in (None, ""):
        raise bad_request("The field 'to.user_id' is required")
    from_id = _user_id(sender)
    to_id = _user_id(receiver)
    if to_id is None or not (known_user(to_id) or to_id == agent_id(conversation.site_id)):
        raise bad_request("Invalid 'to' user id")
    if from_id == to_id:
        raise bad_request("Sender and received must not be equals")
    if from_id != conversation.seller_id:
        raise api_error(
            403,
            "forbidden",
            f"Access denied for user {sender.get('user_id')} to order {conversation.key}",
        )
    if to_id not in (conversation.buyer_id, agent_id(conversation.site_id)):
        raise api_error(403, "forbidden", f"Receiver does not belong to order {conversation.key}")
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise bad_request("The field 'text' is required")
    if len(text) > SELLER_MAX_LENGTH:
        raise bad_request(
            f"The message content is too long, max characters allowed are {SELLER_MAX_LENGTH}"
        )
    if not all(supported(c) for c in text):
        raise bad_request("The text has character/s that is/are not supported.")
    attachments = body.get("attachments")
    ids: list[str] = []
    if attachments is not None:
        if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
            raise attachment_not_found()
        if len(attachments) > ATTACHMENT_MAX_COUNT:
            raise bad_request(f"At most {ATTACHMENT_MAX_COUNT} attachments per message")
        ids = list(attachments)
    return Outgoing(from_id, to_id, text, ids)


def attachment_type(filename: str, data: bytes) -> str:
    """The normalised extension of an acceptable upload (§8.4: JPG, PNG, PDF, TXT), read
    from the name and checked against the content [INF: the error texts]."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ATTACHMENT_TYPES:
        raise bad_request("The file type is not allowed. Allowed types: JPG, PNG, PDF, TXT")
    magic = {"jpg": b"\xff\xd8", "jpeg": b"\xff\xd8", "png": b"\x89PNG", "pdf": b"%PDF"}
    if extension in magic and not data.startswith(magic[extension]):
        raise bad_request(f"The file content is not a valid {extension.upper()} file")
    if extension == "txt" and b"\x00" in data:
        raise bad_request("The file content is not a valid TXT file")
    return "jpg" if extension == "jpeg" else extension
