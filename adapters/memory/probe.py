from __future__ import annotations


class InMemoryDatabaseProbe:
    """Health probe of the in-memory store: it lives in this process, so it answers."""

    name = "database"

    async def check(self) -> None:
        return None
