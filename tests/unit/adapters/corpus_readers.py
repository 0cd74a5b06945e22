"""The checks of tests/unit/adapters/test_fixture_corpus.py: each serves a documented
MercadoLibre body to the gateway's reader of its resource and says what it must give."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from adapters.mercadolibre import AiohttpOAuthGateway
from adapters.mercadolibre.client import _decode
from adapters.mercadolibre.converter import structure
from adapters.mercadolibre.item_mapping import to_listing
from adapters.mercadolibre.notifications import (
    CONTENT_ID_PREFIX,
    MalformedNotification,
    read_notification,
)
from adapters.mercadolibre.wire import DescriptionAnswer, ItemAnswer
from application.errors import (
    ApplicationError,
    Conflict,
    Forbidden,
    InvalidGrant,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from domain.listings import Listing
from domain.notifications import expected_resource
from domain.resources import belongs_to, parties

CORPUS_DIR = Path(__file__).parents[2] / "fixtures" / "mercadolibre"
ACCOUNT = 1
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    return json.loads((CORPUS_DIR / name).read_text(encoding="utf-8"))


def served_path(fixture: dict[str, Any]) -> str:
    """The fixture's path as a URL path: annotations (` (x-format-new)`) dropped and the
    documentation's placeholders (`$ITEM_ID`, `<any>`) filled in."""
    path = fixture["request"]["path"].split(" ")[0]
    path = re.sub(r"\$[A-Z_]+", "1", path)
    return path.replace("<any>", "any")


@attrs.define
class Gateways:
    meli: Any
    marketplace: Any
    listings: Any
    oauth: AiohttpOAuthGateway
    questions: Any
    orders: Any
    categories: Any


Check = Callable[[Gateways, str, dict[str, Any]], Awaitable[None]]


# -- the readers --------------------------------------------------------------------------


_ERROR_TYPES: dict[int, type[ApplicationError]] = {
    400: ValidationFailed,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
    500: Unavailable,
}


def _documented_causes(cause: Any) -> int:
    if isinstance(cause, dict | str):
        cause = [cause]
    if not isinstance(cause, list):
        return 0
    return sum(1 for c in cause if isinstance(c, dict) or (isinstance(c, str) and c.strip()))


