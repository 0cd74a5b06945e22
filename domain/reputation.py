"""A seller's reputation as MercadoLibre measures it (§3 `seller_reputation`): the colour
level, the MercadoLíder (power seller) status, and the rates of the last 60 days it is
judged by, each against the most it may reach to keep the green level.

The limits are MercadoLibre's published ones for the green level on its largest sites
[INF: the reference lists level_id and power_seller_status only; the metrics and limits
follow MercadoLibre's reputation page: claims 1%, delayed handling 10%, cancellations
1.5%]."""

from __future__ import annotations

from decimal import Decimal

import attrs

LEVELS = ("1_red", "2_orange", "3_yellow", "4_light_green", "5_green")
GREEN_LIMITS = {
    "claims": Decimal("0.01"),
    "delayed_handling_time": Decimal("0.10"),
    "cancellations": Decimal("0.015"),
}


@attrs.define(frozen=True)
class RateMetric:
    name: str
    rate: Decimal | None
    value: int | None
    period: str | None
    limit: Decimal

    @property
    def within_limit(self) -> bool | None:
        return None if self.rate is None else self.rate <= self.limit


@attrs.define(frozen=True)
class Reputation:
    level_id: str | None
    power_seller_status: str | None
    completed_sales: int | None
    metrics: tuple[RateMetric, ...] = ()

    @property
    def level(self) -> int | None:
        """1 (red) to 5 (green); None for a seller without a level yet."""
        return level_of(self.level_id)


def level_of(level_id: str | None) -> int | None:
    """1 (red) to 5 (green) for a `level_id` MercadoLibre gives; None otherwise."""
    return LEVELS.index(level_id) + 1 if level_id in LEVELS else None
