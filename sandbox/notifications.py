"""§9: notifications to the application's callback URL.

Every change the sandbox makes is published here as a small record and delivered in the
background, so the request that caused it never waits for the callback. A delivery counts
only when the callback answers HTTP 200 within `delivery_timeout_ms` (§9.4); otherwise it
is retried on the simulated clock, eight attempts over one hour, and then kept for two
days in the missed feeds (§9.5). Advancing the clock wakes the sender, so retries that
fell due are made at once. Bodies have one shape, or with `notification_variants`
"varied" any of the shapes MercadoLibre documents, drawn from the seed (§9.2).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import logging
import random
import time
import uuid
from collections import Counter, deque
from typing import Any

import aiohttp
import attrs

from sandbox.clock import SimulatedClock, iso
from sandbox.config import SandboxConfig, topic_name

log = logging.getLogger(__name__)

# Deliveries kept for GET /_sandbox/deliveries; pending and lost ones are kept elsewhere
# as long as they matter, so only the oldest finished records fall off.
LOG_SIZE = 20_000
# Attempts in flight at once; the rest wait their turn.
CONCURRENCY = 16
# The longest the sender sleeps without looking at the clock.
MAX_SLEEP = 30.0
# §9.5: the response body kept with a missed feed is cut at this many characters.
BODY_LIMIT = 1000
# §9.1 / §9.6: the only headers sent (plus content-length); no signature.
HEADERS = {"accept": "application/json", "content-type": "application/json"}
# §9.2: the documented examples of these topics carry no id at all.
ID_LESS_TOPICS = frozenset({"orders_v2", "questions", "shipments", "messages"})


def retry_offset(failures: int, max_attempts: int, window: float) -> float:
    """Seconds after the first attempt at which attempt `failures + 1` is due.

    §9.4 says eight attempts over one hour and nothing about the spacing [INF]: the
    intervals double, and the last attempt falls at the end of the window (with the
    defaults: 28 s, 85 s, 198 s, 425 s, 879 s, 1786 s and 3600 s).
    """
    if max_attempts <= 1:
        return 0.0
    base = window / (2 ** (max_attempts - 1) - 1)
    return base * (2**failures - 1)


@attrs.define(frozen=True)
class NotificationShape:
    """How one notification is written. MercadoLibre's documented examples disagree
    (§9.2, §0.3): `_id`, `id` or no id at all, `user_id` as a number or a string,
    `received` or `recieved` (sic), and a `messages` resource that is the bare message
    id or its path. The default is the one shape the sandbox sends unless told to vary."""

    id_field: str | None = "_id"
    user_id_as_text: bool = False
    received_field: str = "received"
    message_path: bool = False

    @classmethod
    def draw(cls, topic: str, rng: random.Random) -> NotificationShape:
        """A documented shape for a notification of `topic`, drawn at random."""
        ids: list[str | None] = ["_id", "id"]
        if topic in ID_LESS_TOPICS:
            ids.append(None)
        return cls(
            id_field=rng.choice(ids),
            user_id_as_text=rng.random() < 0.5,
            received_field=rng.choice(("received", "recieved")),
            message_path=topic == "messages" and rng.random() < 0.5,
        )


CANONICAL = NotificationShape()


@attrs.define
class Attempt:
    number: int
    at: float
    status: int | None
    latency_ms: int
    error: str | None
    body: str = ""
    headers: dict[str, str] = attrs.field(factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "time": iso(self.at),
            "status": self.status,
            "latency_ms": self.latency_ms,
            "error": self.error,
        }


@attrs.define(eq=False)
class Delivery:
    """One notification on its way to the callback (a duplicate is a second Delivery with
    the same `_id`)."""

    id: str
    topic: str
    resource: str
    user_id: int
    application_id: int | str
    received: float
    actions: list[str] | None
    seq: int
    generation: int
    due: float | None
    duplicate: bool = False
    outcome: str = "pending"
    attempts: list[Attempt] = attrs.field(factory=list)
    first_at: float | None = None
    lost_at: float | None = None
    in_flight: bool = False
    request: dict[str, Any] | None = None
    shape: NotificationShape = CANONICAL

    def body(
        self, attempt: int, sent: float, shape: NotificationShape | None = None
    ) -> dict[str, Any]:
        """§9.2: `{_id, resource, user_id, topic, application_id, attempts, sent,
        received[, actions]}`, times in UTC, written in the delivery's shape (or in
        `shape`); typed topics always carry their actions."""
        shape = shape or self.shape
        body: dict[str, Any] = {}
        if shape.id_field is not None:
            body[shape.id_field] = self.id
        resource = self.resource
        if shape.message_path and not resource.startswith("/"):
            resource = f"/messages/{resource}"
        body["resource"] = resource
        body["user_id"] = str(self.user_id) if shape.user_id_as_text else self.user_id
        body["topic"] = self.topic
        body["application_id"] = self.application_id
        body["attempts"] = attempt
        body["sent"] = iso(sent)
        body[shape.received_field] = iso(self.received)
        if self.actions is not None:
            body["actions"] = list(self.actions)
        return body

    def as_json(self) -> dict[str, Any]:
        """The admin view: what was sent, every attempt, and the outcome."""
        return {
            "_id": self.id,
            "topic": self.topic,
            "resource": self.resource,
            "user_id": self.user_id,
            "application_id": self.application_id,
            "actions": self.actions,
            "received": iso(self.received),
            "duplicate": self.duplicate,
            "outcome": self.outcome,
            "attempts": len(self.attempts),
            "next_attempt_at": iso(self.due) if self.outcome == "pending" and self.due else None,
            "attempt_log": [a.as_json() for a in self.attempts],
        }

    def missed_json(self) -> dict[str, Any]:
        """§9.5: the notification with the last request and response. MercadoLibre's own
        record has the §9.5 fields whatever shape the notification was sent in; the
        request's `data` is what was sent."""
        last = self.attempts[-1]
        body = self.body(len(self.attempts), last.at, CANONICAL)
        body["request"] = self.request
        body["response"] = {
            "req_time": last.latency_ms,
            "http_code": last.status,
            "body": last.body if last.error is None else last.error,
            "headers": last.headers,
        }
        return body


