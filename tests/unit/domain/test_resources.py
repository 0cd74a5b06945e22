"""Whose a resource read for a notification is, from every shape its body comes in; when
its body names nobody, it is nobody's (mercadolibre-api.md §5.1, §6.1, §7, §8, §9.6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.resources import belongs_to, parties

SELLER = 1108966308
BUYER = 6427433


@pytest.mark.parametrize(
    ("shape", "body"),
    [
        # §4.1 items and §7 questions (v4 and the older `from` shape)
        ("item", {"id": "MLA1", "seller_id": SELLER}),
        ("question v4", {"id": 1, "seller_id": SELLER, "buyer_id": BUYER}),
        ("question, older shape", {"id": 1, "seller_id": str(SELLER), "from": {"id": BUYER}}),
        # §5.1 orders: current, and the 2013 example with string ids
        ("order", {"id": 1, "seller": {"id": SELLER}, "buyer": {"id": BUYER}}),
        ("order, string ids", {"id": "1", "seller": {"id": str(SELLER)}}),
        # §6.1 shipments: legacy, x-format-new, and seller_id
        ("shipment, legacy", {"id": 1, "sender_id": SELLER, "receiver_id": BUYER}),
        ("shipment, x-format-new", {"id": 1, "origin": {"sender_id": SELLER}}),
        ("shipment, seller_id", {"id": 1, "seller_id": SELLER}),
        # §9.3 payments (/collections/{id})
        ("payment", {"id": 1, "collector": {"id": SELLER}, "payer": {"id": BUYER}}),
        ("payment, collector_id", {"id": 1, "collector_id": SELLER}),
        ("collection", {"collection": {"id": 1, "collector_id": SELLER}}),
        ("collection, collector", {"collection": {"collector": {"id": SELLER}}}),
        # §8.4 GET /messages/{id}: legacy (ends at the root, `to` a list) and current
        (
            "message, legacy",
            {"message_id": "a", "from": {"user_id": str(SELLER)}, "to": [{"user_id": str(BUYER)}]},
        ),
        (
            "message, sent by the seller",
            {"paging": None, "messages": [{"from": {"user_id": SELLER}, "to": {"user_id": BUYER}}]},
        ),
        (
            "message, received by the seller",
            {"messages": [{"from": {"user_id": BUYER}, "to": {"user_id": SELLER}}]},
        ),
        (
            "message to the country agent (§8.2), seller in message_resources",
            {
                "messages": [
                    {
                        "from": {"user_id": 3037674934},
                        "to": {"user_id": BUYER},
                        "message_resources": [
                            {"id": "2000000089077943", "name": "packs"},
                            {"id": str(SELLER), "name": "sellers"},
                        ],
                    }
                ]
            },
        ),
        (
            "conversation, seller only in its path",
            {
                "conversation_status": {"path": f"/packs/2000000089077943/seller/{SELLER}"},
                "messages": [],
            },
        ),
        # claims: the players on the seller's side
        (
            "claim",
            {
                "players": [
                    {"role": "complainant", "type": "buyer", "user_id": BUYER},
                    {"role": "respondent", "type": "seller", "user_id": SELLER},
                ]
            },
        ),
        ("claim, players without sides", {"players": [{"user_id": SELLER}]}),
    ],
)
def test_ownership_is_established_from_every_shape(shape, body):
    assert belongs_to(body, SELLER), shape
    assert not belongs_to(body, 999), shape


@pytest.mark.parametrize(
    ("shape", "body"),
    [
        ("no owner field", {"id": 1, "status": "paid"}),
        ("buyer only", {"id": 1, "buyer": {"id": SELLER}}),
        ("a pack (buyer only)", {"id": 1, "buyer": {"id": SELLER}, "orders": [{"id": 2}]}),
        ("the template's 0", {"id": 1, "origin": {"sender_id": 0}}),
        ("null ids", {"seller_id": None, "seller": {"id": None}, "sender_id": None}),
        ("booleans are no ids", {"seller_id": True}),
        ("beyond 64 bits", {"seller_id": 2**63}),
        ("not digits", {"seller_id": "1108966308a", "seller": {"id": "²"}}),
        (
            "a blocked conversation, no path",
            {"conversation_status": {"path": None}, "messages": []},
        ),
        (
            "a claim's buyer",
            {"players": [{"role": "complainant", "type": "buyer", "user_id": SELLER}]},
        ),
        (
            "wrong shapes",
            {"seller": [SELLER], "origin": "x", "messages": {"from": 3}, "players": 7},
        ),
    ],
)
def test_a_body_that_names_no_owner_belongs_to_nobody(shape, body):
    """§9.6: never accepted by default; the read is refused with the reason."""
    assert not belongs_to(body, SELLER), shape


def test_parties_names_every_owner_it_found():
    body = {"seller_id": SELLER, "origin": {"sender_id": str(SELLER + 1)}}
    assert parties(body) == {SELLER, SELLER + 1}
    assert parties({"id": 1}) is None


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=30,
    )
)
def test_any_body_gives_an_answer_never_a_crash(body):
    if isinstance(body, dict):
        found = parties(body)
        assert found is None or all(0 < n < 2**63 for n in found)
