"""Every documented MercadoLibre response body in tests/fixtures/mercadolibre/ goes through
the gateway's reader of its resource (house style rule 13; mercadolibre-api.md §0.3).

Each file is served over real HTTP by a scripted MercadoLibre (conftest.FakeMeli), so it
passes the client's decoding and sanitising first, then the reader the service uses for
that resource: items through the listing gateway, errors through the error translation,
notifications through the notification reader, tokens and profiles through the OAuth
gateway, and what has no typed reader yet (orders, shipments, questions, messages, and
the rest) through the resource path: a snapshot, and its ownership established or
refused with the reason. CORPUS maps every file to its reader and what it must give; a
file with no entry fails `test_every_fixture_has_a_reader`.
"""

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
from adapters.system.clock import ManualClock
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
    """§5.3: the order search, one snapshot per order, each owned by its seller."""
    gw.meli.answer("GET", "/orders/search", 200, fixture["body"])
    page = await gw.marketplace.search_order_snapshots(ACCOUNT, 207035636, NOW)
    assert [s.path for s in page.snapshots] == ["/orders/1068825849"]
    assert all(belongs_to(s.body, 207035636) for s in page.snapshots)


async def question_search(gw: Gateways, name: str, fixture: dict[str, Any]) -> None:
    """§7: the question search (api_version=4), each question owned by its seller."""
    body = fixture["body"]
    gw.meli.answer("GET", "/questions/search", 200, body)
    page = await gw.marketplace.search_question_snapshots(ACCOUNT, 419059118)
    assert [s.path for s in page.snapshots] == [f"/questions/{q['id']}" for q in body["questions"]]
    assert page.total == body["total"]
    for snapshot, question in zip(page.snapshots, body["questions"], strict=True):
        assert parties(snapshot.body) == {question["seller_id"]}


def _owners(*ids: int) -> frozenset[int]:
    return frozenset(ids)


# -- every file and its reader ---------------------------------------------------------------

LIST = resource(not_an_object=True)
NOBODY = resource(None)

