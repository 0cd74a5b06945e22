"""MercadoLibre error answers become port errors (ref: mercadolibre-api.md §1.5, §2)."""

from __future__ import annotations

import pytest

from adapters.mercadolibre.errors import parse_error_body, scrub, translate
from application.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidGrant,
    MeliCause,
    MeliRefusal,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
    meli_refusal,
)

TOKEN = "APP_USR-1000000000000001-010203-0123456789abcdef0123456789abcdef-123456"
REFRESH = "TG-5b9032b4e23464aed1f959f-123456"

VALIDATION = {
    "message": "Validation error",
    "error": "validation_error",
    "status": 400,
    "cause": [
        {
            "department": "items",
            "cause_id": 323,
            "type": "error",
            "code": "item.status.invalid",
            "references": ["item.status", "item.available_quantity"],
            "message": "Is not possible to activate an item without stock.",
        },
        {
            "department": "shipping",
            "type": "warning",
            "code": "shipping.lost_me1_by_user",
            "references": [],
            "message": "You lost ME1",
        },
    ],
}


def test_validation_causes_become_field_problems_named_by_their_first_reference():
    """§2.1: structured causes; warnings are left out when there are errors."""
    error = translate(400, VALIDATION, "POST", "/items")
    assert isinstance(error, ValidationFailed)
    assert error.problems == [
        FieldProblem(
            "item.status",
            "Is not possible to activate an item without stock.",
            "item.status.invalid",
        )
    ]
    assert "Validation error" in error.message
    assert "POST /items" in str(error)


def test_a_cause_without_references_is_named_by_its_code():
    body = {**VALIDATION, "cause": [{"code": "item.title.invalid", "message": "bad title"}]}
    error = translate(400, body, "PUT", "/items/MLA1")
    assert error.problems == [FieldProblem("item.title.invalid", "bad title", "item.title.invalid")]


def test_only_warnings_are_still_reported():
    body = {**VALIDATION, "cause": [VALIDATION["cause"][1]]}
    error = translate(400, body, "POST", "/items")
    assert [p.code for p in error.problems] == ["shipping.lost_me1_by_user"]


def test_a_400_without_causes_is_a_validation_failure_of_the_request():
    """§2.1: /items/validate type errors put the code in message and the text in error."""
    body = {
        "message": "body.invalid_field_types",
        "error": "[invalid property type: [price] expected Number but was String value: p]",
        "status": 400,
        "cause": None,
    }
    error = translate(400, body, "POST", "/items/validate")
    assert isinstance(error, ValidationFailed)
    assert error.problems[0].field == "request"
    assert "expected Number" in error.problems[0].reason


def test_a_422_is_a_validation_failure_too():
    assert isinstance(translate(422, VALIDATION, "POST", "/items"), ValidationFailed)


def test_plain_string_causes_are_kept():
    body = {"message": "bad", "error": "bad_request", "status": 400, "cause": ["ids too long"]}
    assert translate(400, body, "GET", "/items").problems[0].reason == "ids too long"


@pytest.mark.parametrize(
    "body",
    [
        {"message": "invalid access token", "error": "invalid_token", "status": 401, "cause": []},
        {"message": "invalid_token", "error": "not_found", "status": 401, "cause": []},
        {"message": "invalid access token", "error": "unauthorized", "status": 401},
        None,
    ],
)
def test_every_401_variant_is_unauthorized(body):
    """§2.2: key on the HTTP status, whatever the body says."""
    assert isinstance(translate(401, body, "GET", "/users/me"), Unauthorized)


@pytest.mark.parametrize(
    "body",
    [
        {"message": "The User ID must match the consultant's", "error": "forbidden"},
        {"status": 403, "error": "Invalid scopes", "code": "FORBIDDEN"},
        {"status": 403, "error": "access_denied", "message": "forbidden", "code": "FORBIDDEN"},
        {"status_code": 403, "code": "forbidden", "message": "blocked_conversation"},
    ],
)
def test_every_403_variant_is_forbidden_and_keeps_the_message(body):
    """§2.1 / §2.3: 403 bodies with `code` and without `message`."""
    error = translate(403, body, "GET", "/users/1/items/search")
    assert isinstance(error, Forbidden)
    assert (body.get("message") or body["error"]) in str(error)


