"""§8: post-sale messaging. Every call needs `tag=post_sale` (§8, §12.7); GETs share a
500 rpm bucket and POSTs another (§2.4, §12.3)."""

from __future__ import annotations

from aiohttp import web

from sandbox.errors import ApiError, api_error, bad_request
from sandbox.http import access_of, caller, json_body, path, rate_group, respond, state_of
from sandbox.messaging import Conversation, check_outgoing, missing_tag

# §2.4: the messaging limits, per application.
MESSAGING_RPM = 500
read_bucket = rate_group("messaging_get", MESSAGING_RPM)
write_bucket = rate_group("messaging_post", MESSAGING_RPM)


def require_tag(request: web.Request) -> None:
    if request.query.get("tag") != "post_sale":
        raise missing_tag()


def access_denied(user_id: int, key: object) -> ApiError:
    """§8.2: 403 "Access denied for user {from} to order {id}"."""
    return api_error(403, "forbidden", f"Access denied for user {user_id} to order {key}")


def conversation_in_path(request: web.Request, *, seller_only: bool) -> Conversation:
    """The conversation of `/packs/{pack_id}/sellers/{seller_id}`; the path's seller must
    be the conversation's, and the caller its seller (or, to read, its buyer)."""
    state = state_of(request)
    user_id = access_of(request).user_id
    key = request.match_info["pack_id"]
    seller = request.match_info["seller_id"]
    conversation = state.market.messaging.conversation(key)
    if not seller.isdigit() or int(seller) != conversation.seller_id:
        raise access_denied(user_id, key)
    allowed = (
        (conversation.seller_id,)
        if seller_only
        else (
            conversation.seller_id,
            conversation.buyer_id,
        )
    )
    if user_id not in allowed:
        raise access_denied(user_id, key)
    return conversation


def paging(request: web.Request, default: int) -> tuple[int, int]:
    values = []
    for name, fallback in (("offset", 0), ("limit", default)):
        raw = request.query.get(name)
        if raw is None or raw == "":
            values.append(fallback)
        elif not raw.isdigit():
            raise bad_request(f"Invalid {name}: {raw}")
        else:
            values.append(int(raw))
    offset, limit = values
    cap = state_of(request).config.search_max_limit
    if not 1 <= limit <= cap:
        raise bad_request(f"limit must be between 1 and {cap}")
    return offset, limit


@read_bucket
async def conversation(request: web.Request) -> web.Response:
    """§8.1: the conversation, newest first, with paging and conversation_status;
    reading marks the reader's messages read unless mark_as_read=false."""
    require_tag(request)
    state = state_of(request)
    conv = conversation_in_path(request, seller_only=False)
    offset, limit = paging(request, 10)
    if request.query.get("mark_as_read", "true") != "false":
        state.market.messaging.mark_read(conv, access_of(request).user_id)
    viewer = access_of(request).user_id
    return respond(request, conv.page_json(offset, limit, viewer), trimmed=False)


@write_bucket
async def send(request: web.Request) -> web.Response:
    """§8.2: the seller writes to the buyer (or the country agent); 350 characters at
    most; the created message [INF: 201], whole or only its documented fields
    (`message_answers`)."""
    require_tag(request)
    state = state_of(request)
    conv = conversation_in_path(request, seller_only=False)
    body = await json_body(request)
    outgoing = check_outgoing(body, conv, lambda user_id: state.user(user_id) is not None)
    if access_of(request).user_id != outgoing.from_id:
        raise access_denied(outgoing.from_id, conv.key)
    message = state.market.messaging.send(conv, outgoing, access_of(request).client_id)
    return respond(request, message.as_sent(state.config.message_answers), 201)


@read_bucket
async def unread(request: web.Request) -> web.Response:
    """§8.4: GET /messages/unread?role=seller|buyer -> `{user_id, results:[{resource,
    count}]}`."""
    require_tag(request)
    role = request.query.get("role", "seller")
    if role not in ("seller", "buyer"):
        raise bad_request("role must be seller or buyer")
    user_id = access_of(request).user_id
    results = state_of(request).market.messaging.unread(user_id, role)
    return respond(request, {"user_id": user_id, "results": results}, trimmed=False)


@read_bucket
async def unread_of_conversation(request: web.Request) -> web.Response:
    """§8.4: the same, for one conversation."""
    require_tag(request)
    conv = conversation_in_path(request, seller_only=False)
    user_id = access_of(request).user_id
    count = len(conv.unread_for(user_id))
    results = [{"resource": conv.resource, "count": count}] if count else []
    return respond(request, {"user_id": user_id, "results": results}, trimmed=False)


