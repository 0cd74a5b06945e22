"""The one reader of MercadoLibre's notification shape (mercadolibre-api.md §9.2), used
for notifications POSTed to us and for those read back from the missed feeds (§9.5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.mercadolibre.notifications import (
    CONTENT_ID_PREFIX,
    MalformedNotification,
    read_notification,
)
from domain.notifications import expected_resource

AS_SENT = {
    "_id": "f9f08571-1f65-4c46-9e0a-c0f43faas1e",
    "resource": "/orders/2195160686",
    "user_id": 468424240,
    "topic": "orders_v2",
    "application_id": 5503910054141466,
    "attempts": 1,
    "sent": "2019-10-30T16:19:20.129Z",
    "received": "2019-10-30T16:19:20.106Z",
}


def test_reads_the_documented_body() -> None:
    """§9.2's example body."""
    notification = read_notification(AS_SENT)
    assert notification.id == AS_SENT["_id"]
    assert notification.resource == "/orders/2195160686"
    assert notification.user_id == 468424240
    assert notification.application_id == 5503910054141466
    assert notification.sent == datetime(2019, 10, 30, 16, 19, 20, 129000, tzinfo=UTC)


def test_reads_leniently_ids_as_strings_id_for_underscore_id_and_the_misspelling() -> None:
    """§9.2: `id` in some payloads, string ids, and `recieved` as MercadoLibre spells it."""
    body = {**AS_SENT, "user_id": "468424240", "application_id": "5503910054141466"}
    del body["_id"], body["received"]
    body["id"] = 77
    body["recieved"] = "2019-10-30T16:19:20"
    notification = read_notification(body)
    assert (notification.id, notification.user_id) == ("77", 468424240)
    assert notification.received == datetime(2019, 10, 30, 16, 19, 20, tzinfo=UTC)


def test_a_message_notification_with_a_bare_id_points_at_the_message() -> None:
    """§9.3: `messages` notifications carry the bare message id."""
    notification = read_notification({**AS_SENT, "topic": "messages", "resource": "abc123"})
    assert notification.resource == "/messages/abc123"


def test_lists_every_missing_pointer_field() -> None:
    with pytest.raises(MalformedNotification) as caught:
        read_notification({"topic": "", "user_id": True, "application_id": -1})
    fields = {field for field, _ in caught.value.problems}
    assert fields == {"topic", "resource", "user_id", "application_id"}


@pytest.mark.parametrize("key", ["_id", "id"])
@pytest.mark.parametrize("value", [{"x": 1}, ["a"], True, 1.5])
def test_an_id_of_a_wrong_type_is_malformed_naming_it(key: str, value: object) -> None:
    """§9.2: an id is a string or a number; anything else is no id at all."""
    body = {k: v for k, v in AS_SENT.items() if k != "_id"}
    with pytest.raises(MalformedNotification) as caught:
        read_notification({**body, key: value})
    assert [field for field, _ in caught.value.problems] == [key]


def test_a_resource_without_its_leading_slash_is_read_as_the_path() -> None:
    """§9.2: documented examples write `post-purchase/v1/claims/5108684499`."""
    notification = read_notification(
        {**AS_SENT, "topic": "post_purchase", "resource": "post-purchase/v1/claims/5108684499"}
    )
    assert notification.resource == "/post-purchase/v1/claims/5108684499"


def test_a_resource_that_is_not_a_path_is_malformed() -> None:
    with pytest.raises(MalformedNotification) as caught:
        read_notification({**AS_SENT, "resource": "orders 1"})
    assert [field for field, _ in caught.value.problems] == ["resource"]


# -- notifications without an id (§0.3, §9.2) ------------------------------------------------

WITHOUT_ID = {k: v for k, v in AS_SENT.items() if k != "_id"}


def test_a_notification_without_an_id_is_read_with_an_id_derived_from_its_content() -> None:
    """§9.2: the documented orders_v2, questions, shipments and messages examples carry
    no id; deduplicate them on (application, user, topic, resource, sent)."""
    first = read_notification(WITHOUT_ID)
    assert first.id.startswith(CONTENT_ID_PREFIX)
    assert len(first.id) <= 64
    # MercadoLibre's retry: same content, another attempt and arrival, user_id as text.
    retry = read_notification(
        {
            **WITHOUT_ID,
            "attempts": 4,
            "user_id": str(WITHOUT_ID["user_id"]),
            "received": "2019-10-30T16:29:20.106Z",
            "sent": "2019-10-30T16:19:20.129+00:00",
        }
    )
    assert retry.id == first.id


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sent", "2019-10-30T16:19:21.129Z"),
        ("resource", "/orders/2195160687"),
        ("topic", "orders"),
        ("user_id", 468424241),
        ("application_id", 5503910054141467),
    ],
)
def test_notifications_that_differ_in_their_content_get_different_ids(
    field: str, value: object
) -> None:
    assert read_notification({**WITHOUT_ID, field: value}).id != read_notification(WITHOUT_ID).id


