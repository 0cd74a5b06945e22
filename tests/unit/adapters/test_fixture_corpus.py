"""Every documented MercadoLibre response body in tests/fixtures/mercadolibre/ goes through
the gateway's reader of its resource (house style rule 13; mercadolibre-api.md §0.3).

Each file is served over real HTTP by a scripted MercadoLibre (conftest.FakeMeli), so it
passes the client's decoding and sanitising first, then the reader the service uses for
that resource (corpus_readers.py): items through the listing gateway, errors through the
error translation, notifications through the notification reader, tokens and profiles
through the OAuth gateway, categories and their attributes through the category gateway,
order searches through the order gateway, question searches through the question
gateway, and the rest (single orders, shipments and questions as a notification reads
them, messages, claims) through the resource path: a snapshot, and its
ownership established or refused with the reason. CORPUS maps every file to its reader
and what it must give; a file with no entry fails `test_every_fixture_has_a_reader`.
"""

from __future__ import annotations

import pytest

from adapters.mercadolibre import AiohttpOAuthGateway, AiohttpOrderGateway
from adapters.mercadolibre.categories import AiohttpCategoryGateway
from adapters.mercadolibre.questions import AiohttpQuestionGateway
from adapters.system.clock import ManualClock
from tests.unit.adapters.corpus_readers import (
    CORPUS_DIR,
    NOW,
    Check,
    Gateways,
    category,
    category_attributes,
    cause_alone,
    description,
    error,
    listing,
    listing_answer,
    load,
    missed_feeds,
    multiget_listings,
    multiget_stock,
    notification,
    oauth_error,
    order_search,
    predictor,
    profile,
    question_search,
    resource,
    scan,
    token,
)


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
    "items/category.json": category,
    "items/category_attribute_item_condition.json": category_attributes,
    "items/category_attributes_sdk_mock.json": category_attributes,
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
    questions = AiohttpQuestionGateway(meli_calls)
    orders = AiohttpOrderGateway(meli_calls)
    categories = AiohttpCategoryGateway(meli_calls)
    return Gateways(fake_meli, marketplace, listing_gateway, oauth, questions, orders, categories)


@pytest.mark.parametrize("name", sorted(CORPUS))
async def test_the_gateway_reads_every_documented_body(gateways: Gateways, name: str) -> None:
    await CORPUS[name](gateways, name, load(name))