@read_bucket
async def message(request: web.Request) -> web.Response:
    """§8.4: GET /messages/{id}: the §8.1 shape with `paging: null`; 400 for an id that
    does not exist, 403 for another user's message."""
    require_tag(request)
    state = state_of(request)
    found = state.market.messages.get(request.match_info["message_id"])
    if found is None:
        raise bad_request("The message id does not exist")
    conv = found.conversation
    user_id = access_of(request).user_id
    if user_id not in (conv.seller_id, conv.buyer_id):
        raise access_denied(user_id, conv.key)
    body = conv.page_json(0, 1)
    body["paging"] = None
    body["messages"] = [found.as_json()]
    return respond(request, body, trimmed=False)


@write_bucket
async def upload(request: web.Request) -> web.Response:
    """§8.4: POST /messages/attachments?tag=post_sale&site_id=, multipart `file`; JPG,
    PNG, PDF or TXT up to 25 MB -> `{"id": "<user_id>_<uuid>.<ext>"}` [INF: 201]."""
    require_tag(request)
    state = state_of(request)
    user = caller(request)
    if not request.content_type.startswith("multipart/"):
        raise bad_request("The file must be sent as multipart/form-data in the field 'file'")
    form = await request.post()
    field = form.get("file")
    if field is None or isinstance(field, str | bytes | bytearray):
        raise bad_request("The multipart field 'file' is required")
    attachment = state.market.messaging.upload_attachment(
        user, field.filename or "", field.file.read()
    )
    return respond(request, {"id": attachment.id}, 201, trimmed=False)


@read_bucket
async def download(request: web.Request) -> web.Response:
    """§8.4: GET /messages/attachments/{id}?tag=post_sale&site_id=: the file."""
    require_tag(request)
    state = state_of(request)
    attachment = state.market.messaging.attachment(request.match_info["attachment_id"])
    user_id = access_of(request).user_id
    if not state.market.messaging.may_read_attachment(attachment, user_id):
        raise api_error(403, "forbidden", f"Access denied for user {user_id} to attachment")
    return web.Response(
        body=attachment.data,
        content_type=attachment.content_type,
        headers={"Content-Disposition": f'attachment; filename="{attachment.id}"'},
    )


@read_bucket
async def action_guide(request: web.Request) -> web.Response:
    """§8.3 GET /messages/action_guide/packs/{pack_id}: the reasons to write first."""
    require_tag(request)
    state = state_of(request)
    conv = seller_conversation(request)
    return respond(request, {"options": state.market.messaging.options(conv)}, trimmed=False)


@write_bucket
async def action_guide_send(request: web.Request) -> web.Response:
    """§8.3 POST /messages/action_guide/packs/{pack_id}/option {option_id, text |
    template_id}: the created message (the documented answer: no `from`, `to` with a
    name)."""
    require_tag(request)
    state = state_of(request)
    conv = seller_conversation(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("A JSON body is required")
    message = state.market.messaging.send_option(conv, body, access_of(request).client_id)
    answer = message.as_json()
    del answer["from"]
    return respond(request, answer, 201)


def seller_conversation(request: web.Request) -> Conversation:
    state = state_of(request)
    user_id = access_of(request).user_id
    key = request.match_info["pack_id"]
    conv = state.market.messaging.conversation(key)
    if user_id != conv.seller_id:
        raise access_denied(user_id, key)
    return conv


def register(app: web.Application) -> None:
    router = app.router
    router.add_get("/messages/unread", unread)
    router.add_get(
        path("/messages/unread/packs/{pack_id:number}/sellers/{seller_id:number}"),
        unread_of_conversation,
    )
    router.add_get(path("/messages/action_guide/packs/{pack_id:number}"), action_guide)
    router.add_post(path("/messages/action_guide/packs/{pack_id:number}/option"), action_guide_send)
    router.add_post("/messages/attachments", upload)
    router.add_get("/messages/attachments/{attachment_id}", download)
    router.add_get(
        path("/messages/packs/{pack_id:number}/sellers/{seller_id:number}"), conversation
    )
    router.add_post(path("/messages/packs/{pack_id:number}/sellers/{seller_id:number}"), send)
    router.add_get(path("/messages/{message_id:message}"), message)
