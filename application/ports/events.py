"""What the real-time pipeline reports as it works (the metrics adapter counts it)."""

from __future__ import annotations

from typing import Protocol


class PipelineEvents(Protocol):
    def received(self, topic: str, origin: str) -> None:
        """A new notification was stored for processing (origin: live or recovered)."""
        ...

    def duplicate(self, topic: str, origin: str) -> None:
        """A notification already stored (same id, or its resource already pending)."""
        ...

    def rejected(self, reason: str) -> None:
        """A notification refused: foreign application, unknown or disconnected seller,
        source address not allowed."""
        ...

    def processed(self, topic: str, outcome: str) -> None:
        """A processing attempt ended (processed, coalesced, gone, retry, dead, ...)."""
        ...

    def delivered(self, outcome: str) -> None:
        """An attempt to deliver an event to a subscriber ended (delivered, retry,
        failed)."""
        ...


class NoPipelineEvents:
    """Reports nowhere: for embedding and tests."""

    def received(self, topic: str, origin: str) -> None:
        return None

    def duplicate(self, topic: str, origin: str) -> None:
        return None

    def rejected(self, reason: str) -> None:
        return None

    def processed(self, topic: str, outcome: str) -> None:
        return None

    def delivered(self, outcome: str) -> None:
        return None
