"""The MercadoLibre converter tolerates unknown fields and nulls and leaks no values
(house style rule 6; ref: mercadolibre-api.md preamble, §0.3, §1.2, §3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

from adapters.mercadolibre.converter import make_converter, structure
from adapters.mercadolibre.wire import TokenAnswer, UserAnswer
from application.errors import Unavailable


@attrs.define(frozen=True)
class Sample:
    id: str
    price: Decimal
    created: datetime
    active: bool = True
    tags: list[str] = attrs.Factory(list)
    note: str | None = None


def test_unknown_fields_are_ignored():
    body = {"id": 1, "nickname": "N", "site_id": "MLA", "brand_new_field": {"x": 1}}
    assert structure(body, UserAnswer, "GET /users/me") == UserAnswer(1, "N", "MLA")


def test_null_takes_the_default_of_a_field_that_has_one():
    body = {
        "id": "MLA1",
        "price": 10,
        "created": "2024-11-01T09:34:59.000-04:00",
        "active": None,
        "tags": None,
        "note": None,
    }
    sample = structure(body, Sample, "test")
    assert sample.active is True
    assert sample.tags == []
    assert sample.note is None


def test_timestamps_keep_their_offset_and_z_means_utc():
    """§0.3: ISO-8601 with offset or Z."""
    body = {"id": "MLA1", "price": 1, "created": "2024-11-01T09:34:59.000-04:00"}
    created = structure(body, Sample, "test").created
    assert created.utcoffset() == timedelta(hours=-4)
    body["created"] = "2024-11-01T13:34:59Z"
    assert structure(body, Sample, "test").created == datetime(2024, 11, 1, 13, 34, 59, tzinfo=UTC)
    assert created == datetime(2024, 11, 1, 9, 34, 59, tzinfo=timezone(timedelta(hours=-4)))


def test_prices_become_exact_decimals():
    body = {"id": "MLA1", "price": 0.1, "created": "2024-11-01T13:34:59Z"}
    assert structure(body, Sample, "test").price == Decimal("0.1")


def test_booleans_are_strict():
    body = {"id": "MLA1", "price": 1, "created": "2024-11-01T13:34:59Z", "active": "false"}
    assert structure(body, Sample, "test").active is False
    body["active"] = "maybe"
    with pytest.raises(Unavailable, match=r"\$\.active"):
        structure(body, Sample, "test")


def test_user_ids_beyond_int32_and_numeric_strings_are_read():
    """§0.3: user ids exceed Int32; some answers send them as strings."""
    body = {"id": "3000000000", "nickname": "N", "site_id": "MLB"}
    assert structure(body, UserAnswer, "test").id == 3_000_000_000


def test_a_missing_required_field_names_the_path_and_the_call():
    with pytest.raises(Unavailable) as caught:
        structure({"nickname": "N", "site_id": "MLA"}, UserAnswer, "GET /users/me")
    assert "GET /users/me" in str(caught.value)
    assert "$.id" in str(caught.value)


def test_a_broken_token_answer_does_not_quote_the_token():
    """§1.2: a token answer with a malformed expires_in must not leak the access token."""
    token = "APP_USR-1-010203-abcdef-42"
    body = {"access_token": token, "expires_in": token, "refresh_token": "TG-x-42"}
    with pytest.raises(Unavailable) as caught:
        structure(body, TokenAnswer, "POST /oauth/token")
    assert token not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_a_token_answer_without_refresh_token_is_read():
    """§1.2: no refresh_token without offline_access."""
    answer = structure({"access_token": "a", "expires_in": 21600}, TokenAnswer, "test")
    assert answer.refresh_token is None
    assert answer.scope == ""


def test_not_an_object_is_unavailable():
    with pytest.raises(Unavailable):
        structure(["not", "an", "object"], UserAnswer, "GET /users/me")


def test_each_converter_is_private():
    """Hooks registered here never reach the global cattrs converter."""
    import cattrs

    make_converter()
    assert cattrs.global_converter.structure("false", bool) is True


# -- ids and types (§0.3) ---------------------------------------------------------------------


@attrs.define(frozen=True)
class Ids:
    id: str
    seller_id: int
    quantity: int = 0
    share: float | None = None
    label: str | None = None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"id": 123, "seller_id": "1108966308"}, Ids("123", 1108966308)),
        ({"id": "MLA1", "seller_id": 1108966308.0, "quantity": " 7 "}, Ids("MLA1", 1108966308, 7)),
        ({"id": "x", "seller_id": 2**63 - 1, "share": "0.5"}, Ids("x", 2**63 - 1, 0, 0.5)),
        ({"id": "x", "seller_id": 1, "label": None}, Ids("x", 1)),
    ],
)
def test_ids_come_as_numbers_or_strings_and_are_kept_as_int64(body, expected):
    assert structure(body, Ids, "test") == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": None, "seller_id": 1}, "$.id"),
        ({"id": {"a": 1}, "seller_id": 1}, "$.id"),
        ({"id": True, "seller_id": 1}, "$.id"),
        ({"id": "x", "seller_id": 2**63}, "$.seller_id"),
        ({"id": "x", "seller_id": "12a"}, "$.seller_id"),
        ({"id": "x", "seller_id": "²"}, "$.seller_id"),
        ({"id": "x", "seller_id": True}, "$.seller_id"),
        ({"id": "x", "seller_id": 1, "quantity": 12.5}, "$.quantity"),
        ({"id": "x", "seller_id": 1, "share": "much"}, "$.share"),
        ({"id": "x", "seller_id": 1, "label": ["a"]}, "$.label"),
    ],
)
def test_a_value_of_a_truly_wrong_type_is_an_error_naming_the_field(body, field):
    """Never "None" for a null id, never 12 for 12.5, never a crash."""
    with pytest.raises(Unavailable) as caught:
        structure(body, Ids, "GET /x")
    assert field in str(caught.value)
