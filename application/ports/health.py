from __future__ import annotations

from typing import Protocol


class HealthProbe(Protocol):
    """Checks one dependency of the service."""

    name: str

    async def check(self) -> None:
        """Return if the dependency answers; raise Unavailable (with a reason) if not."""
        ...
