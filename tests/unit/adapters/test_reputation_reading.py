"""§3 seller_reputation read leniently: every part may be absent or null, rates arrive as
numbers or strings, and a seller without a level has none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.mercadolibre.analytics import read_reputation
from application.errors import Unavailable


def test_a_full_reputation_reads_with_its_limits():
    reputation = read_reputation(
        {
            "seller_reputation": {
                "level_id": "4_light_green",
                "power_seller_status": "gold",
                "metrics": {
                    "sales": {"period": "60 days", "completed": 120},
                    "claims": {"period": "60 days", "rate": 0.02, "value": 3},
                    "delayed_handling_time": {"period": "60 days", "rate": "0.05", "value": 6},
                    "cancellations": {"period": "60 days", "rate": 0, "value": 0},
                },
            }
        }
    )
    assert (reputation.level_id, reputation.level, reputation.power_seller_status) == (
        "4_light_green",
        4,
        "gold",
    )
    assert reputation.completed_sales == 120
    claims, delayed, cancellations = reputation.metrics
    assert (claims.rate, claims.limit, claims.within_limit) == (
        Decimal("0.02"),
        Decimal("0.01"),
        False,
    )
    assert (delayed.rate, delayed.within_limit) == (Decimal("0.05"), True)
    assert (cancellations.value, cancellations.within_limit) == (0, True)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"seller_reputation": None},
        {"seller_reputation": {"level_id": None, "power_seller_status": None}},
        {"seller_reputation": {"metrics": {"claims": None, "sales": "x"}}},
        {"seller_reputation": {"metrics": {"claims": {"rate": "NaN", "value": True}}}},
    ],
)
def test_a_missing_or_odd_part_reads_as_unknown(body):
    reputation = read_reputation(body)
    assert reputation.level is None and reputation.completed_sales is None
    assert all(m.rate is None and m.within_limit is None for m in reputation.metrics)
    assert [m.name for m in reputation.metrics] == [
        "claims",
        "delayed_handling_time",
        "cancellations",
    ]


def test_an_answer_that_is_no_user_is_unavailable():
    with pytest.raises(Unavailable):
        read_reputation(["not", "a", "user"])
