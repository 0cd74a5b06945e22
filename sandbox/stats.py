"""What the sandbox was asked: call counts per route, and the latest requests."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from typing import Any

import attrs

# The latest MercadoLibre requests kept for GET /_sandbox/requests.
REQUEST_LOG_SIZE = 1000
# Headers and query parameters never recorded: secrets stay out of every log.
SECRET_HEADERS = frozenset({"authorization", "cookie"})
SECRET_PARAMS = frozenset(
    {"access_token", "client_secret", "refresh_token", "code", "code_verifier"}
)


@attrs.define(frozen=True)
class RecordedRequest:
    """One MercadoLibre request as it arrived, secrets left out."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    headers: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


class CallStats:
    """Calls per `"<METHOD> <route pattern>"` (how benchmarks count MercadoLibre calls),
    and the latest requests with their query and headers (how tests see that a client
    asked for the shape it parses, §0.3)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.requests: deque[RecordedRequest] = deque(maxlen=REQUEST_LOG_SIZE)

    def record(
        self,
        method: str,
        route: str,
        path: str = "",
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.calls[f"{method} {route}"] += 1
        kept = {k.lower(): v for k, v in (headers or {}).items() if k.lower() not in SECRET_HEADERS}
        params = {k: v for k, v in (query or {}).items() if k not in SECRET_PARAMS}
        self.requests.append(RecordedRequest(method, path, route, params, kept))

    def reset(self) -> None:
        self.calls.clear()
        self.requests.clear()

    def as_json(self) -> dict[str, Any]:
        return {"total": sum(self.calls.values()), "calls": dict(sorted(self.calls.items()))}

    def requests_json(self, path: str | None = None) -> list[dict[str, Any]]:
        """The latest requests, oldest first; only those to `path` when given."""
        return [r.as_json() for r in self.requests if path is None or r.path == path]
