"""Outbound subscriptions: registration refuses private callbacks, secrets are
sealed and shown once, events are signed, retried with backoff, logged, and dead-lettered
when every attempt failed."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.crypto.fernet import FernetTokenCipher, generate_key
from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.queue.codec import CattrsJobCodec
from adapters.system.clock import ManualClock
from adapters.webhooks.signing import signature, verify
from application import jobs
from application.dead_letters.replay_dead_letter import ReplayDeadLetter
from application.errors import NotFound, ValidationFailed
from application.operations.requeue_lost_work import RequeueLostWork
from application.ports.webhooks import SendResult
from application.queries import DeadLetterQuery
from application.subscriptions.addresses import is_public_address
from application.subscriptions.delete_subscription import DeleteSubscription
from application.subscriptions.deliver_webhook import DeliverWebhook
from application.subscriptions.events import announce
from application.subscriptions.register_subscription import RegisterSubscription
from domain.accounts import Account
from domain.errors import InvalidValue
from domain.notifications import InboxEntry, InboxStatus, Notification
from domain.subscriptions import DeliveryStatus

START = datetime(2026, 11, 27, 12, tzinfo=UTC)


class FakeResolver:
    def __init__(self, addresses: dict[str, list[str]]) -> None:
        self.addresses_of = addresses

    async def addresses(self, host: str) -> list[str]:
        return self.addresses_of[host]


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict, str, int]] = []
        self.answers: list[SendResult] = []

    async def send(self, url, payload, secret, delivery_id):
        self.sent.append((url, dict(payload), secret, delivery_id))
        return self.answers.pop(0) if self.answers else SendResult(200)


class World:
    def __init__(self, allow_private: bool = False) -> None:
        self.clock = ManualClock(START)
        self.store = InMemoryStore()
        self.queue = InMemoryJobQueue()
        self.cipher = FernetTokenCipher([generate_key()])
        self.resolver = FakeResolver(
            {"hooks.example.com": ["93.184.216.34"], "internal.example.com": ["10.1.2.3"]}
        )
        self.sender = FakeSender()
        self.register = RegisterSubscription(
            self.uow, self.cipher, self.resolver, self.clock, allow_private
        )
        self.codec = CattrsJobCodec()
        self.deliver = DeliverWebhook(self.uow, self.sender, self.cipher, self.clock, self.codec)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.queue)

    async def processed_event(self, n: int = 1) -> list[int]:
        """What ProcessNotification does when it finishes an entry."""
        async with self.uow() as uow:
            account = await uow.accounts.find_by_seller(42) or await uow.accounts.add(
                Account(42, "MLA", "SELLER")
            )
            entry = InboxEntry(
                Notification(f"evt-{n}", "orders_v2", f"/orders/{n}", 42, 1, received=START),
                InboxStatus.PROCESSED,
                received_at=START,
                id=n,
            )
            await announce(uow, entry, account, None, self.clock.now())
            await uow.commit()
        return [job.delivery_id for job in self.queue.jobs[-10:]]

    async def delivery(self, delivery_id: int):
        async with self.uow() as uow:
            return await uow.deliveries.get(delivery_id)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("not an address", False),
    ],
)
def test_only_public_addresses_are_public(address, public):
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    ("address", "embeds"),
    [
        ("2002:7f00:1::", "127.0.0.1 by 6to4"),
        ("2002:a00:1::1", "10.0.0.1 by 6to4"),
        ("2002:a9fe:a9fe::", "169.254.169.254 by 6to4"),
        # Teredo: server 65.54.227.120, client 127.0.0.1 (its bits inverted, RFC 4380).
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "127.0.0.1 by Teredo"),
        ("2001:0:a00:1::", "server 10.0.0.1 by Teredo"),
        ("64:ff9b::7f00:1", "127.0.0.1 by NAT64"),
        ("64:ff9b::c0a8:101", "192.168.1.1 by NAT64"),
        ("64:ff9b:1::7f00:1", "local-use NAT64"),
        ("64:ff9b:1:abcd::808:808", "local-use NAT64"),
        ("::ffff:10.1.2.3", "10.1.2.3 IPv4-mapped"),
        ("::ffff:7f00:1", "127.0.0.1 IPv4-mapped"),
        ("::127.0.0.1", "127.0.0.1 IPv4-compatible"),
        ("::10.0.0.1", "10.0.0.1 IPv4-compatible"),
        ("::100.64.0.1", "100.64.0.1 IPv4-compatible"),
    ],
)
def test_an_ipv6_address_embedding_a_private_or_loopback_ipv4_one_is_not_public(address, embeds):
    assert is_public_address(address) is False, embeds


def test_a_6to4_address_of_a_public_ipv4_one_is_as_public_as_it():
    assert is_public_address("2002:5db8:d822::1") is True  # 93.184.216.34


async def test_a_6to4_callback_embedding_loopback_is_refused_at_registration():
    world = World()
    world.resolver.addresses_of["2002:7f00:1::"] = ["2002:7f00:1::"]
    with pytest.raises(ValidationFailed) as refused:
        await world.register("*", "http://[2002:7f00:1::]:8080/hook")
    assert refused.value.problems[0].code == "private_address"


async def test_registering_seals_the_secret_and_returns_it_once():
    world = World()

    registration = await world.register("orders_v2", "https://hooks.example.com/meli")

    async with world.uow() as uow:
        stored = await uow.subscriptions.get(registration.subscription.id)
    assert registration.secret not in stored.sealed_secret
    assert world.cipher.decrypt(stored.sealed_secret) == registration.secret
    assert "secret" not in repr(registration)


@pytest.mark.parametrize(
    "url",
    ["https://internal.example.com/hook", "http://127.0.0.1/hook", "http://[::1]:8080/x"],
)
async def test_a_callback_on_a_private_address_is_refused_unless_allowed(url):
    world = World()
    world.resolver.addresses_of.update({"127.0.0.1": ["127.0.0.1"], "::1": ["::1"]})
    with pytest.raises(ValidationFailed) as refused:
        await world.register("*", url)
    assert refused.value.problems[0].field == "callback_url"

    allowed = World(allow_private=True)
    assert (await allowed.register("*", url)).subscription.id == 1


@pytest.mark.parametrize(
    ("topic", "url"),
    [
        ("Orders!", "https://hooks.example.com/"),
        ("orders_v2", "ftp://hooks.example.com/"),
        ("orders_v2", "https://user:pw@hooks.example.com/"),
        ("", "https://hooks.example.com/"),
        ("nope", "https://hooks.example.com/"),
        ("order_v2", "https://hooks.example.com/"),
    ],
)
async def test_bad_topics_and_urls_are_refused(topic, url):
    """A topic §9.3 does not name would never fire: a typo is refused, not stored."""
    with pytest.raises((InvalidValue, ValidationFailed)):
        await World().register(topic, url)


async def test_documented_topics_and_their_legacy_names_are_accepted():
    """§9.3: claims are notified as post_purchase today; older pages say claims."""
    world = World()
    assert (await world.register("claims", "https://hooks.example.com/")).subscription.topic == (
        "post_purchase"
    )
    assert (await world.register("items_prices", "https://hooks.example.com/")).subscription.id


async def test_an_event_is_delivered_signed_to_each_matching_subscription_once():
    world = World()
    orders = await world.register("orders_v2", "https://hooks.example.com/orders")
    everything = await world.register("*", "https://hooks.example.com/all")
    await world.register("questions", "https://hooks.example.com/questions")

    delivery_ids = await world.processed_event()
    assert await world.processed_event() == delivery_ids, "announced twice, logged once"
    for delivery_id in delivery_ids:
        assert await world.deliver(delivery_id) is DeliveryStatus.DELIVERED

    urls = [sent[0] for sent in world.sender.sent]
    assert urls == ["https://hooks.example.com/orders", "https://hooks.example.com/all"]
    secrets = [sent[2] for sent in world.sender.sent]
    assert secrets == [orders.secret, everything.secret]
    payload = world.sender.sent[0][1]
    assert payload == {
        "id": "evt-1",
        "topic": "orders_v2",
        "resource": "/orders/1",
        "account_id": 1,
        "seller_id": 42,
        "occurred_at": START.isoformat(),
    }
    assert await world.deliver(delivery_ids[0]) is None, "delivered: nothing more to do"


async def test_failed_deliveries_back_off_then_fail_with_a_dead_letter_that_replays():
    world = World()
    await world.register("orders_v2", "https://hooks.example.com/orders")
    (delivery_id,) = await world.processed_event()
    world.sender.answers = [SendResult(500)] * 5 + [SendResult(None, "timed out")]
    waits = []
    for _ in range(6):
        status = await world.deliver(delivery_id)
        delivery = await world.delivery(delivery_id)
        if status is DeliveryStatus.PENDING:
            waits.append((delivery.next_attempt_at - world.clock.now()).total_seconds())
            assert await world.deliver(delivery_id) is None, "not due yet"
            world.clock.advance(waits[-1])

    assert waits == [10, 60, 300, 1800, 7200]
    assert status is DeliveryStatus.FAILED
    assert (delivery.attempts, delivery.last_error) == (6, "timed out")
    retries = [q for q in world.queue.queued if isinstance(q.job, jobs.DeliverWebhook)][1:]
    assert [q.delay_seconds for q in retries] == waits
    async with world.uow() as uow:
        (letter,) = (await uow.dead_letters.search(DeadLetterQuery())).items
    assert letter.topic == "deliver_webhook" and "failed after 6 attempt(s)" in letter.error

    await ReplayDeadLetter(world.uow, world.clock, world.codec)(letter.id)
    replayed = world.queue.jobs[-1]
    assert replayed == jobs.DeliverWebhook(delivery_id, reset=True)
    assert await world.deliver(replayed.delivery_id, replayed.reset) is DeliveryStatus.DELIVERED
    assert (await world.delivery(delivery_id)).attempts == 1


async def test_a_deleted_subscription_gets_nothing_more():
    world = World()
    registration = await world.register("orders_v2", "https://hooks.example.com/orders")
    (delivery_id,) = await world.processed_event()

    await DeleteSubscription(world.uow, world.clock)(registration.subscription.id)

    assert await world.deliver(delivery_id) is DeliveryStatus.FAILED
    assert world.sender.sent == []
    assert await world.processed_event(2) == [delivery_id], "no new delivery"
    with pytest.raises(NotFound):
        await DeleteSubscription(world.uow, world.clock)(registration.subscription.id)


async def test_the_sweep_queues_deliveries_whose_job_was_lost():
    world = World()
    await world.register("orders_v2", "https://hooks.example.com/orders")
    (delivery_id,) = await world.processed_event()
    world.queue.clear()
    sweep = RequeueLostWork(world.uow, world.queue, world.clock, grace=timedelta(minutes=1))

    assert await sweep(["deliveries"]) == {"deliveries": 0}
    world.clock.advance(61)
    assert await sweep(["deliveries"]) == {"deliveries": 1}
    assert world.queue.jobs == [jobs.DeliverWebhook(delivery_id)]


def test_a_signature_verifies_only_with_the_secret_the_body_and_a_fresh_timestamp():
    body = json.dumps({"id": "evt-1"}).encode()
    now = int(time.time())
    header = signature("s3cret", now, body)

    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify("s3cret", str(now), body, header, now + 10)
    assert not verify("other", str(now), body, header, now)
    assert not verify("s3cret", str(now), body + b" ", header, now)
    assert not verify("s3cret", str(now + 1), body, header, now)
    assert not verify("s3cret", str(now), body, header, now + 301), "too old: a replay"
    assert not verify("s3cret", "soon", body, header, now)


def test_the_documented_verification_snippet_accepts_our_signatures_only():
    docs = (Path(__file__).resolve().parents[3] / "docs" / "notifications.md").read_text()
    block = next(b for b in docs.split("```python")[1:] if "def authentic" in b)
    namespace: dict = {}
    exec(block.split("```", 1)[0], namespace)
    authentic = namespace["authentic"]
    body = b'{"id":"evt-1"}'
    now = int(time.time())
    headers = {"X-Meli-Timestamp": str(now), "X-Meli-Signature": signature("s3cret", now, body)}

    assert authentic("s3cret", headers, body)
    assert not authentic("wrong", headers, body)
    assert not authentic("s3cret", {**headers, "X-Meli-Timestamp": str(now - 301)}, body)
