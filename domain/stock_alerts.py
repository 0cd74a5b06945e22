"""Low-stock alerts: a threshold per account or per listing, and the alerts raised when a
stock level's publishable quantity falls under it.

An alert is raised once per crossing: it stays raised (and is not raised again) while
the level stays under its threshold, and is re-armed (removed) when the level is back at
or above it, when its threshold goes, or when the level itself goes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from domain.common import aware, positive_int
from domain.errors import InvalidValue
from domain.inventory import StockLevel

# A threshold must fit the database's 32-bit integer, as quantities do.
MAX_THRESHOLD = 2**31 - 1

LevelKey = tuple[str, int | None]
"""(item id, variation id or None for a listing without variations)."""


def _within_int32(instance: object, attribute: attrs.Attribute, value: int) -> None:
    positive_int(instance, attribute, value)
    if value > MAX_THRESHOLD:
        raise InvalidValue(attribute.name, f"must be at most {MAX_THRESHOLD}")


@attrs.define(frozen=True)
class StockThreshold:
    """Alert when a stock level's publishable quantity is under `threshold`. Without
    `item_id` it holds for every listing of the account that has none of its own."""

    account_id: int
    threshold: int = attrs.field(validator=_within_int32)
    item_id: str | None = None
    updated_at: datetime | None = attrs.field(default=None, validator=aware)


@attrs.define(frozen=True)
class LowStockAlert:
    """A stock level under its threshold, raised at `raised_at` and not re-armed yet."""

    account_id: int
    item_id: str
    variation_id: int | None
    threshold: int
    publishable: int
    raised_at: datetime = attrs.field(validator=aware)

    @property
    def key(self) -> LevelKey:
        return (self.item_id, self.variation_id)

    @property
    def event_id(self) -> str:
        """The same for every delivery of this crossing; another crossing, another id
        (short enough for any event id column: 50 characters)."""
        crossing = f"{self.item_id}:{self.variation_id}:{self.raised_at.isoformat()}"
        return f"stock.low:{hashlib.sha256(crossing.encode()).hexdigest()[:40]}"


def threshold_for(item_id: str, thresholds: Mapping[str | None, StockThreshold]) -> int | None:
    """The listing's own threshold, else the account's, else None (no alerts)."""
    own = thresholds.get(item_id) or thresholds.get(None)
    return own.threshold if own is not None else None


@attrs.define(frozen=True)
class Crossings:
    raised: tuple[LowStockAlert, ...] = ()
    rearmed: tuple[LevelKey, ...] = ()


def crossings(
    account_id: int,
    levels: Iterable[StockLevel],
    thresholds: Mapping[str | None, StockThreshold],
    raised: Mapping[LevelKey, LowStockAlert],
    now: datetime,
    *,
    checked_items: frozenset[str] | None = None,
) -> Crossings:
    """What changes among the alerts of the levels given: a new alert for each level
    under its threshold that has none raised, and the keys of the raised alerts to
    re-arm (their level back at or above the threshold, without a threshold, or gone).
    `checked_items`, when given, limits the re-arming of gone levels to those listings
    (a check of a few listings says nothing of the others)."""
    new: list[LowStockAlert] = []
    low: set[LevelKey] = set()
    for level in levels:
        threshold = threshold_for(level.item_id, thresholds)
        key = (level.item_id, level.variation_id)
        if threshold is None or level.publishable >= threshold:
            continue
        low.add(key)
        if key not in raised:
            new.append(
                LowStockAlert(
                    account_id,
                    level.item_id,
                    level.variation_id,
                    threshold,
                    level.publishable,
                    now,
                )
            )
    rearmed = tuple(
        key
        for key in raised
        if key not in low and (checked_items is None or key[0] in checked_items)
    )
    return Crossings(tuple(new), rearmed)
