"""Every background job the service runs, by actor name."""

from __future__ import annotations

from entrypoints.worker.runtime import ActorSpec

ACTORS: dict[str, ActorSpec] = {}
