"""Post-sale messaging (§8)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import FormData

from sandbox.config import SandboxConfig
from tests.sandbox.conftest import MakeSandbox, Sandbox
from tests.sandbox.images import png

BLOCKED = {
    "status_code": 403,
    "code": "forbidden",
    "message": "blocked_conversation_send_message_forbidden",
}
TAG = {"tag": "post_sale"}


async def paid_sale(sb: Sandbox, **fields: Any) -> dict[str, Any]:
    fields.setdefault("logistic_type", "cross_docking")
    return await sb.event("order", seller_id=sb.seller(), **fields)


def conversation_path(order: dict[str, Any], seller: int) -> str:
    return f"/messages/packs/{order['pack_id'] or order['id']}/sellers/{seller}"


def message(sb: Sandbox, order: dict[str, Any], text: str, **extra: Any) -> dict[str, Any]:
    return {
        "from": {"user_id": str(sb.seller())},
        "to": {"user_id": str(order["buyer"]["id"])},
        "text": text,
        **extra,
    }


async def test_every_messages_call_needs_the_post_sale_tag(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8, §12.7 (a /messages call without tag=post_sale ->
    400)."""
    order = await paid_sale(sandbox)
    path = conversation_path(order, sandbox.seller())
    for method, url, params in (
        ("GET", path, {}),
        ("GET", path, {"tag": "other"}),
        ("POST", path, {}),
        ("GET", "/messages/unread", {}),
        ("POST", "/messages/attachments", {}),
        ("GET", "/messages/attachments/x", {}),
    ):
        status, body = await sandbox.call(
            method, url, params=params, json=message(sandbox, order, "hola")
        )
        assert status == 400, (method, url)
        assert body["status"] == 400 and "post_sale" in body["message"]