class Notifier:
    def __init__(self, clock: SimulatedClock, config: SandboxConfig, seed: int) -> None:
        self.clock = clock
        self.config = config
        self._rng = random.Random(f"{seed}:notifications")
        # Shapes come from a generator of their own, so that varying them changes
        # nothing else (ids, delays and duplicates stay what the seed makes them).
        self._shapes = random.Random(f"{seed}:notification-shapes")
        self._seq = itertools.count(1)
        self._generation = 0
        self.log: deque[Delivery] = deque(maxlen=LOG_SIZE)
        self._heap: list[tuple[float, int, Delivery]] = []
        self._missed: list[Delivery] = []
        self._lost_in_row: Counter[str] = Counter()
        self.deactivated: set[str] = set()
        self.dropped: Counter[str] = Counter()
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        clock.listeners.append(self.wake)

    # -- configuration ----------------------------------------------------------------

    def configure(self, config: SandboxConfig) -> None:
        """A new configuration; subscribing to topics again reactivates them (§9.4)."""
        if config.topics != self.config.topics or config.callback_url != self.config.callback_url:
            self.deactivated.clear()
            self._lost_in_row.clear()
        self.config = config
        self.wake()

    def reset(self) -> None:
        """Forget every delivery; attempts in flight finish unrecorded."""
        self._generation += 1
        self.log.clear()
        self._heap.clear()
        self._missed.clear()
        self._lost_in_row.clear()
        self.deactivated.clear()
        self.dropped.clear()

    # -- publishing -------------------------------------------------------------------

    def publish(
        self, topic: str, resource: str, user_id: int, actions: list[str] | None = None
    ) -> Delivery | None:
        """Queue a notification; never waits. None when nothing is sent (no callback URL,
        topic not subscribed, or topic deactivated)."""
        config = self.config
        topic = topic_name(topic)
        if config.callback_url is None or topic not in config.topics:
            return None
        if topic in self.deactivated:
            # §9.4: notifications during deactivation are not kept anywhere.
            self.dropped[topic] += 1
            return None
        now = self.clock.now()
        rng = self._rng
        delay = rng.uniform(0, config.shuffle_window_ms / 1000) if config.shuffle else 0.0
        shape = CANONICAL
        if config.notification_variants == "varied":
            shape = NotificationShape.draw(topic, self._shapes)
        delivery = Delivery(
            id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            topic=topic,
            resource=resource,
            user_id=user_id,
            application_id=application_id(config.client_id),
            received=now,
            actions=actions,
            seq=next(self._seq),
            generation=self._generation,
            due=now + delay,
            shape=shape,
        )
        self._queue(delivery)
        if config.duplicate_rate and rng.random() < config.duplicate_rate:
            # §9.4: the same notification again, a moment later [INF: within 2 s].
            twin = attrs.evolve(
                delivery,
                seq=next(self._seq),
                due=now + delay + rng.uniform(0.05, 2.0),
                duplicate=True,
                attempts=[],
            )
            self._queue(twin)
        self.wake()
        return delivery

    def _queue(self, delivery: Delivery) -> None:
        self.log.append(delivery)
        assert delivery.due is not None
        heapq.heappush(self._heap, (delivery.due, delivery.seq, delivery))

    def wake(self) -> None:
        self._wake.set()

    # -- the sender -------------------------------------------------------------------

    def start(self, session: aiohttp.ClientSession) -> None:
        self._session = session
        self._task = asyncio.create_task(self._run(), name="sandbox-notifications")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._in_flight) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        self._in_flight.clear()

    async def _run(self) -> None:
        while True:
            try:
                await self._round()
            except Exception:
                log.exception("sandbox: the notification sender failed; it goes on")
                await asyncio.sleep(0.1)

    async def _round(self) -> None:
        """Start every attempt that is due, then sleep until the next one is due, a new
        notification arrives or the clock jumps."""
        self._wake.clear()
        now = self.clock.now()
        due = []
        while self._heap and self._heap[0][0] <= now:
            _, _, delivery = heapq.heappop(self._heap)
            if delivery.outcome == "pending" and not delivery.in_flight:
                due.append(delivery)
        if self.config.shuffle:
            self._rng.shuffle(due)
        for delivery in due:
            delivery.in_flight = True
            task = asyncio.create_task(self._attempt(delivery))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        self._forget_expired(now)
        sleep = MAX_SLEEP
        if self._heap:
            sleep = min(sleep, max(0.0, self._heap[0][0] - now))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=sleep)

    async def _attempt(self, delivery: Delivery) -> None:
        async with self._slots:
            config = self.config
            url = config.callback_url
            number = len(delivery.attempts) + 1
            sent = self.clock.now()
            if delivery.first_at is None:
                delivery.first_at = sent
            data = json.dumps(delivery.body(number, sent)).encode()
            delivery.request = {
                "url": url,
                "headers": {**HEADERS, "content-length": len(data)},
                "data": data.decode(),
            }
            timeout_ms = config.delivery_timeout_ms
            status, error, text, headers = None, None, "", {}
            started = time.monotonic()
            if url is None:
                error = "no callback URL"
            else:
                try:
                    status, text, headers = await self._post(url, data, timeout_ms / 1000)
                except TimeoutError:
                    error = f"no answer within {timeout_ms} ms"
                except (aiohttp.ClientError, OSError, ValueError) as e:
                    error = f"{type(e).__name__}: {e}"
                except Exception as e:
                    # Whatever else goes wrong is a failed attempt, never a stuck one.
                    log.exception("sandbox: notification attempt failed")
                    error = f"{type(e).__name__}: {e}"
            latency = round((time.monotonic() - started) * 1000)
        attempt = Attempt(number, sent, status, latency, error, text, headers)
        self._record(delivery, attempt, delivered=status == 200 and latency <= timeout_ms)

    async def _post(self, url: str, data: bytes, timeout: float) -> tuple[int, str, dict[str, str]]:
        assert self._session is not None
        async with self._session.post(
            url,
            data=data,
            headers=HEADERS,
            timeout=aiohttp.ClientTimeout(total=timeout),
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
            allow_redirects=False,
        ) as response:
            text = await response.text(errors="replace")
            return response.status, text[:BODY_LIMIT], dict(response.headers)

    def _record(self, delivery: Delivery, attempt: Attempt, *, delivered: bool) -> None:
        delivery.in_flight = False
        if delivery.generation != self._generation:
            return
        delivery.attempts.append(attempt)
        config = self.config
        if delivered:
            delivery.outcome, delivery.due = "delivered", None
            self._lost_in_row[delivery.topic] = 0
        elif attempt.number >= config.max_attempts:
            delivery.outcome, delivery.due = "lost", None
            delivery.lost_at = self.clock.now()
            self._missed.append(delivery)
            self._lost_in_row[delivery.topic] += 1
            threshold = config.deactivate_after_lost
            if threshold and self._lost_in_row[delivery.topic] >= threshold:
                log.info("sandbox: topic %s deactivated after failures", delivery.topic)
                self.deactivated.add(delivery.topic)
        else:
            assert delivery.first_at is not None
            offset = retry_offset(attempt.number, config.max_attempts, config.retry_window)
            delivery.due = max(delivery.first_at + offset, attempt.at)
            heapq.heappush(self._heap, (delivery.due, delivery.seq, delivery))
        self.wake()

    # -- reading ----------------------------------------------------------------------

    def deliveries(self, *, topic: str | None = None, outcome: str | None = None) -> list[Delivery]:
        wanted = topic_name(topic) if topic else None
        return [
            d
            for d in self.log
            if (wanted is None or d.topic == wanted) and (outcome is None or d.outcome == outcome)
        ]

    def _forget_expired(self, now: float) -> None:
        ttl = self.config.missed_feeds_ttl
        if self._missed and self._missed[0].lost_at is not None:
            self._missed = [d for d in self._missed if (d.lost_at or 0) + ttl > now]

    def missed(self, app_id: int | str, topic: str | None, site_id: str | None) -> list[Delivery]:
        """§9.5: lost notifications of the last two days, oldest first."""
        self._forget_expired(self.clock.now())
        wanted = topic_name(topic) if topic else None
        result = []
        for delivery in self._missed:
            if delivery.application_id != app_id:
                continue
            if wanted is not None and delivery.topic != wanted:
                continue
            if site_id and delivery.topic == "items":
                if not delivery.resource.startswith(f"/items/{site_id}"):
                    continue
            result.append(delivery)
        return result

    def summary(self) -> dict[str, Any]:
        """Counts by outcome and the state of each topic."""
        outcomes = Counter(d.outcome for d in self.log)
        return {
            "callback_url": self.config.callback_url,
            "outcomes": {k: outcomes.get(k, 0) for k in ("pending", "delivered", "lost")},
            "topics": [
                {
                    "topic": topic,
                    "active": topic not in self.deactivated,
                    "lost_in_a_row": self._lost_in_row.get(topic, 0),
                    "dropped": self.dropped.get(topic, 0),
                }
                for topic in self.config.topics
            ],
        }

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait (real time) until nothing is due now or in flight; for tests."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.clock.now()
            if not self._in_flight and not (self._heap and self._heap[0][0] <= now):
                return
            await asyncio.sleep(0.01)


def application_id(client_id: str) -> int | str:
    """The application id as notifications carry it: a number when the client id is."""
    return int(client_id) if client_id.isdigit() else client_id