def test_404_is_not_found_with_method_path_and_message():
    body = {"message": "Item with id MLA1 not found", "error": "not_found", "status": 404}
    error = translate(404, body, "GET", "/items/MLA1")
    assert isinstance(error, NotFound)
    assert str(error) == (
        "MercadoLibre answered 404 to GET /items/MLA1: Item with id MLA1 not found (not_found)"
    )


def test_an_old_style_404_with_null_cause_is_read():
    """§2.1 [OBS]: `cause` may be null."""
    body = {"message": "Order not found.", "error": "order_not_found", "status": 404, "cause": None}
    assert "Order not found." in str(translate(404, body, "GET", "/orders/1"))


def test_invalid_grant_is_recognised_by_its_code_and_description():
    """§1.5: the exact documented body, with error_description instead of message."""
    body = {
        "error_description": "Error validating grant. Your authorization code or refresh "
        "token may be expired or it was already used",
        "error": "invalid_grant",
        "status": 400,
        "cause": [],
    }
    error = translate(400, body, "POST", "/oauth/token")
    assert isinstance(error, InvalidGrant)
    assert "Error validating grant" in str(error)


def test_the_old_invalid_grant_variant_is_recognised():
    body = {"message": "Error validando el parámetro code", "error": "invalid_grant"}
    assert isinstance(translate(400, body, "POST", "/oauth/token"), InvalidGrant)


def test_refused_client_credentials_are_unauthorized():
    body = {"error_description": "invalid client", "error": "invalid_client", "status": 400}
    assert isinstance(translate(400, body, "POST", "/oauth/token"), Unauthorized)


def test_429_is_rate_limited_with_the_retry_after():
    body = {"message": "Too Many Requests", "error": "local_rate_limited", "status": 429}
    error = translate(429, body, "GET", "/items/MLA1", retry_after=3.0)
    assert isinstance(error, RateLimited)
    assert error.retry_after == 3.0


def test_409_is_a_conflict():
    """§2.5: optimistic locking on rapid PUTs."""
    body = {"message": "item optimistic locking error: conflict", "error": "conflict"}
    assert isinstance(translate(409, body, "PUT", "/items/MLA1"), Conflict)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_unavailable(status):
    assert isinstance(translate(status, None, "GET", "/items/MLA1"), Unavailable)


def test_a_non_json_error_page_is_read_as_text():
    error = translate(502, "<html>Bad gateway</html>", "GET", "/items/MLA1")
    assert isinstance(error, Unavailable)
    assert "Bad gateway" in str(error)


def test_token_shapes_and_given_secrets_never_reach_the_message():
    body = {"message": f"token {TOKEN} and {REFRESH} and sesame rejected", "error": "x"}
    for status in (400, 401, 403, 404, 429, 500):
        text = str(translate(status, body, "POST", "/oauth/token", secrets=("sesame",)))
        assert TOKEN not in text
        assert REFRESH not in text
        assert "sesame" not in text


def test_scrub_redacts_bearer_credentials():
    assert scrub("Authorization: Bearer abc.def") == "Authorization: [redacted]"


def test_an_empty_body_still_gives_a_message():
    assert parse_error_body({}, 500).message == "HTTP 500"


# -- MercadoLibre's answer kept whole (§2.1) --------------------------------------------------

SELLER_CANNOT_LIST = {
    "message": "The seller cannot list",
    "error": "seller.unable_to_list",
    "status": 403,
    "cause": [
        {"code": "address_pending", "message": "The seller has no address", "type": "error"},
        "phone_pending",
    ],
}


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 429, 500, 503])
def test_every_error_keeps_mercadolibres_status_code_message_and_causes(status):
    """§2.1: whatever the status, the error carries what MercadoLibre said."""
    error = translate(status, {**SELLER_CANNOT_LIST, "status": status}, "POST", "/items")
    assert error.meli == MeliRefusal(
        status=status,
        message="The seller cannot list",
        error="seller.unable_to_list",
        causes=(
            MeliCause("The seller has no address", "address_pending", "error"),
            MeliCause("phone_pending"),
        ),
    )


