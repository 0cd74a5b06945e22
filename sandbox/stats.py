from __future__ import annotations

from collections import Counter
from typing import Any


class CallStats:
    """Calls per `"<METHOD> <route pattern>"`: how benchmarks count MercadoLibre calls."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def record(self, method: str, route: str) -> None:
        self.calls[f"{method} {route}"] += 1

    def reset(self) -> None:
        self.calls.clear()

    def as_json(self) -> dict[str, Any]:
        return {"total": sum(self.calls.values()), "calls": dict(sorted(self.calls.items()))}
