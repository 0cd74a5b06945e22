"""Snapshots of resources kept as MercadoLibre returned them. Repository conventions: see
application.ports.repositories.accounts.
"""

from __future__ import annotations

from typing import Protocol

from application.queries import (
    Page,
    ResourceQuery,
)
from domain.resources import ResourceSnapshot


class ResourceSnapshotRepository(Protocol):
    """The last read of each MercadoLibre resource (table meli_resources)."""

    async def upsert(self, snapshot: ResourceSnapshot) -> bool:
        """Store the snapshot unless a newer one of its path is stored; return whether it
        was stored. Idempotent. Raises Conflict if its account does not exist."""
        ...

    async def find(self, path: str) -> ResourceSnapshot | None: ...

    async def search(self, query: ResourceQuery) -> Page[ResourceSnapshot]:
        """Snapshots matching the query, by path (code point order)."""
        ...