async def test_conversation_shape_and_paging(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.1 (paging, conversation_status, messages,
    seller_max_message_length 350, buyer_max_message_length 3500)."""
    seller = sandbox.seller()
    order = await paid_sale(sandbox)
    for n in range(3):
        await sandbox.event("message", seller_id=seller, order_id=order["id"], text=f"m{n}")
    path = conversation_path(order, seller)
    status, body = await sandbox.get(path, params={**TAG, "limit": "2", "mark_as_read": "false"})
    assert status == 200
    assert body["paging"] == {"limit": 2, "offset": 0, "total": 3}
    conversation = body["conversation_status"]
    assert conversation["path"] == f"/packs/{order['pack_id']}/seller/{seller}"
    assert (conversation["status"], conversation["substatus"]) == ("active", None)
    assert conversation["shipping_id"] == order["shipping"]["id"]
    assert (body["seller_max_message_length"], body["buyer_max_message_length"]) == (350, 3500)
    first = body["messages"][0]
    for key in (
        "id",
        "site_id",
        "client_id",
        "from",
        "to",
        "status",
        "text",
        "message_date",
        "message_moderation",
        "message_attachments",
        "message_resources",
        "conversation_first_message",
    ):
        assert key in first, key
    assert [m["text"] for m in body["messages"]] == ["m2", "m1"]
    assert first["from"] == {"user_id": order["buyer"]["id"]} and first["to"] == {"user_id": seller}
    assert first["message_resources"] == [
        {"id": str(order["pack_id"]), "name": "packs"},
        {"id": str(seller), "name": "sellers"},
    ]
    _, rest = await sandbox.get(path, params={**TAG, "offset": "2", "mark_as_read": "false"})
    assert [m["text"] for m in rest["messages"]] == ["m0"]
    assert rest["messages"][0]["conversation_first_message"] is True


async def test_reading_marks_messages_read_unless_asked_not_to(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.1, §8.4 (reading marks messages read unless
    mark_as_read=false; /messages/unread counts reflect it)."""
    seller = sandbox.seller()
    order = await paid_sale(sandbox)
    await sandbox.event("message", seller_id=seller, order_id=order["id"], text="¿Llega hoy?")
    resource = f"/packs/{order['pack_id']}/sellers/{seller}"

    async def unread() -> int:
        status, body = await sandbox.get("/messages/unread", params={**TAG, "role": "seller"})
        assert status == 200 and body["user_id"] == seller
        return next((r["count"] for r in body["results"] if r["resource"] == resource), 0)

    assert await unread() == 1
    path = conversation_path(order, seller)
    _, body = await sandbox.get(path, params={**TAG, "mark_as_read": "false"})
    assert body["messages"][0]["message_date"]["read"] is None
    assert await unread() == 1
    status, one = await sandbox.get(
        f"/messages/unread/packs/{order['pack_id']}/sellers/{seller}", params=TAG
    )
    assert status == 200 and one["results"] == [{"resource": resource, "count": 1}]
    _, body = await sandbox.get(path, params=TAG)
    assert body["messages"][0]["message_date"]["read"] is not None
    assert await unread() == 0


async def test_seller_message_of_350_characters_but_not_351(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.2 (max 350 characters; "The message content is too
    long, max characters allowed are 350")."""
    order = await paid_sale(sandbox)
    path = conversation_path(order, sandbox.seller())
    status, body = await sandbox.post(path, params=TAG, json=message(sandbox, order, "a" * 350))
    assert status == 201
    assert body["text"] == "a" * 350 and body["status"] == "available"
    assert body["from"] == {"user_id": sandbox.seller()}
    assert body["message_moderation"]["status"] == "clean"
    status, body = await sandbox.post(path, params=TAG, json=message(sandbox, order, "a" * 351))
    assert status == 400
    assert body["message"] == "The message content is too long, max characters allowed are 350"


async def test_a_sent_message_is_answered_whole_or_with_its_documented_fields(
    make_sandbox: MakeSandbox,
) -> None:
    """ref: mercadolibre-api.md §8.2 (the answer: documented fields `message_id`/`id`,
    `status`, `text`, `message_moderation` [DOC-S]): `documented` answers only those,
    `varied` (the default) draws between them and the whole message, per message and
    repeatably, and PATCH /_sandbox/config switches; anything else is refused."""
    assert SandboxConfig().message_answers == "varied"
    sb = await make_sandbox(message_answers="documented")
    await sb.login()
    order = await paid_sale(sb)
    path = conversation_path(order, sb.seller())
    keys = set()
    for n in range(8):
        status, body = await sb.post(path, params=TAG, json=message(sb, order, f"m{n}"))
        assert status == 201
        [named] = {"id", "message_id"} & set(body)
        keys.add(named)
        assert set(body) == {named, "status", "text", "message_moderation"}
        assert (body["text"], body["status"]) == (f"m{n}", "available")
        assert body["message_moderation"]["status"] == "clean"
        assert (await sb.get(f"/messages/{body[named]}", params=TAG))[0] == 200
    assert keys == {"id", "message_id"}

    status, config = await sb.call("PATCH", "/_sandbox/config", json={"message_answers": "varied"})
    assert (status, config["message_answers"]) == (200, "varied")
    shapes = set()
    for n in range(12):
        _, body = await sb.post(path, params=TAG, json=message(sb, order, f"v{n}"))
        shapes.add("from" in body)
    assert shapes == {True, False}
    status, _ = await sb.call("PATCH", "/_sandbox/config", json={"message_answers": "odd"})
    assert status == 400 and sb.config.message_answers == "varied"


async def test_the_error_table_of_sending(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.2 (the documented 400 and 403 messages)."""
    order = await paid_sale(sandbox)
    path = conversation_path(order, sandbox.seller())
    seller, buyer = sandbox.seller(), order["buyer"]["id"]
    other_user = sandbox.seller(1)
    cases = [
        (None, 400, "A JSON body is required"),
        ({"to": {"user_id": buyer}, "text": "a"}, 400, "The field 'from' is required"),
        ({"from": {"user_id": seller}, "text": "a"}, 400, "The field 'to.user_id' is required"),
        (
            {"from": {"user_id": seller}, "to": {"user_id": "nope"}, "text": "a"},
            400,
            "Invalid 'to' user id",
        ),
        (
            {"from": {"user_id": seller}, "to": {"user_id": seller}, "text": "a"},
            400,
            "Sender and received must not be equals",
        ),
        (
            {"from": {"user_id": other_user}, "to": {"user_id": buyer}, "text": "a"},
            403,
            f"Access denied for user {other_user} to order {order['pack_id']}",
        ),
        (
            {"from": {"user_id": seller}, "to": {"user_id": other_user}, "text": "a"},
            403,
            f"Receiver does not belong to order {order['pack_id']}",
        ),
        (
            {"from": {"user_id": seller}, "to": {"user_id": buyer}, "text": "Привет"},
            400,
            "The text has character/s that is/are not supported.",
        ),
        (
            {
                "from": {"user_id": seller},
                "to": {"user_id": buyer},
                "text": "a",
                "attachments": ["x"],
            },
            422,
            "Attachment key is invalid or not found",
        ),
    ]
    for body, status, text in cases:
        kwargs = {"data": b""} if body is None else {"json": body}
        got, answer = await sandbox.post(path, params=TAG, **kwargs)
        assert (got, answer["message"]) == (status, text), body
    # Latin-1 and emoji are fine.
    status, _ = await sandbox.post(path, params=TAG, json=message(sandbox, order, "¡Gracias! 😀"))
    assert status == 201


async def test_the_order_id_is_the_pack_id_of_an_order_without_pack(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.1, §5.4 (use the order id when pack_id is null)."""
    seller = sandbox.seller()
    order = sandbox.order_of(seller, lambda o: o.pack_id is None and o.status == "paid")
    path = f"/messages/packs/{order.id}/sellers/{seller}"
    body = {"from": {"user_id": seller}, "to": {"user_id": order.buyer_id}, "text": "Hola"}
    status, sent = await sandbox.post(path, params=TAG, json=body)
    assert status == 201
    assert sent["message_resources"][0] == {"id": str(order.id), "name": "packs"}
    _, listed = await sandbox.get(path, params=TAG)
    assert listed["conversation_status"]["path"] == f"/packs/{order.id}/seller/{seller}"
    assert (await sandbox.get(f"/messages/packs/1/sellers/{seller}", params=TAG))[0] == 404


async def test_another_sellers_conversation_is_denied(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.2 (403 "Access denied for user {from} to order
    {id}")."""
    other = sandbox.order_of(sandbox.seller(1), lambda o: True)
    key = other.pack_id or other.id
    status, body = await sandbox.get(
        f"/messages/packs/{key}/sellers/{sandbox.seller(1)}", params=TAG
    )
    assert status == 403 and body["message"].startswith("Access denied for user")


async def test_a_claim_blocks_the_conversation(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.2 (blocked conversation: the exact 403 body), §9.3
    claims."""
    order = await paid_sale(sandbox)
    claim = await sandbox.event("claim", seller_id=sandbox.seller(), order_id=order["id"])
    path = conversation_path(order, sandbox.seller())
    status, body = await sandbox.post(path, params=TAG, json=message(sandbox, order, "Hola"))
    assert (status, body) == (403, BLOCKED)
    _, listed = await sandbox.get(path, params=TAG)
    assert listed["conversation_status"]["status"] == "blocked"
    assert listed["conversation_status"]["claim_id"] == claim["id"]
    _, stored = await sandbox.get(f"/orders/{order['id']}")
    assert stored["mediations"] == [{"id": claim["id"]}]
    status, body = await sandbox.get(f"/post-purchase/v1/claims/{claim['id']}")
    assert status == 200 and body["resource_id"] == order["id"] and body["status"] == "opened"


async def test_a_cancelled_order_blocks_only_a_new_conversation(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.2 (cancelled orders: blocked, except conversations that
    existed before)."""
    seller = sandbox.seller()
    quiet = await paid_sale(sandbox)
    talked = await paid_sale(sandbox)
    await sandbox.event("message", seller_id=seller, order_id=talked["id"])
    for order in (quiet, talked):
        await sandbox.event("payment", seller_id=seller, order_id=order["id"], status="refunded")
    path = conversation_path(quiet, seller)
    status, body = await sandbox.post(path, params=TAG, json=message(sandbox, quiet, "Hola"))
    assert (status, body) == (403, BLOCKED)
    path = conversation_path(talked, seller)
    status, _ = await sandbox.post(path, params=TAG, json=message(sandbox, talked, "Hola"))
    assert status == 201


async def test_fulfillment_orders_wait_for_the_delivery(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.2 (403 "...Mercado Envíos Full and has not been yet
    delivered")."""
    order = await paid_sale(sandbox, mode="me2", logistic_type="fulfillment")
    path = conversation_path(order, sandbox.seller())
    status, body = await sandbox.post(path, params=TAG, json=message(sandbox, order, "Hola"))
    assert status == 403 and "has not been yet delivered" in body["message"]


async def test_who_starts_a_conversation_is_configurable(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §8.3 (the docs disagree on whether the seller may start
    a conversation; off: the buyer must) [INF]."""
    sb = await make_sandbox(seller_may_start_conversation=False)
    await sb.login()
    order = await paid_sale(sb)
    path = conversation_path(order, sb.seller())
    status, body = await sb.post(path, params=TAG, json=message(sb, order, "Hola"))
    assert status == 403 and body["message"] == "blocked_by_conversation_started_by_seller"
    await sb.event("message", seller_id=sb.seller(), order_id=order["id"])
    assert (await sb.post(path, params=TAG, json=message(sb, order, "Hola")))[0] == 201


async def test_one_message_by_id(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.4 (GET /messages/{id}: §8.1 shape with paging null;
    400 for an id that does not exist)."""
    order = await paid_sale(sandbox)
    sent = await sandbox.event("message", seller_id=sandbox.seller(), order_id=order["id"])
    status, body = await sandbox.get(f"/messages/{sent['id']}", params=TAG)
    assert status == 200 and body["paging"] is None
    assert [m["id"] for m in body["messages"]] == [sent["id"]]
    assert (await sandbox.get(f"/messages/{'0' * 32}", params=TAG))[0] == 400
    # Not a message id: a path the sandbox does not simulate.
    assert (await sandbox.get("/messages/nope", params=TAG))[0] == 501


async def upload(sb: Sandbox, data: bytes, filename: str, content_type: str) -> tuple[int, Any]:
    form = FormData()
    form.add_field("file", data, filename=filename, content_type=content_type)
    return await sb.post("/messages/attachments", params={**TAG, "site_id": "MLA"}, data=form)


async def test_attachments_upload_download_and_send(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.4 (POST /messages/attachments multipart file -> {id:
    <user_id>_<uuid>.<ext>}; GET /messages/attachments/{id})."""
    picture = png(600, 600)
    status, body = await upload(sandbox, picture, "foto.png", "image/png")
    assert status == 201
    attachment = body["id"]
    assert re.fullmatch(rf"{sandbox.seller()}_[0-9a-f-]{{36}}\.png", attachment)
    response = await sandbox.client.get(
        f"/messages/attachments/{attachment}",
        params={**TAG, "site_id": "MLA"},
        headers=sandbox.headers(),
    )
    assert response.status == 200 and response.content_type == "image/png"
    assert await response.read() == picture
    order = await paid_sale(sandbox)
    path = conversation_path(order, sandbox.seller())
    status, sent = await sandbox.post(
        path, params=TAG, json=message(sandbox, order, "La factura", attachments=[attachment])
    )
    assert status == 201
    assert sent["message_attachments"][0]["filename"] == attachment
    assert sent["message_attachments"][0]["original_filename"] == "foto.png"
    # The buyer of the conversation may read it too.
    await sandbox.login(order["buyer"]["id"])
    response = await sandbox.client.get(
        f"/messages/attachments/{attachment}", params=TAG, headers=sandbox.headers()
    )
    assert response.status == 200
    status, body = await sandbox.get("/messages/attachments/123_nope.png", params=TAG)
    assert (status, body["message"]) == (422, "Attachment key is invalid or not found")


async def test_attachment_types_and_size(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.4 (JPG, PNG, PDF, TXT; at most 25 MB; file name at most
    200 characters)."""
    for data, name, kind in (
        (b"%PDF-1.4 minimal", "factura.pdf", "application/pdf"),
        (b"hola", "nota.txt", "text/plain"),
        (b"\xff\xd8\xff\xe0 jpeg", "foto.jpeg", "image/jpeg"),
    ):
        status, body = await upload(sandbox, data, name, kind)
        assert status == 201, body
    assert (await upload(sandbox, b"GIF89a", "x.gif", "image/gif"))[0] == 400
    assert (await upload(sandbox, b"not a pdf", "x.pdf", "application/pdf"))[0] == 400
    assert (await upload(sandbox, b"x", "a" * 197 + ".txt", "text/plain"))[0] == 400
    big = b"a" * (25 * 1024 * 1024 + 1)
    status, body = await upload(sandbox, big, "big.txt", "text/plain")
    assert status == 400 and "25 MB" in body["message"]
    status, _ = await upload(sandbox, b"a" * (25 * 1024 * 1024), "edge.txt", "text/plain")
    assert status == 201


async def test_unlinked_attachments_expire_after_48_hours(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.4 (an attachment not linked within 48 h is deleted)."""
    _, body = await upload(sandbox, b"hola", "nota.txt", "text/plain")
    sandbox.advance(48 * 3600 - 60)
    assert (await sandbox.login()) and (
        await sandbox.get(f"/messages/attachments/{body['id']}", params=TAG)
    )[0] == 200
    sandbox.advance(61)
    status, answer = await sandbox.get(f"/messages/attachments/{body['id']}", params=TAG)
    assert (status, answer["message"]) == (422, "Attachment key is invalid or not found")


async def test_messaging_has_its_own_500_rpm_buckets(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §2.4, §12.3 (messaging: GET resources share 500 rpm,
    POST/PUT resources another 500 rpm)."""
    sb = await make_sandbox(rate_limit=0)
    await sb.login()
    served = 0
    while True:
        status, body = await sb.get("/messages/unread", params=TAG)
        if status != 200:
            break
        served += 1
        assert served < 600
    assert (status, body["error"]) == (429, "local_rate_limited")
    # The bucket holds 500; it refills at 500 a minute while the loop runs.
    assert 500 <= served < 540
    # The POST bucket is another one; non-messaging routes are not affected.
    status, _ = await upload(sb, b"hola", "nota.txt", "text/plain")
    assert status == 201
    assert (await sb.get("/users/me"))[0] == 200
    sb.advance(60)
    assert (await sb.get("/messages/unread", params=TAG))[0] == 200
