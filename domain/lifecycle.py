"""A small, explicit status machine shared by every aggregate that has a life cycle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Generic, TypeVar

from domain.errors import InvalidTransition

S = TypeVar("S", bound=Enum)


class Lifecycle(Generic[S]):
    """The allowed moves between statuses; anything not listed is refused.

    Staying in the same status is always allowed: MercadoLibre re-sends resources that
    did not change, and applying them must be idempotent.
    """

    def __init__(self, kind: str, moves: Mapping[S, Iterable[S]]) -> None:
        self.kind = kind
        self._moves = {source: frozenset(targets) for source, targets in moves.items()}

    def allows(self, current: S, target: S) -> bool:
        return current == target or target in self._moves.get(current, frozenset())

    def check(self, current: S, target: S) -> S:
        if not self.allows(current, target):
            raise InvalidTransition(self.kind, current.value, target.value)
        return target

    def targets(self, current: S) -> frozenset[S]:
        return self._moves.get(current, frozenset())

    def is_final(self, status: S) -> bool:
        return not self._moves.get(status)
