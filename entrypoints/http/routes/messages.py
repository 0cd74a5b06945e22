"""Post-sale messages (mercadolibre-api.md §8): an order's conversation, sending exactly
once, attachments, reading, unread conversations and the action guide's options."""

from __future__ import annotations

import attrs
from aiohttp import web

from application.messages.commands import SendMessageCommand
from application.messages.upload_attachment import MAX_BYTES, MAX_NAME
from domain.messages import MAX_ATTACHMENTS, SELLER_MAX_LENGTH
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import MAX_ID, Endpoint, Param, Reply, limited
from entrypoints.http.message_views import (
    AttachmentView,
    ConversationJson,
    MessageOptionList,
    SentJson,
    UnreadList,
    conversation_json,
    option_list,
    sent_json,
    unread_json,
)
from entrypoints.http.params import path_int, path_str, query_bool, query_int
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.uploads import read_file


@attrs.define
class MessageBody:
    """`{"text"}` or `{"template_id", "variables"?}` (a template of kind message), with
    optional `attachments` (ids from the upload) and `option_id` (§8.3's reason to write
    first)."""

    text: str | None = limited(None, max_length=SELLER_MAX_LENGTH * 4)
    template_id: int | None = limited(None, minimum=1, maximum=MAX_ID)
    variables: dict[str, str] = attrs.field(factory=dict)
    attachments: list[str] = limited(factory=list, max_items=MAX_ATTACHMENTS)
    option_id: str | None = limited(None, min_length=1, max_length=64)


ORDER_ID = Param.id("order_id", "MercadoLibre's order id")
ACCOUNT = Param.id("account_id", "Only this connected account's orders", "query")
REQUIRED_ACCOUNT = Param(
    "account_id", "Account", "integer", required=True, minimum=1, maximum=MAX_ID
)
ATTACHMENT_ID = Param(
    "attachment_id",
    "The attachment's id",
    location="path",
    max_length=250,
    pattern=r"^[A-Za-z0-9_.-]+$",
)
MARK_READ = Param("mark_as_read", "Mark the buyer's messages read (default false)", "boolean")
REFRESH = Param("refresh", "Read MercadoLibre's unread list first (default false)", "boolean")


async def get_messages(request: web.Request) -> web.Response:
    view = await container_of(request).get_conversation()(
        path_int(request, ORDER_ID),
        query_int(request, ACCOUNT),
        mark_as_read=bool(query_bool(request, MARK_READ)),
    )
    return json_response(conversation_json(view))


async def send_message(request: web.Request) -> web.Response:
    body = await read_body(request, MessageBody)
    sent = await container_of(request).send_message()(
        SendMessageCommand(
            order_id=path_int(request, ORDER_ID),
            text=body.text,
            template_id=body.template_id,
            variables=dict(body.variables),
            attachments=tuple(body.attachments),
            option_id=body.option_id,
            account_id=query_int(request, ACCOUNT),
        )
    )
    return json_response(sent_json(sent), status=201)


async def read_upload(request: web.Request, field: str) -> tuple[str, bytes]:
    """The file of a multipart/form-data body, read up to the limit and no further."""
    if not request.content_type.startswith("multipart/"):
        raise RequestInvalid(f"send the file as multipart/form-data in the field {field!r}")
    return await read_file(
        request,
        field,
        MAX_BYTES,
        RequestInvalid(
            f"the file is larger than {MAX_BYTES} bytes (25 MB)",
            [{"field": field, "reason": "must be at most 25 MB (§8.4)"}],
            status=413,
            close_connection=True,
        ),
        RequestInvalid(f"the multipart body has no {field!r} file"),
    )


async def upload_attachment(request: web.Request) -> web.Response:
    filename, content = await read_upload(request, "file")
    attachment_id = await container_of(request).upload_attachment()(
        path_int(request, ORDER_ID), filename, content, query_int(request, ACCOUNT)
    )
    return json_response(AttachmentView(attachment_id, filename, len(content)), status=201)


async def download_attachment(request: web.Request) -> web.Response:
    download = await container_of(request).download_attachment()(
        path_int(request, ORDER_ID), path_str(request, ATTACHMENT_ID), query_int(request, ACCOUNT)
    )
    return web.Response(
        body=download.content,
        content_type=download.content_type,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )


async def mark_read(request: web.Request) -> web.Response:
    view = await container_of(request).mark_conversation_read()(
        path_int(request, ORDER_ID), query_int(request, ACCOUNT)
    )
    return json_response(conversation_json(view))


async def list_unread(request: web.Request) -> web.Response:
    account_id = query_int(request, REQUIRED_ACCOUNT)
    assert account_id is not None
    found = await container_of(request).list_unread()(
        account_id, refresh=bool(query_bool(request, REFRESH))
    )
    return json_response(unread_json(found))


async def list_options(request: web.Request) -> web.Response:
    options = await container_of(request).list_message_options()(
        path_int(request, ORDER_ID), query_int(request, ACCOUNT)
    )
    return json_response(option_list(options))


TAG = "messages"
NO_ORDER = Reply("No such order (or another account's)")

ENDPOINTS = (
    Endpoint(
        "GET",
        "/orders/{order_id}/messages",
        get_messages,
        "The order's conversation, oldest first, with its status and whom the seller writes to",
        TAG,
        params=(ORDER_ID, ACCOUNT, MARK_READ),
        description="Read from MercadoLibre (the pack's conversation, or the order's when "
        "it has no pack) and stored; the stored copy when MercadoLibre does not answer. "
        "The buyer's messages are marked read only with mark_as_read=true.",
        replies={200: Reply("The conversation", ConversationJson), 404: NO_ORDER},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "POST",
        "/orders/{order_id}/messages",
        send_message,
        "Send a message to the buyer (or MercadoLibre's agent), exactly once",
        TAG,
        params=(ORDER_ID, ACCOUNT),
        body=MessageBody,
        description="Checked first, changing nothing: 350 characters of ISO-8859-1 and "
        "emoji, at most 25 attachments (422 naming the field); a blocked conversation, a "
        "cancelled order without an earlier conversation or another message on its way "
        "(409 with `rule`). MercadoLibre's 403 reasons come back as 409 with its message; "
        "the hourly quota of 500 messages as 429 with Retry-After.",
        replies={
            201: Reply("Sent: the send as recorded and the message", SentJson),
            404: NO_ORDER,
            409: Reply("The conversation takes no message now; `rule` says why"),
        },
        calls_mercadolibre=True,
    ),
    Endpoint(
        "POST",
        "/orders/{order_id}/messages/attachments",
        upload_attachment,
        "Upload a file to attach to a message (JPG, PNG, PDF or TXT, at most 25 MB)",
        TAG,
        params=(ORDER_ID, ACCOUNT),
        upload="file",
        description=f"Multipart field `file`, a name of at most {MAX_NAME} characters; "
        "checked before anything is sent (413, 415). Name its id in a message within 48 "
        "hours: MercadoLibre deletes it otherwise.",
        replies={201: Reply("Uploaded", AttachmentView), 404: NO_ORDER},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "GET",
        "/orders/{order_id}/messages/attachments/{attachment_id}",
        download_attachment,
        "Download an attachment of the order's conversation",
        TAG,
        params=(ORDER_ID, ATTACHMENT_ID, ACCOUNT),
        replies={
            200: Reply("The file", content_type="application/octet-stream"),
            404: Reply("No such order or attachment"),
        },
        calls_mercadolibre=True,
    ),
    Endpoint(
        "POST",
        "/orders/{order_id}/messages/read",
        mark_read,
        "Mark the buyer's messages of the order's conversation read",
        TAG,
        params=(ORDER_ID, ACCOUNT),
        replies={200: Reply("The conversation, read", ConversationJson), 404: NO_ORDER},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "GET",
        "/orders/{order_id}/messages/options",
        list_options,
        "The reasons MercadoLibre lets the seller write first (its action guide)",
        TAG,
        params=(ORDER_ID, ACCOUNT),
        replies={200: Reply("The options", MessageOptionList), 404: NO_ORDER},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "GET",
        "/messages/unread",
        list_unread,
        "Conversations with buyer messages the seller has not read, oldest first",
        TAG,
        params=(REQUIRED_ACCOUNT, REFRESH),
        replies={200: Reply("The conversations", UnreadList), 404: Reply("No such account")},
        calls_mercadolibre=True,
    ),
)