def test_a_notification_without_an_id_nor_a_time_is_never_taken_for_another() -> None:
    """Nothing tells two changes of the resource apart: deduplicating on the rest would
    drop every later one, so each gets an id of its own."""
    body = {k: v for k, v in WITHOUT_ID.items() if k not in ("sent", "received")}
    assert read_notification(body).id != read_notification(body).id


def test_a_given_id_wins_over_the_content() -> None:
    assert read_notification({**WITHOUT_ID, "id": 77}).id == "77"
    assert read_notification({**WITHOUT_ID, "_id": "", "id": "x"}).id == "x"


@pytest.mark.parametrize("user_id", ["²", "١٢", "12 3", "-5", "0x10"])
def test_user_ids_are_ascii_digits_only(user_id: str) -> None:
    with pytest.raises(MalformedNotification) as caught:
        read_notification({**AS_SENT, "user_id": user_id})
    assert [field for field, _ in caught.value.problems] == ["user_id"]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists))
def test_anything_that_is_not_an_object_is_refused_never_crashes(body: object) -> None:
    with pytest.raises(MalformedNotification):
        read_notification(body)


@given(
    st.dictionaries(
        st.sampled_from(["_id", "id", "topic", "resource", "user_id", "application_id"]),
        st.none() | st.booleans() | st.integers() | st.text(max_size=80),
    )
)
def test_any_object_is_either_read_or_refused_with_reasons(body: dict) -> None:
    try:
        notification = read_notification(body)
    except MalformedNotification as error:
        assert error.problems
    else:
        assert notification.resource.startswith("/")
        assert 0 < notification.user_id < 2**63


@pytest.mark.parametrize(
    "resource",
    [
        "/orders/../users/me",
        "/orders/./1",
        "/orders/%2e%2e/users/me",
        "//evil.example/orders/1",
        "/orders/1\\..\\users",
        "/orders/1\x00",
        "/orders/1 2",
        "/orders/1#x",
    ],
)
def test_a_resource_that_is_not_a_plain_api_path_is_malformed(resource: str) -> None:
    """§9.6: the body is untrusted and only decides what to GET with the seller's token."""
    with pytest.raises(MalformedNotification) as caught:
        read_notification({**AS_SENT, "resource": resource})
    assert [field for field, _ in caught.value.problems] == ["resource"]


def test_actions_with_control_characters_are_dropped_the_rest_kept() -> None:
    """§9.2: typed topics add `actions`; they are only detail, so one that could not be
    stored (PostgreSQL's JSONB cannot hold NUL) is dropped, not the notification."""
    notification = read_notification({**AS_SENT, "actions": ["payments", "a\x00b", 7, "\ud800"]})
    assert notification.actions == ("payments",)


@pytest.mark.parametrize(
    ("field", "value"),
    [("_id", "a\x00b"), ("_id", "a\ud800b"), ("id", "\udfff"), ("topic", "orders v2")],
)
def test_control_characters_in_ids_and_odd_topics_are_malformed(field: str, value: str) -> None:
    """Lone surrogates included: PostgreSQL cannot store them."""
    with pytest.raises(MalformedNotification) as caught:
        read_notification({**(WITHOUT_ID if field == "id" else AS_SENT), field: value})
    assert [name for name, _ in caught.value.problems] == [field]


@pytest.mark.parametrize(
    ("topic", "resource", "expected"),
    [
        ("orders_v2", "/orders/2195160686", True),
        ("orders", "/orders/2195160686", True),
        ("items", "/items/MLA686791111", True),
        ("items_prices", "/items/MLA686791111/sale_price?context=channel_marketplace", True),
        ("questions", "/questions/5036111111", True),
        ("messages", "/messages/0f6f6e3a-7c59-4c1d-9d43-6f1f2b9a1c11", True),
        ("shipments", "/shipments/40000000001", True),
        ("payments", "/collections/123456789", True),
        ("post_purchase", "/post-purchase/v1/claims/5000000001", True),
        ("orders_v2", "/users/me", False),
        ("items", "/items/MLA1/description/../../users/me", False),
        ("questions", "/orders/1", False),
        ("payments", "/users/1/invoices/2", False),
        ("no_such_topic", "/orders/1", None),
    ],
)
def test_each_topic_points_at_the_resources_of_section_9_3(
    topic: str, resource: str, expected: bool | None
) -> None:
    assert expected_resource(topic, resource) is expected


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59Z"]
)
def test_times_out_of_any_real_range_are_left_out_not_an_error(moment: str) -> None:
    """§9.2: the times are extra; one that would overflow is dropped, the pointer kept."""
    notification = read_notification({**AS_SENT, "sent": moment, "received": moment})
    assert notification.sent is None and notification.received is None