def test_a_403_names_its_causes_in_its_message_too():
    """Dead letters and logs keep only text: the reason must be in it."""
    error = translate(403, SELLER_CANNOT_LIST, "POST", "/items")
    assert isinstance(error, Forbidden)
    assert "The seller has no address" in str(error) and "phone_pending" in str(error)


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (None, ()),
        ([], ()),
        ("blocked_by_excepted_case", (MeliCause("blocked_by_excepted_case"),)),
        ({"code": "x", "message": "y"}, (MeliCause("y", "x"),)),
        ([{"cause_id": 323, "references": ["item.status", 7, None]}, 5, ""], None),
    ],
)
def test_cause_comes_as_objects_strings_one_object_or_null(cause, expected):
    """§2.1: `cause` is a list of objects or strings, one string (action guide), or null."""
    body = {"message": "m", "error": "bad_request", "status": 400, "cause": cause}
    refusal = translate(400, body, "GET", "/messages/action_guide/packs/1").meli
    if expected is None:
        assert refusal.causes == (MeliCause(references=("item.status", "7"), cause_id="323"),)
    else:
        assert refusal.causes == expected


def test_message_and_error_swapped_are_read_the_right_way_round():
    """§2.1: /items/validate puts the code in `message` and the text in `error`."""
    body = {
        "message": "body.invalid_field_types",
        "error": "[invalid property type: [price] expected Number but was String value: p]",
        "status": 400,
        "cause": [],
    }
    refusal = translate(400, body, "POST", "/items/validate").meli
    assert refusal.error == "body.invalid_field_types"
    assert refusal.message.startswith("[invalid property type")


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (
            {"status": 403, "error": "Invalid scopes", "code": "FORBIDDEN"},
            "FORBIDDEN",
            "Invalid scopes",
        ),
        (
            {
                "status_code": 403,
                "code": "forbidden",
                "message": "blocked_conversation_send_message_forbidden",
            },
            "forbidden",
            "blocked_conversation_send_message_forbidden",
        ),
        (
            {"status_code": 500, "message": "delivery date is before than today"},
            None,
            "delivery date is before than today",
        ),
        (
            {"error_description": "invalid client", "error": "invalid_client"},
            "invalid_client",
            "invalid client",
        ),
    ],
)
def test_code_status_code_and_error_description_variants_are_read(body, error, message):
    """§1.5, §2.1: `code` beside or instead of `error`, `status_code`, OAuth's
    `error_description`."""
    refusal = translate(
        body.get("status") or body.get("status_code") or 400, body, "GET", "/x"
    ).meli
    assert (refusal.error, refusal.message) == (error, message)
    assert parse_error_body(body, 400).status == (body.get("status") or body.get("status_code"))


def test_the_answer_survives_being_wrapped_by_a_use_case():
    """A use case raises its own error `from` the gateway's; the REST problem finds the
    answer through the chain."""
    gateway_error = translate(
        404, {"message": "Item not found", "error": "not_found"}, "GET", "/items/MLA1"
    )
    try:
        try:
            raise gateway_error
        except NotFound as error:
            raise NotFound("listing", "MLA1") from error
    except NotFound as wrapped:
        assert meli_refusal(wrapped) == gateway_error.meli
    assert meli_refusal(ValueError("no answer behind it")) is None


def test_tokens_never_reach_the_kept_answer():
    body = {
        "message": f"bad {TOKEN}",
        "error": "x",
        "cause": [{"message": f"refresh {REFRESH}", "code": TOKEN}],
    }
    refusal = translate(400, body, "POST", "/oauth/token").meli
    assert TOKEN not in repr(refusal) and REFRESH not in repr(refusal)
