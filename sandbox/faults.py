from __future__ import annotations

import fnmatch
import random
import re
from collections.abc import Mapping
from typing import Any

import attrs

from sandbox.errors import ApiError, error_body, too_many_requests

# §2.1: the generic error codes MercadoLibre documents for server-side failures.
SERVER_ERRORS: dict[int, tuple[str, str]] = {
    500: ("internal_server_error", "Internal Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_not_available", "Service Unavailable"),
    504: ("gateway_timeout", "Gateway Timeout"),
}
# 206 is the partial-content answer of §0.3 (items and users lose a sub-source).
FAULT_STATUSES = frozenset({*SERVER_ERRORS, 429, 206})
RULE_FIELDS = frozenset(
    {"path", "method", "status", "rate", "latency_ms", "drop", "after", "count"}
)


@attrs.define
class FaultRule:
    """One injected fault: which requests it hits and what it does to them."""

    id: int
    path: str
    method: str | None
    status: int | None
    rate: float
    latency_ms: int
    drop: bool
    count: int | None
    hits: int = 0
    # With drop: the request is processed first and only its answer is lost (a POST that
    # MercadoLibre took while the client saw the connection go).
    after: bool = False
    _regex: re.Pattern[str] | None = None

    def matches(self, method: str, path: str, route: str | None) -> bool:
        if self.method is not None and self.method != method:
            return False
        candidates = [path] if route is None else [path, route]
        if self._regex is not None:
            return any(self._regex.search(c) for c in candidates)
        return any(fnmatch.fnmatchcase(c, self.path) for c in candidates)

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.hits >= self.count

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "method": self.method,
            "status": self.status,
            "rate": self.rate,
            "latency_ms": self.latency_ms,
            "drop": self.drop,
            "after": self.after,
            "count": self.count,
            "hits": self.hits,
        }


@attrs.define
class FaultDecision:
    latency: float = 0.0
    drop: bool = False
    drop_after: bool = False
    status: int | None = None


class FaultInjector:
    """Fault rules added through the admin API, drawn with a seeded random generator."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"{seed}:faults")
        self._next_id = 1
        self.rules: list[FaultRule] = []

    def add(self, spec: Mapping[str, Any]) -> FaultRule:
        """Add a rule from its JSON form; raise ValueError with the reason if it is bad.

        `path` is a glob (`/items/*`) matched against the request path and the route
        pattern (`/items/{id}`), or a regular expression when it starts with `^` or `re:`.
        """
        unknown = set(spec) - RULE_FIELDS
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
        path = spec.get("path")
        if not isinstance(path, str) or not path:
            raise ValueError("path is required (a glob or a regular expression)")
        regex = None
        if path.startswith(("^", "re:")):
            try:
                regex = re.compile(path.removeprefix("re:"))
            except re.error as e:
                raise ValueError(f"invalid regular expression: {e}") from e
        method = spec.get("method")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be a string")
        status = spec.get("status")
        if status is not None and status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {sorted(FAULT_STATUSES)}")
        rate = spec.get("rate", 1.0)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ValueError("rate must be a number between 0 and 1")
        latency = spec.get("latency_ms", 0)
        if isinstance(latency, bool) or not isinstance(latency, int | float) or latency < 0:
            raise ValueError("latency_ms must be a non-negative number")
        drop = spec.get("drop", False)
        if not isinstance(drop, bool):
            raise ValueError("drop must be a boolean")
        after = spec.get("after", False)
        if not isinstance(after, bool) or (after and not drop):
            raise ValueError("after must be a boolean, and needs drop")
        count = spec.get("count")
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 1
        ):
            raise ValueError("count must be a positive integer")
        if status is None and not latency and not drop:
            raise ValueError("a rule needs a status, a latency_ms or drop")
        rule = FaultRule(
            self._next_id,
            path,
            method.upper() if method else None,
            status,
            float(rate),
            int(latency),
            drop,
            count,
            regex=regex,
            after=after,
        )
        self._next_id += 1
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules.clear()

    def decide(self, method: str, path: str, route: str | None) -> FaultDecision | None:
        """What the active rules do to this request, or None when nothing fires."""
        decision = None
        for rule in self.rules:
            if rule.exhausted or not rule.matches(method, path, route):
                continue
            if rule.rate < 1 and self._rng.random() >= rule.rate:
                continue
            rule.hits += 1
            decision = decision or FaultDecision()
            decision.latency += rule.latency_ms / 1000
            decision.drop = decision.drop or (rule.drop and not rule.after)
            decision.drop_after = decision.drop_after or (rule.drop and rule.after)
            if decision.status is None:
                decision.status = rule.status
        return decision


def fault_error(status: int, retry_after: int | None) -> ApiError:
    if status == 429:
        return too_many_requests(retry_after)
    error, message = SERVER_ERRORS[status]
    return ApiError(status, error_body(status, error, message))
