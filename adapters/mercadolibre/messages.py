"""MessageGateway over HTTP (mercadolibre-api.md §8): conversations, one message, sending
(plain or through the action guide), attachments and unread counts. Every call goes
through AccountCalls and carries `tag=post_sale` (§8); reads are lenient about the two
shapes (message_mapping.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.client import Upload
from adapters.mercadolibre.message_mapping import read_message, read_status
from adapters.mercadolibre.question_mapping import clean_text, read_id
from application.errors import NotFound, Unavailable, ValidationFailed
from application.ports.message_gateway import (
    Conversation,
    Download,
    MessageOption,
    MessageRead,
    UnreadCount,
)
from domain.messages import SELLER_MAX_LENGTH, ConversationStatus, Message

log = logging.getLogger(__name__)

TAG = {"tag": "post_sale"}
PAGE = 10  # §8.1's documented page
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "txt": "text/plain",
}


def _total(body: Mapping[str, Any], fallback: int) -> int:
    paging = body.get("paging")
    total = paging.get("total") if isinstance(paging, Mapping) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else fallback


class AiohttpMessageGateway:
    """MessageGateway over HTTP."""

    def __init__(self, calls: AccountCalls) -> None:
        self._calls = calls

    async def conversation(
        self,
        account_id: int,
        seller_id: int,
        pack_id: int,
        *,
        mark_as_read: bool = False,
        buyer_id: int | None = None,
    ) -> Conversation:
        """§8.1, page by page until `paging.total`."""
        path = f"/messages/packs/{int(pack_id)}/sellers/{int(seller_id)}"
        what = f"GET {path}"
        messages: dict[str, Message] = {}
        status: ConversationStatus | None = None
        limit = SELLER_MAX_LENGTH
        offset = 0
        while True:
            params: dict[str, str | int] = {**TAG, "offset": offset, "limit": PAGE}
            if not mark_as_read:
                params["mark_as_read"] = "false"
            body = await self._calls.get(account_id, path, params)
            listed = _listed(body)
            if listed is None:
                raise Unavailable(f"{what} answered without a list of messages")
            if status is None:
                status = read_status(body, account_id, pack_id, what)
                found = body.get("seller_max_message_length")
                if isinstance(found, int) and not isinstance(found, bool) and found > 0:
                    limit = found
            buyer = _counterpart(listed, seller_id) or buyer_id
            for entry in listed:
                try:
                    message = read_message(
                        entry,
                        account_id,
                        what,
                        pack_id=pack_id,
                        to_user_id=buyer,
                        seller_id=seller_id,
                    )
                except Unavailable as error:
                    log.warning("%s", error)
                    continue
                messages[message.id] = message
            offset += len(listed)
            if not listed or offset >= _total(body, offset):
                break
        # Oldest first. Messages of the same instant (dates have milliseconds) take the
        # reverse of the listing's order, which is newest first [INF: as the sandbox].
        listed_at = {message_id: n for n, message_id in enumerate(messages)}
        ordered = sorted(messages.values(), key=lambda m: (m.date_created, -listed_at[m.id]))
        return Conversation(
            status or ConversationStatus(account_id, pack_id, seller_max_length=limit),
            tuple(ordered),
            limit,
        )

    async def get(self, account_id: int, message_id: str) -> MessageRead:
        """§8.4 GET /messages/{id}: the §8.1 shape with one message, or the legacy one;
        MercadoLibre answers 400 for an id that does not exist."""
        path = f"/messages/{clean_text(str(message_id))}"
        what = f"GET {path}"
        try:
            body = await self._calls.get(account_id, path, TAG)
        except ValidationFailed as error:
            if "not exist" in str(error).lower():
                raise NotFound("message", message_id) from error
            raise
        if not isinstance(body, Mapping):
            raise Unavailable(f"{what} answered something other than a message")
        listed = body.get("messages")
        entry: Any = body
        if isinstance(listed, list):
            matching = [
                m for m in listed if isinstance(m, Mapping) and str(m.get("id")) == str(message_id)
            ]
            if not matching and not listed:
                raise NotFound("message", message_id)
            entry = matching[0] if matching else listed[0]
        message = read_message(entry, account_id, what)
        return MessageRead(
            message, read_status(body, account_id, message.pack_id, what), dict(body)
        )

    async def send(
        self,
        account_id: int,
        seller_id: int,
        pack_id: int,
        to_user_id: int,
        text: str,
        attachments: tuple[str, ...] = (),
    ) -> Message:
        """§8.2: `attachments` omitted when there are none; the answer is read as the
        created message, which may be a one-message list in the older shape."""
        path = f"/messages/packs/{int(pack_id)}/sellers/{int(seller_id)}"
        body: dict[str, Any] = {
            "from": {"user_id": str(seller_id)},
            "to": {"user_id": str(to_user_id)},
            "text": text,
        }
        if attachments:
            body["attachments"] = list(attachments)
        response = await self._calls.call(account_id, "POST", path, params=TAG, json_body=body)
        return self._sent(
            response.body, account_id, f"POST {path}", pack_id, seller_id, to_user_id, attachments
        )

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
        """§8.3 POST /messages/action_guide/packs/{pack_id}/option [INF: the shape]."""
        path = f"/messages/action_guide/packs/{int(pack_id)}/option"
        body: dict[str, Any] = {"option_id": option_id}
        if template_id is not None:
            body["template_id"] = template_id
        if text is not None:
            body["text"] = text
        response = await self._calls.call(account_id, "POST", path, params=TAG, json_body=body)
        return self._sent(response.body, account_id, f"POST {path}", pack_id, seller_id, to_user_id)

    def _sent(
        self,
        body: Any,
        account_id: int,
        what: str,
        pack_id: int,
        seller_id: int,
        to_user_id: int | None,
        attachments: tuple[str, ...] = (),
    ) -> Message:
        """The created message from a send's answer. §8.2 documents only `id` (or
        `message_id`), `status`, `text` and `message_moderation` [DOC-S]: what the answer
        does not say is what was sent (this conversation, from the seller, to the buyer,
        its attachments, dated now)."""
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        message = read_message(
            body,
            account_id,
            what,
            pack_id=pack_id,
            from_user_id=seller_id,
            to_user_id=read_id(_to_of(body)) or to_user_id,
            now=datetime.now(UTC),
        )
        if attachments and not message.attachments:
            message = attrs.evolve(message, attachments=attachments)
        return message

    async def options(self, account_id: int, pack_id: int) -> tuple[MessageOption, ...]:
        path = f"/messages/action_guide/packs/{int(pack_id)}"
        body = await self._calls.get(account_id, path, TAG)
        listed = body.get("options") if isinstance(body, Mapping) else None
        if not isinstance(listed, list):
            raise Unavailable(f"GET {path} answered without a list of options")
        options = []
        for entry in listed:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
                continue
            templates = entry.get("templates")
            limit = entry.get("char_limit")
            cap = entry.get("cap_available")
            described = entry.get("internal_description")
            options.append(
                MessageOption(
                    id=clean_text(entry["id"]),
                    description=clean_text(described) if isinstance(described, str) else None,
                    enabled=entry.get("enabled") is not False,
                    type=str(entry["type"]).lower() if entry.get("type") else None,
                    templates=tuple(
                        clean_text(str(t["id"]))
                        for t in (templates if isinstance(templates, list) else [])
                        if isinstance(t, Mapping) and t.get("id")
                    ),
                    char_limit=limit
                    if isinstance(limit, int) and not isinstance(limit, bool)
                    else None,
                    cap_available=cap
                    if isinstance(cap, int) and not isinstance(cap, bool)
                    else None,
                )
            )
        return tuple(options)

    async def upload(self, account_id: int, site_id: str, filename: str, content: bytes) -> str:
        """§8.4: multipart `file` -> `{"id": "<user_id>_<uuid>.<ext>"}`. Not idempotent (a
        second upload is another attachment), so never repeated once sent."""
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        upload = Upload(
            "file", filename, content, CONTENT_TYPES.get(extension, "application/octet-stream")
        )
        response = await self._calls.call(
            account_id,
            "POST",
            "/messages/attachments",
            params={**TAG, "site_id": site_id},
            upload=upload,
        )
        body = response.body
        found = body.get("id") if isinstance(body, Mapping) else None
        if not isinstance(found, str) or not found:
            raise Unavailable("POST /messages/attachments answered without an attachment id")
        return clean_text(found)

    async def download(self, account_id: int, site_id: str, attachment_id: str) -> Download:
        path = f"/messages/attachments/{clean_text(attachment_id)}"
        try:
            response = await self._calls.call(
                account_id, "GET", path, params={**TAG, "site_id": site_id}
            )
        except ValidationFailed as error:  # §8.2's 422 "Attachment key is invalid or not found"
            raise NotFound("attachment", attachment_id) from error
        content_type = response.content_type.split(";")[0].strip() or "application/octet-stream"
        return Download(response.content, content_type, attachment_id)

    async def unread(self, account_id: int) -> tuple[UnreadCount, ...]:
        """§8.4: `results: [{resource: "/packs/{pack}/sellers/{seller}", count}]`."""
        body = await self._calls.get(account_id, "/messages/unread", {**TAG, "role": "seller"})
        results = body.get("results") if isinstance(body, Mapping) else None
        if not isinstance(results, list):
            raise Unavailable("GET /messages/unread answered without a list of results")
        found = []
        for entry in results:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("resource"), str):
                continue
            parts = entry["resource"].strip("/").split("/")
            pack_id = read_id(parts[1]) if len(parts) >= 2 and parts[0] == "packs" else None
            count = entry.get("count")
            if pack_id is not None and isinstance(count, int) and not isinstance(count, bool):
                found.append(UnreadCount(pack_id, count))
        return tuple(found)


def _counterpart(listed: list[Any], seller_id: int) -> int | None:
    """The other party of a seller's conversation, as its messages name it (for the 2019
    shape, whose messages have no `to`)."""
    for entry in listed:
        if not isinstance(entry, Mapping):
            continue
        for end in (entry.get("from"), entry.get("to")):
            for party in end if isinstance(end, list) else [end]:
                found = read_id(party.get("user_id") if isinstance(party, Mapping) else None)
                if found is not None and found != seller_id:
                    return found
    return None


def _to_of(body: Any) -> Any:
    if not isinstance(body, Mapping):
        return None
    to = body.get("to")
    if isinstance(to, list):
        to = to[0] if to else None
    return to.get("user_id") if isinstance(to, Mapping) else to


def _listed(body: Any) -> list[Any] | None:
    """A conversation page's messages: `messages` (§8.1 [DOC]), or `results` in the
    older listing [OBS: gpupo's 2016 mock-up]."""
    if not isinstance(body, Mapping):
        return None
    for key in ("messages", "results"):
        found = body.get(key)
        if isinstance(found, list):
            return found
    return None
