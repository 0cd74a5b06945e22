"""Visits to listings and to a seller's listings, per day [INF: MercadoLibre's
/items/visits and /users/{id}/items_visits, not in the reference]. The simulator has no
buyers browsing: a day's visits are a fixed function of the seed, the listing (or the
seller) and the date, so every read of the same day agrees."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sandbox.errors import bad_request


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:4], "big")


def item_visits(seed: int, item_id: str, day: date) -> int:
    return _hash(seed, "item", item_id, day.isoformat()) % 60


def user_visits(seed: int, user_id: int, day: date) -> int:
    return _hash(seed, "user", user_id, day.isoformat()) % 3000


def day_param(raw: str | None, name: str) -> date:
    """A `date_from`/`date_to`: a date, or a date-time whose date is taken as given."""
    if not raw:
        raise bad_request(f"The {name} parameter is required")
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise bad_request(f"The {name} parameter is not a date") from None


def days_between(first: date, last: date) -> list[date]:
    if last < first:
        raise bad_request("date_from must not be after date_to")
    if (last - first).days > 365:
        raise bad_request("At most 365 days of visits at a time")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