CORPUS: dict[str, Check] = {
    # errors (§1.5, §2)
    "errors/bad_request_user_agent_mock.json": error,
    "errors/conflict_optimistic_locking.json": error,
    "errors/forbidden_access_denied.json": error,
    "errors/forbidden_invalid_scopes.json": error,
    "errors/forbidden_user_id_mismatch_mock.json": error,
    "errors/rate_limited_observed.json": error,
    "errors/standard_error.json": error,
    "errors/unauthorized_error_not_found.json": error,
    "errors/unauthorized_invalid_token.json": error,
    "errors/validation_cause_object_gender.json": cause_alone,
    "errors/validation_error_cause_objects.json": error,
    "errors/validation_invalid_field_types.json": error,
    # items (§4)
    "items/catalog_domain_categories.json": LIST,
    "items/catalog_domain_shipping_attributes.json": NOBODY,
    "items/category.json": NOBODY,
    "items/category_attribute_item_condition.json": LIST,
    "items/category_attributes_sdk_mock.json": LIST,
    "items/category_sale_terms.json": LIST,
    "items/description.json": description,
    "items/domain_discovery.json": predictor,
    "items/error_description_not_plain_text.json": error,
    "items/error_description_not_plain_text_v2.json": error,
    "items/item_legacy_variations_null_attribute_ids.json": listing,
    "items/item_performance.json": NOBODY,
    "items/item_with_variations.json": listing,
    "items/multiget.json": multiget_listings,
    "items/multiget_attributes.json": multiget_stock,
    "items/post_item_answer.json": listing_answer,
    "items/post_item_answer_sdk_mock.json": listing_answer,
    "items/post_item_immediate_payment_answer.json": listing_answer,
    "items/post_item_me1_answer.json": listing_answer,
    "items/site_categories.json": LIST,
    "items/user_items_search.json": scan,
    "items/user_items_search_include_filters.json": scan,
    "items/user_items_search_restrictions.json": NOBODY,
    "items/user_items_search_scan.json": scan,
    "items/user_product_performance.json": NOBODY,
    # messages (§8): a message read for a notification is owned by both its ends and the
    # seller of its conversation (message_resources, conversation_status.path)
    "messages/action_guide_caps_available.json": LIST,
    "messages/action_guide_options.json": NOBODY,
    "messages/action_guide_send_delivery_promise.json": resource(_owners(667304586)),
    "messages/action_guide_send_moderated.json": resource(_owners(618491100)),
    "messages/action_guide_send_template.json": resource(_owners(618491100)),
    "messages/attachment_upload.json": NOBODY,
    "messages/error_action_guide_delivery_date.json": error,
    "messages/error_action_guide_excepted_case.json": error,
    "messages/error_blocked_conversation_send.json": error,
    "messages/legacy_message_list.json": NOBODY,
    "messages/legacy_send_answer.json": LIST,
    "messages/message_by_id.json": resource(_owners(123456789000, 2332423234, 475684066)),
    "messages/message_by_id_legacy.json": resource(_owners(123456789, 123456780)),
    "messages/pack_conversation.json": resource(
        _owners(123456789000, 2332423234, 475684066, 415458330)
    ),
    "messages/pack_conversation_blocked.json": resource(_owners(32086568493)),
    "messages/pack_conversation_mark_read_legacy_fields.json": resource(_owners(415458330)),
    "messages/unread.json": NOBODY,
    "messages/unread_by_resource.json": NOBODY,
    "messages/unread_empty.json": NOBODY,
    # notifications (§9.2, §9.3, §9.5)
    "notifications/catalog_item_competition_status.json": notification(topic_resource=False),
    "notifications/catalog_suggestions.json": notification(),
    "notifications/fbm_stock_operations.json": notification(),
    "notifications/flex_handshakes.json": notification(),
    "notifications/general_items_with_id.json": notification(),
    "notifications/general_subtopic_vis_leads.json": notification(),
    "notifications/invoices.json": notification(malformed=("resource",)),
    "notifications/items.json": notification(),
    "notifications/items_prices.json": notification(),
    "notifications/leads_credits.json": notification(),
    "notifications/messages_created.json": notification(),
    "notifications/messages_read.json": notification(),
    "notifications/missed_feeds.json": missed_feeds,
    "notifications/orders_v2.json": notification(),
    "notifications/payments.json": notification(),
    "notifications/post_purchase_claims.json": notification(),
    "notifications/post_purchase_claims_actions.json": notification(),
    "notifications/price_suggestion.json": notification(malformed=("resource",)),
    "notifications/public_candidates.json": notification(),
    "notifications/public_offers.json": notification(),
    "notifications/questions.json": notification(),
    "notifications/shipments.json": notification(),
    "notifications/stock_location.json": notification(malformed=("resource",)),
    "notifications/vis_leads.json": notification(),
    "notifications/vis_leads_visit_request_partial.json": notification(
        malformed=("topic", "application_id")
    ),
    # oauth (§1)
    "oauth/error_invalid_grant.json": oauth_error,
    "oauth/error_invalid_grant_legacy_mock.json": oauth_error,
    "oauth/token_authorization_code.json": token,
    "oauth/token_refresh.json": token,
    "oauth/token_without_refresh_token_mock.json": token,
    # orders and packs (§5): owned by `seller.id`, numbers or strings
    "orders/error_order_not_found.json": error,
    "orders/order.json": resource(_owners(779432305)),
    "orders/order_legacy_embedded_shipping.json": resource(_owners(123456789)),
    "orders/order_minimal_2013.json": resource(_owners(123456789)),
    "orders/order_x_format_new_2019.json": resource(_owners(419059118)),
    "orders/search_legacy.json": order_search,
    "packs/pack.json": NOBODY,
    "packs/ready_to_ship_answer.json": NOBODY,
    # questions (§7): owned by `seller_id`
    "questions/delete_answer.json": LIST,
    "questions/error_response_time_not_found.json": error,
    "questions/question_v4.json": resource(_owners(179571326)),
    "questions/question_vehicles_from_object.json": resource(_owners(456236760)),
    "questions/response_time.json": NOBODY,
    "questions/search_by_item_empty.json": question_search,
    "questions/search_by_item_v4.json": question_search,
    "questions/search_by_seller_v4.json": question_search,
    # shipments (§6): owned by `sender_id` (legacy) or `origin.sender_id` (x-format-new);
    # a body without either (the abridged example, the template's 0) is refused
    "shipments/carrier.json": NOBODY,
    "shipments/costs.json": NOBODY,
    "shipments/delays.json": NOBODY,
    "shipments/history.json": LIST,
    "shipments/item_shipping_options_custom.json": NOBODY,
    "shipments/items.json": LIST,
    "shipments/lead_time.json": NOBODY,
    "shipments/order_shipments_legacy.json": resource(_owners(4312345678)),
    "shipments/payments.json": LIST,
    "shipments/shipment_legacy_me1_partial.json": resource(_owners(474415116)),
    "shipments/shipment_new_format.json": NOBODY,
    "shipments/shipment_new_format_full_2019.json": resource(_owners(4321345667)),
    "shipments/shipment_new_format_schema.json": NOBODY,
    "shipments/shipment_statuses.json": LIST,
    "shipments/shipping_methods.json": LIST,
    "shipments/shipping_preferences_category.json": NOBODY,
    "shipments/shipping_preferences_user.json": NOBODY,
    "shipments/sla.json": NOBODY,
    "shipments/split_answer.json": NOBODY,
    # sites and currencies (§10): public, nobody's
    "sites/classified_locations_countries.json": LIST,
    "sites/currencies.json": LIST,
    "sites/currencies_attributes_id.json": LIST,
    "sites/currencies_options.json": NOBODY,
    "sites/currency.json": NOBODY,
    "sites/currency_clp.json": NOBODY,
    "sites/currency_conversion_new_format.json": NOBODY,
    "sites/currency_jsonp.json": LIST,
    "sites/sites_mock.json": LIST,
    "sites/zip_code.json": NOBODY,
    # users (§3)
    "users/me.json": profile,
    "users/me_mock.json": profile,
    "users/multiget_users.json": LIST,
    "users/user_private.json": profile,
    "users/user_public.json": profile,
}


def corpus_files() -> list[str]:
    return sorted(
        str(path.relative_to(CORPUS_DIR)) for path in CORPUS_DIR.rglob("*.json") if path.is_file()
    )


def test_every_fixture_has_a_reader() -> None:
    """A new fixture file fails here until it is mapped to the reader of its resource."""
    files = corpus_files()
    assert len(files) >= 136
    assert sorted(CORPUS) == files


@pytest.fixture
def gateways(fake_meli, marketplace, listing_gateway, meli_calls) -> Gateways:
    oauth = AiohttpOAuthGateway(
        meli_calls.client,
        client_id="1",
        client_secret="secret",
        redirect_uri="https://example.test/callback",
        clock=ManualClock(NOW),
    )
    return Gateways(fake_meli, marketplace, listing_gateway, oauth)


@pytest.mark.parametrize("name", sorted(CORPUS))
async def test_the_gateway_reads_every_documented_body(gateways: Gateways, name: str) -> None:
    await CORPUS[name](gateways, name, load(name))
