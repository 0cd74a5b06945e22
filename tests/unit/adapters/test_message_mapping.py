"""The message gateway reads every documented shape of §8 (tests/fixtures/mercadolibre/
messages/): conversations with their status, one message in both shapes, sent messages
without `from`, the older send answer (a one-message list), the action guide and the
unread lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.mercadolibre.client import MeliResponse
from adapters.mercadolibre.messages import AiohttpMessageGateway
from tests.unit.adapters.corpus_readers import load

ACCOUNT = 7


class CannedCalls:
    """AccountCalls answering one fixture's body to whatever is asked; the calls kept."""

    def __init__(self, body: Any) -> None:
        self.body = body
        self.asked: list[tuple[str, str, Any]] = []

    async def get(self, account_id: int, path: str, params: Any = None, headers: Any = None):
        self.asked.append(("GET", path, params))
        return self.body

    async def call(self, account_id: int, method: str, path: str, **options: Any):
        self.asked.append((method, path, options.get("params")))
        return MeliResponse(200, self.body)


def gateway(name: str) -> tuple[AiohttpMessageGateway, CannedCalls, dict]:
    fixture = load(f"messages/{name}")
    calls = CannedCalls(fixture["body"])
    return AiohttpMessageGateway(calls), calls, fixture  # type: ignore[arg-type]


async def test_a_conversation_reads_its_status_and_messages_oldest_first():
    gw, calls, fixture = gateway("pack_conversation.json")

    conversation = await gw.conversation(ACCOUNT, 415458330, 2000000089077943)

    assert conversation.status.status == "active" and not conversation.status.blocked
    assert conversation.seller_max_length == 350
    listed = fixture["body"]["messages"]
    assert {m.id for m in conversation.messages} == {m["id"] for m in listed}
    dates = [m.date_created for m in conversation.messages]
    assert dates == sorted(dates)
    # §8.1: the conversation is the path's pack, whatever `message_resources` names.
    assert {m.pack_id for m in conversation.messages} == {2000000089077943}
    assert calls.asked[0][2]["tag"] == "post_sale" and calls.asked[0][2]["mark_as_read"] == "false"


async def test_a_blocked_conversation_names_its_substatus_and_claim():
    gw, _, _ = gateway("pack_conversation_blocked.json")

    conversation = await gw.conversation(ACCOUNT, 32086568493, 22175467)

    assert conversation.status.blocked and conversation.status.substatus == "blocked_by_buyer"
    assert conversation.messages == ()


async def test_the_legacy_fields_of_a_conversation_are_read():
    gw, _, fixture = gateway("pack_conversation_mark_read_legacy_fields.json")

    conversation = await gw.conversation(
        ACCOUNT, 415458330, 2000000089077943, mark_as_read=True, buyer_id=415460047
    )

    ids = {m["id"] for m in fixture["body"]["messages"]}
    assert {m.id for m in conversation.messages} == ids
    message = next(m for m in conversation.messages if m.id == "2c92808469fea23a0169febf14580001")
    assert (message.from_user_id, message.to_user_id) == (415458330, 415460047)
    assert message.status == "in_moderation" and message.moderation_status == "non_moderated"
    assert message.moderation_reason is None
    assert message.attachments == ("415460047_a96d8dea-38cd-4402-938e-80a1c134fc5d.pdf",)


@pytest.mark.parametrize("name", ["message_by_id.json", "message_by_id_legacy.json"])
async def test_one_message_reads_in_either_shape(name):
    gw, _, fixture = gateway(name)
    body = fixture["body"]
    wanted = body["messages"][0]["id"] if "messages" in body else body["message_id"]

    read = await gw.get(ACCOUNT, wanted)

    assert read.message.id == wanted and read.message.account_id == ACCOUNT
    assert read.message.text and read.message.date_created.tzinfo is not None
    if name == "message_by_id_legacy.json":
        assert (read.message.pack_id, read.message.order_id) == (1234567871, 1234567871)
        assert read.message.text == "Ejemplo de texto" and read.status is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("action_guide_send_template.json", None),
        ("action_guide_send_moderated.json", "OUT_OF_PLACE_LANGUAGE"),
        ("action_guide_send_delivery_promise.json", None),
    ],
)
async def test_a_message_sent_through_the_action_guide_reads_without_from(name, reason):
    gw, calls, fixture = gateway(name)

    sent = await gw.send_option(ACCOUNT, 415458330, 2000000000000000, "OTHER", text="x")

    assert sent.from_user_id == 415458330 and sent.to_user_id == fixture["body"]["to"]["user_id"]
    assert sent.pack_id == 2000000000000000 and sent.moderation_reason == reason
    assert calls.asked[0][1] == "/messages/action_guide/packs/2000000000000000/option"


