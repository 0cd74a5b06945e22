"""Named locks held across processes (one token refresh at a time, one stock write per listing)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from application.errors import Unavailable


class LockLost(Unavailable):
    """A lock was taken away from its holder while the holder's block ran (its lease
    expired, or whatever backs it was removed): another process may have run the same
    block at the same time. The block ran to its end; what it did is done."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"lock {name!r} was lost while held: {reason}")
        self.name = name


class Lock(Protocol):
    """A mutual-exclusion lock by name, held across processes (and machines when shared)."""

    def hold(self, name: str, timeout: float = 30.0) -> AbstractAsyncContextManager[None]:
        """Context manager holding the lock `name` for as long as the block runs, however
        long that is (a lease is renewed while the holder lives).

        Raises LockTimeout if it cannot be taken within `timeout` seconds. A holder that
        dies releases it (by expiry or by closing its connection). Raises LockLost on
        leaving the block if the lock was taken away meanwhile; when the block raised,
        its own error is kept and the loss is logged instead.
        """
        ...
