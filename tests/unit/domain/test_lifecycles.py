"""Status machines: listings (§4.5), orders (§5.2), shipments (§6.2), questions (§7),
the notification inbox, and accounts."""

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accounts import ACCOUNT_LIFECYCLE, Account, AccountStatus
from domain.errors import InvalidTransition
from domain.lifecycle import Lifecycle
from domain.listings import LISTING_LIFECYCLE, ListingStatus
from domain.notifications import INBOX_LIFECYCLE, InboxStatus
from domain.orders import ORDER_LIFECYCLE, OrderStatus
from domain.questions import QUESTION_LIFECYCLE, QuestionStatus
from domain.shipments import SHIPMENT_LIFECYCLE, ShipmentStatus

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)

MACHINES = [
    (LISTING_LIFECYCLE, ListingStatus),
    (ORDER_LIFECYCLE, OrderStatus),
    (SHIPMENT_LIFECYCLE, ShipmentStatus),
    (QUESTION_LIFECYCLE, QuestionStatus),
    (INBOX_LIFECYCLE, InboxStatus),
    (ACCOUNT_LIFECYCLE, AccountStatus),
]


@st.composite
def walks(draw, machine: Lifecycle, statuses):
    """A random sequence of attempted moves through a machine."""
    start = draw(st.sampled_from(list(statuses)))
    return start, draw(st.lists(st.sampled_from(list(statuses)), max_size=20))


@pytest.mark.parametrize(("machine", "statuses"), MACHINES, ids=lambda m: getattr(m, "kind", ""))
@given(data=st.data())
def test_a_move_succeeds_exactly_when_the_table_allows_it(machine, statuses, data):
    current, attempts = data.draw(walks(machine, statuses))
    for target in attempts:
        if machine.allows(current, target):
            current = machine.check(current, target)
            assert current == target
        else:
            with pytest.raises(InvalidTransition):
                machine.check(current, target)


@pytest.mark.parametrize(("machine", "statuses"), MACHINES, ids=lambda m: getattr(m, "kind", ""))
@given(data=st.data())
def test_final_statuses_are_never_left(machine, statuses, data):
    status = data.draw(st.sampled_from(list(statuses)))
    target = data.draw(st.sampled_from(list(statuses)))
    if machine.is_final(status) and target != status:
        assert not machine.allows(status, target)


@pytest.mark.parametrize(("machine", "statuses"), MACHINES, ids=lambda m: getattr(m, "kind", ""))
def test_staying_put_is_always_allowed_so_replays_are_idempotent(machine, statuses):
    for status in statuses:
        assert machine.allows(status, status)


def test_closed_listings_cannot_be_reactivated():
    """ref: mercadolibre-api.md §4.3 (closed is final; relist instead)."""
    assert LISTING_LIFECYCLE.is_final(ListingStatus.CLOSED)
    with pytest.raises(InvalidTransition):
        LISTING_LIFECYCLE.check(ListingStatus.CLOSED, ListingStatus.ACTIVE)
    assert LISTING_LIFECYCLE.allows(ListingStatus.ACTIVE, ListingStatus.PAUSED)
    assert LISTING_LIFECYCLE.allows(ListingStatus.PAUSED, ListingStatus.ACTIVE)


def test_a_refunded_paid_order_ends_cancelled():
    """ref: mercadolibre-api.md §5.1, §5.2."""
    assert ORDER_LIFECYCLE.allows(OrderStatus.PAID, OrderStatus.CANCELLED)
    assert ORDER_LIFECYCLE.is_final(OrderStatus.CANCELLED)
    assert not ORDER_LIFECYCLE.allows(OrderStatus.PAID, OrderStatus.CONFIRMED)


def test_the_me2_happy_path_is_allowed_and_delivered_is_final():
    """ref: mercadolibre-api.md §6.2."""
    path = [
        ShipmentStatus.PENDING,
        ShipmentStatus.HANDLING,
        ShipmentStatus.READY_TO_SHIP,
        ShipmentStatus.SHIPPED,
        ShipmentStatus.DELIVERED,
    ]
    for current, target in itertools.pairwise(path):
        assert SHIPMENT_LIFECYCLE.allows(current, target)
    assert SHIPMENT_LIFECYCLE.is_final(ShipmentStatus.DELIVERED)


def test_an_account_that_lost_its_grant_comes_back_by_reconnecting():
    account = Account(seller_id=123456789, site_id="MLA", nickname="SELLER")
    account.needs_reauthorization("invalid_grant", NOW)
    assert account.status is AccountStatus.NEEDS_REAUTHORIZATION
    assert not account.is_usable
    account.reconnected("SELLER", "MLA", NOW)
    assert account.is_usable and account.status_reason is None


def test_inbox_entries_count_processing_attempts():
    from domain.notifications import InboxEntry, Notification

    entry = InboxEntry(Notification("n1", "items", "/items/MLA1", 1, 2), InboxStatus.RECEIVED, NOW)
    entry.move_to(InboxStatus.PROCESSING, NOW)
    entry.move_to(InboxStatus.FAILED, NOW, error="boom")
    entry.move_to(InboxStatus.PROCESSING, NOW)
    entry.move_to(InboxStatus.PROCESSED, NOW)
    assert entry.attempts == 2 and entry.last_error is None and entry.processed_at == NOW
    with pytest.raises(InvalidTransition):
        entry.move_to(InboxStatus.PROCESSING, NOW)


@pytest.mark.parametrize("end", [InboxStatus.PROCESSED, InboxStatus.DEAD])
def test_a_finished_inbox_entry_waits_for_no_next_attempt(end):
    from datetime import timedelta

    from domain.notifications import InboxEntry, Notification

    entry = InboxEntry(Notification("n1", "items", "/items/MLA1", 1, 2), InboxStatus.RECEIVED, NOW)
    entry.move_to(InboxStatus.PROCESSING, NOW)
    entry.move_to(InboxStatus.FAILED, NOW, error="boom")
    entry.next_attempt_at = NOW + timedelta(minutes=1)
    entry.move_to(InboxStatus.PROCESSING, NOW)
    entry.move_to(end, NOW)
    assert entry.next_attempt_at is None