async def test_the_older_send_answer_is_a_one_message_list():
    gw, _, _ = gateway("legacy_send_answer.json")

    sent = await gw.send(ACCOUNT, 123456789, 1234567871, 123456780, "Ejemplo de texto")

    assert sent.id == "0033b582a1474fa98c02d229abcec43c" and sent.text == "Ejemplo de texto"
    assert sent.moderation_status == "non_moderated" and sent.order_id == 1234567871


@pytest.mark.parametrize("key", ["id", "message_id"])
async def test_a_send_answered_with_only_the_documented_fields_is_what_was_sent(key):
    """§8.2 [DOC-S]: the answer documents only `message_id`/`id`, `status`, `text` and
    `message_moderation`; the rest is what was sent, dated at the send."""
    answer = {
        key: "abc123",
        "status": "available",
        "text": "Tu factura",
        "message_moderation": {"status": "clean"},
    }
    before = datetime.now(UTC)
    gw = AiohttpMessageGateway(CannedCalls(answer))  # type: ignore[arg-type]

    sent = await gw.send(ACCOUNT, 11, 2000000089077943, 22, "Tu factura", ("11_f.pdf",))

    assert (sent.id, sent.pack_id, sent.from_user_id, sent.to_user_id) == (
        "abc123",
        2000000089077943,
        11,
        22,
    )
    assert sent.attachments == ("11_f.pdf",) and sent.moderation_status == "clean"
    assert before <= sent.date_created <= datetime.now(UTC)

    guided = await gw.send_option(ACCOUNT, 11, 2000000089077943, "OTHER", text="x", to_user_id=22)
    assert (guided.from_user_id, guided.to_user_id) == (11, 22)


async def test_older_conversation_pages_list_their_messages_under_results():
    """The 2016 listing kept the messages under `results` [OBS]."""
    gw, _, fixture = gateway("pack_conversation.json")
    body = dict(fixture["body"])
    body["results"] = body.pop("messages")
    gw = AiohttpMessageGateway(CannedCalls(body))  # type: ignore[arg-type]

    conversation = await gw.conversation(ACCOUNT, 415458330, 2000000089077943)

    assert {m.id for m in conversation.messages} == {m["id"] for m in body["results"]}


async def test_the_action_guide_lists_every_option():
    gw, _, fixture = gateway("action_guide_options.json")

    options = await gw.options(ACCOUNT, 20000000000)

    assert [o.id for o in options] == [o["id"] for o in fixture["body"]["options"]]
    first = options[0]
    assert first.type == "template" and first.templates == ("TEMPLATE___REQUEST_VARIANTS___1",)
    assert all(o.type in ("template", "free_text") for o in options)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unread.json", [(1977056109, 1)]),
        ("unread_by_resource.json", [(1234, 1)]),
        ("unread_empty.json", []),
    ],
)
async def test_the_unread_lists_read_as_conversations_and_counts(name, expected):
    gw, _, _ = gateway(name)

    assert [(u.pack_id, u.count) for u in await gw.unread(ACCOUNT)] == expected


async def test_an_upload_answers_its_attachment_id():
    gw, calls, _ = gateway("attachment_upload.json")

    found = await gw.upload(ACCOUNT, "MLB", "foto.jpg", b"\xff\xd8\xff")

    assert found == "210438685_59f0f034-db1b-4ea6-8c5e-1d34e2092482.jpg"
    assert calls.asked[0][2] == {"tag": "post_sale", "site_id": "MLB"}
