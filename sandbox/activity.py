"""Simulated buyers: orders (with variations when the item has them), payments,
questions, post-sale messages, claims and shipments moving along, at a steady rate, so a
service connected to the sandbox sees live traffic and live notifications.

The sequence of events is drawn from a seed: the same seed against the same state gives
the same events (their timing follows the wall clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from typing import Any, Protocol

from sandbox.config import SandboxConfig
from sandbox.errors import ApiError
from sandbox.events import EventWorld, perform


class SimulationWorld(EventWorld, Protocol):
    """What the activity simulator needs of the sandbox: its configuration and events."""

    config: SandboxConfig


log = logging.getLogger(__name__)

# What buyers and the carrier do, and how often, relative to each other.
WEIGHTS: dict[str, int] = {
    "order": 24,
    "payment": 14,
    "question": 14,
    "message": 10,
    "shipment": 34,
    "refund": 2,
    "claim": 1,
    "item": 1,
}


class ActivitySimulator:
    def __init__(self, state: SimulationWorld) -> None:
        self.state = state
        self.rate = 0.0
        self.seed = state.config.seed
        self.rng = random.Random(f"{self.seed}:activity")
        self.counts: Counter[str] = Counter()
        self.skipped = 0
        # What the simulation is limited to: some kinds of event, one seller.
        self.kinds: tuple[str, ...] = tuple(WEIGHTS)
        self.seller_id: int | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(
        self,
        rate: float,
        seed: int | None = None,
        kinds: tuple[str, ...] | None = None,
        seller_id: int | None = None,
    ) -> None:
        """(Re)start at `rate` events per second, of the given kinds only (default: all,
        weighted) and for one seller (default: any); the seed defaults to the sandbox's."""
        await self.stop()
        if rate <= 0:
            return
        unknown = set(kinds or ()) - set(WEIGHTS)
        if unknown:
            raise ValueError(f"unknown kinds of event: {', '.join(sorted(unknown))}")
        self.kinds = tuple(kinds) if kinds else tuple(WEIGHTS)
        self.seller_id = seller_id
        self.rate = rate
        self.reseed(self.state.config.seed if seed is None else seed)
        self.counts.clear()
        self.skipped = 0
        self._task = asyncio.create_task(self._run(), name="sandbox-activity")

    def reseed(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"{seed}:activity")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        interval = 1 / self.rate
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            # Paced on the clock, not by sleeping an interval after each event, so that the
            # rate holds however long an event takes.
            due += interval
            await asyncio.sleep(max(0.0, due - loop.time()))
            try:
                self.step()
            except Exception:
                log.exception("sandbox activity: an event failed")
                self.skipped += 1

    def step(self) -> tuple[str, dict[str, Any] | None]:
        """One event; answers its kind and what it created or changed (None when it did
        not apply to the current state, e.g. no unpaid order to pay)."""
        rng = self.rng
        kinds = list(self.kinds)
        kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
        body: dict[str, Any] = {"type": kind}
        if self.seller_id is not None:
            body["seller_id"] = self.seller_id
        if kind == "order":
            # Most buyers pay at once; some orders wait for a later payment event.
            body["status"] = "paid" if rng.random() < 0.6 else "confirmed"
        elif kind == "payment" and rng.random() < 0.2:
            body["status"] = "in_process"
        elif kind == "refund":
            body = {"type": "payment", "status": "refunded"}
        try:
            _, result = perform(self.state, body, rng)
        except ApiError:
            self.skipped += 1
            return kind, None
        self.counts[kind] += 1
        return kind, result

    def as_json(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "rate": self.rate if self.running else 0,
            "seed": self.seed,
            "events": dict(self.counts),
            "kinds": list(self.kinds),
            "seller_id": self.seller_id,
            "skipped": self.skipped,
        }
