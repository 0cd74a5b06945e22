"""Whatever text MercadoLibre sends can be stored (house style rule 13; mercadolibre-api.md
§0.3): arbitrary Unicode, NUL and lone UTF-16 surrogates included, fed as the JSON bytes
MercadoLibre would send through every reader of the gateway into every repository, on
PostgreSQL too. A body a reader refuses is that record's error (Unavailable, or a 400 for
a notification), never a crash and never a failed write."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.mercadolibre.client import _decode
from adapters.mercadolibre.converter import structure
from adapters.mercadolibre.errors import translate
from adapters.mercadolibre.item_mapping import to_listing
from adapters.mercadolibre.wire import DescriptionAnswer, ItemAnswer, UserAnswer
from application.errors import Unavailable
from domain.accounts import Account
from domain.notifications import InboxEntry, InboxStatus
from domain.resources import ResourceSnapshot
from domain.sync import SyncKind, SyncLog, SyncTrigger
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.routes.webhooks import parse_notification

from .builders import NOW

# Every code point, surrogates (category Cs) and NUL included.
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
UNSTORABLE = st.sampled_from(["\x00", "\ud800", "\udfff", "\udbff\x00", "\ud83d"])
TEXT = st.lists(ANY_CHARACTER | UNSTORABLE, max_size=40).map("".join)
SHORT = st.lists(ANY_CHARACTER | UNSTORABLE, min_size=1, max_size=12).map("".join)
SELLERS = itertools.count(3_000_000_001)


def as_sent(body: Any) -> bytes:
    """The bytes MercadoLibre sends: JSON with every non-ASCII character escaped, a lone
    surrogate as `\\ud800`."""
    return json.dumps(body, ensure_ascii=True).encode()


def item_body(seller_id: int, title: str, text: str, short: str) -> dict[str, Any]:
    return {
        "id": "MLA1000000001",
        "seller_id": seller_id,
        "title": title,
        "category_id": "MLA3530",
        "price": 350,
        "currency_id": "ARS",
        "available_quantity": 3,
        "status": short,
        "sub_status": [short],
        "permalink": text,
        "thumbnail": text,
        "pictures": [{"id": short, "secure_url": text}],
        "attributes": [
            {"id": "BRAND", "value_name": text, "name": short},
            {"id": short, "value_id": short, "value_name": None},
        ],
        "variations": [
            {
                "id": 17000000001,
                "attribute_combinations": [{"id": None, "name": short, "value_name": text}],
                "available_quantity": 1,
                "attributes": [{"id": "SELLER_SKU", "value_name": short}],
                "picture_ids": [short],
            }
        ],
        "seller_custom_field": short,
        "video_id": short,
        "tags": [short, text],
        short: {text: [text]},
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=TEXT, text=TEXT, short=SHORT)
async def test_any_text_from_mercadolibre_is_stored_or_refused_by_its_reader(
    uow_factory, title, text, short
):
    seller_id = next(SELLERS)

    # §3: a profile (GET /users/me) becomes an account.
    user = structure(
        _decode(as_sent({"id": seller_id, "nickname": short, "site_id": "MLA", "email": text})),
        UserAnswer,
        "GET /users/me",
    )
    async with uow_factory() as uow:
        account = await uow.accounts.add(Account(user.id, user.site_id, user.nickname))
        await uow.commit()
    assert account.id is not None
    async with uow_factory() as uow:
        assert (await uow.accounts.get(account.id)).nickname == user.nickname

    # §4.1, §4.7: an item and its description become a listing.
    raw_item = _decode(as_sent(item_body(seller_id, title, text, short)))
    description = structure(_decode(as_sent({"plain_text": text})), DescriptionAnswer, "GET")
    try:
        listing = to_listing(
            structure(raw_item, ItemAnswer, "GET /items/MLA1000000001"),
            account.id,
            description.plain_text,
        )
    except Unavailable as refused:
        assert "MLA1000000001" in str(refused)
    else:
        async with uow_factory() as uow:
            await uow.listings.upsert([listing])
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.listings.get(listing.item_id) == listing

    # §7, §9.2: a question read for a notification is kept as a snapshot.
    question = _decode(
        as_sent({"id": seller_id, "seller_id": seller_id, "text": text, short: [title]})
    )
    snapshot = ResourceSnapshot(f"/questions/{seller_id}", question, NOW, "questions", account.id)
    async with uow_factory() as uow:
        await uow.resources.upsert(snapshot)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.resources.find(snapshot.path)).body == question

    # §9.2: a notification POSTed to the webhook goes to the inbox, or is a 400.
    body = {
        "_id": f"{seller_id}-{short}",
        "resource": f"/questions/{seller_id}",
        "user_id": seller_id,
        "topic": "questions",
        "application_id": 1,
        "actions": [short, text],
        "sent": title,
    }
    try:
        notification = parse_notification(as_sent(body))
    except RequestInvalid as refused:
        assert refused.errors
    else:
        async with uow_factory() as uow:
            entry, _ = await uow.inbox.add(InboxEntry(notification, InboxStatus.RECEIVED, NOW))
            await uow.commit()
        async with uow_factory() as uow:
            assert (await uow.inbox.get(entry.id)).notification == notification

    # §2.1: an error answer ends up as text in a sync log.
    error = translate(
        400,
        _decode(as_sent({"message": text, "error": short, "cause": [title, {"message": text}]})),
        "PUT",
        "/items/MLA1000000001",
    )
    log = SyncLog(SyncKind.PRODUCTS, SyncTrigger.API, NOW, account_id=account.id)
    log.record_error(f"MLA1000000001: {error}")
    async with uow_factory() as uow:
        log = await uow.sync_logs.add(log)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.sync_logs.get(log.id)).errors == log.errors
