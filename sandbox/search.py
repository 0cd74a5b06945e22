"""GET /users/{id}/items/search: offset paging and scan (§4.11).

Positions are walked in listing order with `bytearray.find` on the status index, so a
page costs about its own size, whatever the number of items the seller has. The
`last_updated_desc` order walks the items changed since they were published, latest
first (SellerListings.changed), then the untouched demo items, latest published first:
a first page costs its own size too.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from sandbox.clock import SimulatedClock
from sandbox.config import SandboxConfig
from sandbox.demo import DELETED, STATUS_CODES, SellerListings
from sandbox.errors import ApiError, api_error, bad_request
from sandbox.items import ItemStore

# §4.11: the default sort is stop_time_asc; every listing runs for the same time, so
# listing order is also start-time order. last_updated_desc is among the documented
# available_orders: the most recently changed first. Other sorts are not simulated [INF].
ORDERS = {
    "stop_time_asc": "Order by stop time ascending",
    "start_time_asc": "Order by start time ascending",
    "last_updated_desc": "Order by last updated descending",
}
LAST_UPDATED_DESC = "last_updated_desc"
FILTERS = ("status", "sub_status", "sku", "seller_sku", "listing_type_id")
DEFAULT_LIMIT = 50
# §4.11: sellers with more than 200k items get 206 with include_filters=true.
FILTERS_PARTIAL_ABOVE = 200_000


@attrs.define
class Criteria:
    status: str | None = None
    sub_status: str | None = None
    sku: str | None = None
    seller_sku: str | None = None
    listing_type_id: str | None = None

    def applied(self) -> dict[str, str]:
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


@attrs.define
class Scroll:
    seller_id: int
    criteria: Criteria
    position: int
    total: int
    expires_at: float


class ItemSearch:
    def __init__(self, store: ItemStore, clock: SimulatedClock, config: SandboxConfig) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.scrolls: dict[str, Scroll] = {}

    def search(self, listings: SellerListings, params: Mapping[str, str]) -> tuple[int, dict]:
        """Answer (HTTP status, body) for a seller search."""
        criteria = self._criteria(params)
        order = params.get("orders", "stop_time_asc")
        if order not in ORDERS:
            raise bad_request(f"Invalid sort: {order}")
        limit = self._int(params, "limit", DEFAULT_LIMIT, 1)
        if limit > self.config.search_max_limit:
            raise bad_request(f"Limit must be lower or equal than {self.config.search_max_limit}")
        if params.get("search_type") == "scan" or "scroll_id" in params:
            if order == LAST_UPDATED_DESC:
                # §4.11 documents the scan in listing order only [INF: refused here].
                raise bad_request("search_type=scan walks in stop_time_asc order only")
            body = self._scan(listings, criteria, limit, params)
        else:
            body = self._page(listings, criteria, limit, params, order)
        status = 200
        body = {
            "seller_id": str(listings.user_id),
            "query": None,
            **body,
            "orders": [{"id": order, "name": ORDERS[order]}],
            "available_orders": [{"id": k, "name": v} for k, v in ORDERS.items()],
        }
        if params.get("include_filters") == "true":
            body["filters"] = [
                {"id": k, "name": k, "type": "text", "values": [{"id": v}]}
                for k, v in criteria.applied().items()
            ]
            if listings.size > FILTERS_PARTIAL_ABOVE:
                status = 206
            else:
                body["available_filters"] = self._available_filters(listings)
        return status, body

    def _page(
        self,
        listings: SellerListings,
        criteria: Criteria,
        limit: int,
        params: Mapping[str, str],
        order: str,
    ) -> dict[str, Any]:
        offset = self._int(params, "offset", 0, 0)
        if offset + limit > self.config.search_max_offset:
            # §4.11: offset+limit beyond 1000 is not served; the error is undocumented
            # [INF: 400 with this message].
            raise bad_request(
                f"The sum of offset and limit must be lower or equal than "
                f"{self.config.search_max_offset}. Use search_type=scan to read further."
            )
        results = []
        matches = (
            self._matches_latest_first(listings, criteria)
            if order == LAST_UPDATED_DESC
            else self._matches(listings, criteria, 0)
        )
        for n, position in enumerate(matches):
            if n >= offset + limit:
                break
            if n >= offset:
                results.append(listings.item_id(position))
        total = self._total(listings, criteria)
        return {"paging": {"limit": limit, "offset": offset, "total": total}, "results": results}

    def _scan(
        self, listings: SellerListings, criteria: Criteria, limit: int, params: Mapping[str, str]
    ) -> dict[str, Any]:
        if "offset" in params:
            # §2.4: do not mix scroll_id with offset paging.
            raise bad_request("search_type=scan does not accept offset; follow the scroll_id")
        now = self.clock.now()
        scroll_id = params.get("scroll_id")
        if scroll_id:
            scroll = self.scrolls.get(scroll_id)
            if scroll is None or scroll.expires_at <= now or scroll.seller_id != listings.user_id:
                self.scrolls.pop(scroll_id, None)
                raise scroll_expired()
        else:
            scroll_id = secrets.token_hex(16)
            scroll = Scroll(listings.user_id, criteria, 0, self._total(listings, criteria), now)
        results = []
        position = scroll.position
        for position in self._matches(listings, scroll.criteria, scroll.position):
            results.append(listings.item_id(position))
            if len(results) == limit:
                break
        paging = {"limit": limit, "total": scroll.total}
        if not results:
            # §4.11: at the end of the list, empty results and a null scroll_id.
            self.scrolls.pop(scroll_id, None)
            return {"paging": paging, "results": [], "scroll_id": None}
        scroll.position = position + 1
        # §4.11: a scroll lives 5 minutes; every use renews it [INF].
        scroll.expires_at = now + self.config.scroll_ttl
        self.scrolls[scroll_id] = scroll
        self._forget_expired(now)
        return {"paging": paging, "results": results, "scroll_id": scroll_id}

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, s in self.scrolls.items() if s.expires_at <= now]:
            del self.scrolls[key]

    # -- matching -------------------------------------------------------------------------

    def _matches(self, listings: SellerListings, criteria: Criteria, start: int) -> Iterator[int]:
        """Matching positions from `start`, in listing order."""
        statuses = listings.statuses
        wanted = STATUS_CODES[criteria.status] if criteria.status else None
        if criteria.sku is not None or criteria.seller_sku is not None:
            candidates = self._sku_candidates(listings, criteria)
            for position in candidates:
                if position >= start and self._accepts(listings, position, criteria, wanted):
                    yield position
            return
        if wanted is not None:
            position = statuses.find(wanted, start)
            while position != -1:
                if self._accepts_facts(listings, position, criteria):
                    yield position
                position = statuses.find(wanted, position + 1)
            return
        for position in range(start, listings.size):
            if statuses[position] != DELETED and self._accepts_facts(listings, position, criteria):
                yield position

    def _matches_latest_first(self, listings: SellerListings, criteria: Criteria) -> Iterator[int]:
        """Matching positions, the latest `last_updated` first (§4.11 last_updated_desc):
        the changed items by their change, merged with the untouched demo items, whose
        last_updated is their publication, later the higher their position."""
        wanted = STATUS_CODES[criteria.status] if criteria.status else None
        skus = (
            set(self._sku_candidates(listings, criteria))
            if criteria.sku is not None or criteria.seller_sku is not None
            else None
        )
        changed = reversed(listings.changed.items())
        pending = next(changed, None)
        position = listings.demo_count - 1
        while pending is not None or position >= 0:
            while position >= 0 and listings.item_id(position) in listings.changed:
                position -= 1
            if pending is not None and (
                position < 0 or pending[1] >= listings.demo_published(position)
            ):
                located = self.store.locate(pending[0])
                pending = next(changed, None)
                if located is None or located[0] is not listings:
                    continue
                candidate = located[1]
            elif position >= 0:
                candidate, position = position, position - 1
            else:
                break
            if skus is not None and candidate not in skus:
                continue
            if self._accepts(listings, candidate, criteria, wanted):
                yield candidate

    def _sku_candidates(self, listings: SellerListings, criteria: Criteria) -> list[int]:
        sets = []
        if criteria.sku is not None:
            sets.append(
                set(self.store.positions_with_sku(listings, criteria.sku, seller_sku=False))
            )
        if criteria.seller_sku is not None:
            sets.append(
                set(self.store.positions_with_sku(listings, criteria.seller_sku, seller_sku=True))
            )
        return sorted(set.intersection(*sets))

    def _accepts(
        self, listings: SellerListings, position: int, criteria: Criteria, wanted: int | None
    ) -> bool:
        code = listings.statuses[position]
        if code == DELETED or (wanted is not None and code != wanted):
            return False
        return self._accepts_facts(listings, position, criteria)

    def _accepts_facts(self, listings: SellerListings, position: int, criteria: Criteria) -> bool:
        if criteria.sub_status is None and criteria.listing_type_id is None:
            return True
        sub_status, listing_type = self.store.facts(listings, position)
        if criteria.sub_status is not None and criteria.sub_status not in sub_status:
            return False
        return criteria.listing_type_id is None or criteria.listing_type_id == listing_type

    def _total(self, listings: SellerListings, criteria: Criteria) -> int:
        applied = criteria.applied()
        if not applied:
            return listings.size - listings.statuses.count(DELETED)
        if set(applied) == {"status"}:
            return listings.statuses.count(STATUS_CODES[criteria.status or ""])
        return sum(1 for _ in self._matches(listings, criteria, 0))

    def _available_filters(self, listings: SellerListings) -> list[dict[str, Any]]:
        values = []
        for name, code in STATUS_CODES.items():
            count = listings.statuses.count(code)
            if count:
                values.append(
                    {"id": name, "name": name.replace("_", " ").title(), "results": count}
                )
        return [{"id": "status", "name": "Status", "type": "text", "values": values}]

    # -- parameters -----------------------------------------------------------------------

    @staticmethod
    def _criteria(params: Mapping[str, str]) -> Criteria:
        criteria = Criteria(**{k: params[k] for k in FILTERS if params.get(k)})
        if criteria.status is not None and criteria.status not in STATUS_CODES:
            raise bad_request(f"Invalid status: {criteria.status}")
        return criteria

    @staticmethod
    def _int(params: Mapping[str, str], name: str, default: int, minimum: int) -> int:
        raw = params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(f"Invalid {name}: {raw}") from None
        if value < minimum:
            raise bad_request(f"{name} must be {minimum} or more")
        return value


def scroll_expired() -> ApiError:
    """An unknown or expired scroll_id; undocumented [INF: 400]."""
    return api_error(400, "bad_request", "The scroll_id is invalid or has expired")
