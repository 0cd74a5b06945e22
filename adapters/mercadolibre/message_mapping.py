"""MercadoLibre message JSON -> the domain's Message and ConversationStatus (§8).

Both shapes are read: the current one (§8.1: `id`, `from`/`to` objects, `message_date`,
`message_moderation`, `message_attachments`, `message_resources`) and the legacy one
(§8.4: `message_id`, `text.plain`, `date*` at the root, `moderation`, `resource_id`,
`to` as a list). A sent message's answer may lack `from` and the resources (§8.3's
action guide): the caller says whose conversation it is. Moderation reasons come upper
or lower case and are stored upper case. Text is cleaned before it reaches the database;
a body that is not a message is Unavailable naming it (that record's error)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.mercadolibre.question_mapping import clean_json, clean_text, read_id, read_when
from application.errors import Unavailable
from domain.errors import DomainError
from domain.messages import SELLER_MAX_LENGTH, ConversationStatus, Message


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _user(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, Mapping):
        value = value.get("user_id", value.get("id"))
    return read_id(value)


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("plain")
    return clean_text(value) if isinstance(value, str) else ""


def _attachments(body: Mapping[str, Any]) -> tuple[str, ...]:
    found = body.get("message_attachments")
    if found is None:
        found = body.get("attachments")
    names = []
    for attachment in found if isinstance(found, list) else []:
        if isinstance(attachment, str) and attachment:
            names.append(clean_text(attachment))
        elif isinstance(attachment, Mapping):
            name = attachment.get("filename") or attachment.get("id")
            if isinstance(name, str) and name:
                names.append(clean_text(name))
    return tuple(names)


def _resource(body: Mapping[str, Any], *names: str) -> int | None:
    for resource in body.get("message_resources") or []:
        if isinstance(resource, Mapping) and resource.get("name") in names:
            found = read_id(resource.get("id"))
            if found is not None:
                return found
    return None


def _upper(value: Any) -> str | None:
    """A moderation reason, upper case; the 2019 shape's "none" is none."""
    if not isinstance(value, str) or not value or value.strip().lower() == "none":
        return None
    return clean_text(value).upper()


def read_message(
    body: Any,
    account_id: int,
    what: str,
    *,
    pack_id: int | None = None,
    from_user_id: int | None = None,
    to_user_id: int | None = None,
    order_id: int | None = None,
    now: datetime | None = None,
    seller_id: int | None = None,
) -> Message:
    """One message in either shape; `pack_id` is the conversation the call named (it
    wins over the body's resources); `from_user_id`, `to_user_id` and `order_id` fill
    what the body does not say, and in a seller's conversation a
    message without `to` (the 2019 shape) is to the seller when someone else sent it.
    Raises Unavailable."""
    if not isinstance(body, Mapping):
        raise Unavailable(f"{what} answered something other than a message")
    message_id = body.get("id") or body.get("message_id")
    if not isinstance(message_id, str | int) or isinstance(message_id, bool) or not message_id:
        raise Unavailable(f"{what} answered a message without an id")
    dates = _mapping(body.get("message_date"))
    moderation = _mapping(body.get("message_moderation") or body.get("moderation"))
    legacy_order = read_id(body.get("resource_id")) if body.get("resource") == "orders" else None
    # The conversation the call named (its path) is the message's: §8.1 identifies it by
    # the path's pack (or order) id [DOC]; `message_resources` only for a message read
    # alone (GET /messages/{id}), whose path names none.
    conversation = pack_id or _resource(body, "packs", "orders") or legacy_order
    sender = _user(body.get("from")) or from_user_id
    receiver = _user(body.get("to"))
    if receiver is None and seller_id is not None and sender not in (None, seller_id):
        receiver = seller_id
    receiver = receiver or to_user_id
    created = (
        read_when(dates.get("created"))
        or read_when(dates.get("received"))
        or read_when(body.get("date"))
        or read_when(body.get("date_received"))
        or now
    )
    name = clean_text(str(message_id))[:64]
    if conversation is None or sender is None or receiver is None or created is None:
        raise Unavailable(f"{what}: message {name} lacks its conversation, ends or date")
    try:
        return Message(
            id=name,
            account_id=account_id,
            pack_id=conversation,
            from_user_id=sender,
            to_user_id=receiver,
            text=_text(body.get("text")),
            date_created=created.astimezone(UTC),
            attachments=_attachments(body),
            status=clean_text(str(body.get("status") or "available"))[:32].lower(),
            moderation_status=(
                clean_text(str(moderation["status"]))[:32].lower()
                if moderation.get("status")
                else None
            ),
            moderation_reason=(_upper(moderation.get("reason")) or None),
            date_read=read_when(dates.get("read") if dates else body.get("date_read")),
            date_available=read_when(
                dates.get("available") if dates else body.get("date_available")
            ),
            order_id=order_id or legacy_order,
            raw=clean_json(dict(body)),
        )
    except DomainError as error:
        raise Unavailable(f"{what}: message {name} cannot be read: {error}") from error


def read_status(body: Any, account_id: int, pack_id: int, what: str) -> ConversationStatus | None:
    """§8.1 `conversation_status` (with `claim_id` or, in one documented body,
    `claim_ids`), or None when the body has none."""
    status = _mapping(body).get("conversation_status") if isinstance(body, Mapping) else None
    if not isinstance(status, Mapping):
        return None
    claim = status.get("claim_id")
    if claim is None and isinstance(status.get("claim_ids"), list) and status["claim_ids"]:
        claim = status["claim_ids"][0]
    limit = body.get("seller_max_message_length")
    path = status.get("path")
    return ConversationStatus(
        account_id=account_id,
        pack_id=pack_id,
        status=clean_text(str(status.get("status") or "active"))[:32],
        substatus=clean_text(str(status["substatus"]))[:128] if status.get("substatus") else None,
        status_date=read_when(status.get("status_date")),
        claim_id=read_id(claim),
        shipping_id=read_id(status.get("shipping_id")),
        path=clean_text(path)[:200] if isinstance(path, str) else None,
        seller_max_length=(
            limit
            if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0
            else SELLER_MAX_LENGTH
        ),
    )