async def error(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§2: the error answer of any call, translated by the client; it keeps MercadoLibre's
    status, code, message and causes (§2.1)."""
    status, body = fixture["status"], fixture["body"]
    method, path = fixture["request"]["method"], served_path(fixture)
    gw.meli.answer(method, path, status, body)
    with pytest.raises(ApplicationError) as caught:
        await gw.listings._calls.call(
            ACCOUNT, method, path, json_body={} if method != "GET" else None
        )
    assert isinstance(caught.value, _ERROR_TYPES[status]), caught.value
    refusal = caught.value.meli
    assert refusal is not None and refusal.status == status
    assert refusal.message and refusal.message != "None"
    texts = {body.get("message"), body.get("error"), body.get("error_description")}
    assert refusal.message in texts, (refusal.message, texts)
    assert len(refusal.causes) == _documented_causes(body.get("cause"))
    for cause in refusal.causes:
        assert cause.message or cause.code


async def cause_alone(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§2.1: one cause object as the docs show it, inside a validation error."""
    cause = fixture["body"]
    body = {"message": "Validation error", "error": "validation_error", "status": 400}
    gw.meli.answer("POST", "/items", 400, {**body, "cause": [cause]})
    with pytest.raises(ValidationFailed) as caught:
        await gw.listings._calls.call(ACCOUNT, "POST", "/items", json_body={})
    (kept,) = caught.value.meli.causes
    assert (kept.code, kept.message, kept.department) == (
        cause["code"],
        cause["message"],
        cause["department"],
    )
    assert kept.references == tuple(cause["references"]) and kept.cause_id == "2516"
    assert caught.value.problems[0].field == cause["references"][0]


def _same_listing(listing: Listing, body: dict[str, Any]) -> None:
    assert (listing.item_id, listing.seller_id) == (body["id"], body["seller_id"])
    assert listing.title == body["title"]
    assert len(listing.variations) == len(body.get("variations") or ())
    attributes = [*listing.attributes]
    for variation in listing.variations:
        attributes.extend(variation.attribute_combinations)
    for attribute in attributes:
        assert attribute.id != "None" and (attribute.id or attribute.name)
        assert "None" not in (attribute.value_id, attribute.value_name)


async def listing(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§4.1: GET /items/{id} through the listing gateway (its description is 404)."""
    body = fixture["body"]
    gw.meli.answer("GET", f"/items/{body['id']}", 200, body)
    _same_listing(await gw.listings.get_listing(ACCOUNT, body["id"]), body)


async def listing_answer(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§4.2: the answer of POST /items, read as create_listing reads it."""
    body = _decode(json.dumps(fixture["body"]).encode())
    _same_listing(to_listing(structure(body, ItemAnswer, "POST /items"), ACCOUNT), body)


def _multiget_ids(fixture: dict[str, Any]) -> list[str]:
    return fixture["request"]["query"]["ids"].split(",")


async def multiget_listings(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§4.11: GET /items?ids= through get_listings."""
    gw.meli.answer("GET", "/items", 200, fixture["body"])
    found = await gw.listings.get_listings(ACCOUNT, _multiget_ids(fixture))
    assert sorted(found) == sorted(_multiget_ids(fixture))
    for entry in fixture["body"]:
        _same_listing(found[entry["body"]["id"]], entry["body"])


async def multiget_stock(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§0.3 `attributes=`, §4.11: a trimmed multiget through get_stock."""
    gw.meli.answer("GET", "/items", 200, fixture["body"])
    found = await gw.listings.get_stock(ACCOUNT, _multiget_ids(fixture))
    assert sorted(found) == sorted(_multiget_ids(fixture))


async def scan(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§4.11: the seller's item search through scan_item_ids."""
    seller = int(fixture["body"]["seller_id"])
    gw.meli.answer("GET", f"/users/{seller}/items/search", 200, fixture["body"])
    page = await gw.listings.scan_item_ids(ACCOUNT, seller)
    assert list(page.item_ids) == fixture["body"]["results"]
    assert page.total == fixture["body"]["paging"]["total"]
    assert page.scroll_id == fixture["body"].get("scroll_id")


async def description(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§4.7: GET /items/{id}/description, as get_listing reads it."""
    body = _decode(json.dumps(fixture["body"]).encode())
    answer = structure(body, DescriptionAnswer, "GET /items/{id}/description")
    assert answer.plain_text == fixture["body"]["plain_text"]


async def predictor(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§4.9: the category predictor through predict_category."""
    gw.meli.answer("GET", "/sites/MLA/domain_discovery/search", 200, fixture["body"])
    (found,) = await gw.listings.predict_category(ACCOUNT, "MLA", "celular iphone", 1)
    assert found.category_id == fixture["body"][0]["category_id"]


async def category(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§4.9: GET /categories/{id} through the category gateway (path from the root,
    settings)."""
    body = fixture["body"]
    gw.meli.answer("GET", f"/categories/{body['id']}", 200, body)
    found = await gw.categories.get_category(ACCOUNT, body["id"])
    assert found.id == body["id"] and found.name == body["name"]
    assert [ref.id for ref in found.path_from_root] == [r["id"] for r in body["path_from_root"]]


async def category_attributes(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§4.2: GET /categories/{id}/attributes through the category gateway, every
    attribute kept with its values."""
    path = fixture["request"]["path"]
    category_id = path.split("/")[2]
    gw.meli.answer("GET", path, 200, fixture["body"])
    found = await gw.categories.get_attributes(ACCOUNT, category_id)
    assert [a.id for a in found] == [a["id"] for a in fixture["body"]]
    for attribute, body in zip(found, fixture["body"], strict=True):
        assert [v.id for v in attribute.values] == [v["id"] for v in body.get("values") or []]


async def profile(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§3: a user's profile, read as the OAuth gateway reads GET /users/me."""
    body = fixture["body"]
    gw.meli.answer("GET", "/users/me", 200, body)
    if "site_id" not in body:
        # The minimal SDK mock has no site: no account can be made of it, and the error
        # names the field.
        with pytest.raises(Unavailable, match=r"\$\.site_id"):
            await gw.oauth.profile("APP_USR-1-2-3-4")
        return
    seller = await gw.oauth.profile("APP_USR-1-2-3-4")
    assert (seller.user_id, seller.nickname, seller.site_id) == (
        body["id"],
        body["nickname"],
        body["site_id"],
    )


async def token(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§1.2, §1.3: the token endpoint's answer through the OAuth gateway."""
    body = fixture["body"]
    gw.meli.answer("POST", "/oauth/token", 200, body)
    if "refresh" in name:
        pair = await gw.oauth.refresh("TG-old-1")
    else:
        pair = await gw.oauth.exchange_code("TG-code-1", "verifier")
    assert pair.access_token == body["access_token"]
    assert pair.refresh_token == body.get("refresh_token")
    assert pair.expires_at == NOW + timedelta(seconds=body["expires_in"])


async def oauth_error(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§1.5: a refused code or refresh token is InvalidGrant, with MercadoLibre's answer."""
    gw.meli.answer("POST", "/oauth/token", fixture["status"], fixture["body"])
    with pytest.raises(InvalidGrant) as caught:
        await gw.oauth.exchange_code("TG-code-1", "verifier")
    assert caught.value.meli.error == "invalid_grant"


def notification(*, topic_resource: bool | None = True, malformed: tuple[str, ...] = ()) -> Check:
    """§9.2: the notification reader. `topic_resource`: whether the resource has the shape
    §9.3 gives the topic (False: acknowledged as rejected, never read; the documentation's
    placeholders such as ITEM_ID). `malformed`: the fields a refused body names."""

    async def check(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
        body = fixture["body"]
        if malformed:
            with pytest.raises(MalformedNotification) as caught:
                read_notification(body)
            assert {field for field, _ in caught.value.problems} == set(malformed)
            return
        read = read_notification(body)
        given = body.get("_id") or body.get("id")
        if given:
            assert read.id == str(given)
        else:
            # §9.2: no id; MercadoLibre's retry of it is the same notification.
            assert read.id.startswith(CONTENT_ID_PREFIX)
            assert read_notification({**body, "attempts": 2}).id == read.id
        assert read.user_id == int(body["user_id"])
        assert read.resource.startswith("/") and read.resource.strip("/") in (
            body["resource"].strip("/"),
            f"messages/{body['resource']}",
        )
        assert expected_resource(read.topic, read.resource) is topic_resource

    return check


async def missed_feeds(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§9.5: the missed feeds through the marketplace gateway."""
    gw.meli.answer("GET", "/missed_feeds", 200, fixture["body"])
    page = await gw.marketplace.missed_feeds(ACCOUNT, 3486171129139063, "messages")
    assert [n.resource for n in page.notifications] == [
        "/messages/a35cf79864a845ca9a3bf6aee59bb4d7",
        "/items/MLA820048955",
    ]
    assert page.unreadable == 0


def resource(owners: frozenset[int] | None = None, *, not_an_object: bool = False) -> Check:
    """§9.2: what has no typed reader yet goes through the resource path: GET it as a
    snapshot (fetch_resource) and tell whose it is. `owners`: the parties its body names
    (None: it names none, and a read for any seller is refused); `not_an_object`: the
    answer is no JSON object, so no snapshot is taken (Unavailable, with the reason)."""

    async def check(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
        path = served_path(fixture)
        gw.meli.answer("GET", path, 200, fixture["body"])
        if not_an_object:
            with pytest.raises(Unavailable, match="other than a JSON object"):
                await gw.marketplace.fetch_resource(ACCOUNT, path)
            return
        snapshot = await gw.marketplace.fetch_resource(ACCOUNT, path)
        assert snapshot.body == fixture["body"]
        assert parties(snapshot.body) == owners
        for owner in owners or ():
            assert belongs_to(snapshot.body, owner)
        assert not belongs_to(snapshot.body, 999_999_999_999), "never accepted by default"

    return check


async def order_search(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§5.3: the order search, each result (the older shape: status_detail an object,
    an embedded shipping block) read as a typed order of its seller."""
    gw.meli.answer("GET", "/orders/search", 200, fixture["body"])
    page = await gw.orders.search_orders(ACCOUNT, 207035636, NOW - timedelta(days=1), NOW)
    assert [o.id for o in page.orders] == [1068825849] and page.unreadable == ()
    assert page.total == 1
    assert all(o.seller_id == 207035636 and belongs_to(o.raw, 207035636) for o in page.orders)


async def question_search(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§7: the question search (api_version=4): every question read, with its seller."""
    body = fixture["body"]
    gw.meli.answer("GET", "/questions/search", 200, body)
    page = await gw.questions.search(ACCOUNT, 419059118)
    assert [q.id for q in page.questions] == [q["id"] for q in body["questions"]]
    assert page.unreadable == ()
    assert page.total == body["total"]
    for question, raw in zip(page.questions, body["questions"], strict=True):
        assert question.seller_id == raw["seller_id"]
