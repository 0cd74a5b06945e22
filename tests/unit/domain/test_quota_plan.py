"""The plan of the periodic reads (domain.quota_plan): within the budget whatever the
accounts, and every listing read again within the bound it reports (§4.11 costs)."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.quota_plan import (
    BULK,
    AccountLoad,
    PlannedKind,
    ReadSlice,
    catalogue_read_calls,
    plan_periodic_work,
    products_tick,
    slice_of,
)

DEFAULT_INTERVALS = {
    PlannedKind.PRODUCTS: 1800,
    PlannedKind.INVENTORY: 3600,
    PlannedKind.ORDERS: 600,
    PlannedKind.QUESTIONS: 900,
    PlannedKind.MISSED_FEEDS: 3600,
    PlannedKind.MESSAGES: 900,
    PlannedKind.REPUTATION: 3600,
}

accounts_strategy = st.lists(
    st.builds(
        AccountLoad,
        account_id=st.integers(1, 2**62),
        listings=st.integers(0, 300_000),
        gap=st.booleans(),
    ),
    max_size=12,
    unique_by=lambda a: a.account_id,
)
intervals_strategy = st.fixed_dictionaries(
    {kind: st.integers(60, 24 * 3600) for kind in PlannedKind}
)


def plan(accounts, quota=10_000, share=0.5, intervals=None, rate=10.0):
    return plan_periodic_work(
        accounts,
        quota_per_hour=quota,
        budget_share=share,
        intervals=intervals or DEFAULT_INTERVALS,
        calls_per_second=rate,
    )


def test_a_whole_catalogue_read_costs_the_scan_and_the_multigets():
    assert catalogue_read_calls(100_000) == 1_000 + 5_000
    assert catalogue_read_calls(101) == 2 + 6
    assert catalogue_read_calls(0) == 1


def test_a_small_installation_reads_whole_catalogues_within_the_interval():
    """MELI_SYNC_PRODUCTS_INTERVAL is the staleness asked for: the catalogue is read
    whole on a tick of a twentieth of it, early enough that a round and its run end
    within the interval; the other jobs run as configured."""
    planned = plan([AccountLoad(1, 2_000), AccountLoad(2, 50)])
    assert planned.fits_as_configured
    for account in planned.accounts:
        products = account.job(PlannedKind.PRODUCTS)
        assert (products.slices, products.every_seconds) == (1, products_tick(1800)) == (1, 90)
        # The shortest round that starts as many runs an hour as one of 19 ticks.
        assert products.round_seconds == 14 * 90
        assert products.staleness_seconds < 1800
        for job in account.jobs:
            assert job.staleness_seconds == job.round_seconds + job.run_seconds
            if job.kind is not PlannedKind.PRODUCTS:
                assert (job.slices, job.runs_every) == (1, 1)
                assert job.round_seconds == DEFAULT_INTERVALS[job.kind]


def test_the_bound_includes_how_long_a_run_takes_sharing_the_limiter():
    """A run of 120 calls (20 scan pages and 100 multigets of 2,000 listings) shares the
    rate with the stock check (100), orders (2), questions (2), the missed feeds (7) and
    the unread messages (2 for the one account), all due at the same slot, at the 10
    calls/s less the people's 5,000 an hour."""
    planned = plan([AccountLoad(1, 2_000)])
    products = planned.account(1).job(PlannedKind.PRODUCTS)
    assert products.calls_per_run == 120
    rate = 10 - 5_000 / 3600
    assert products.run_seconds == math.ceil((120 + 100 + 2 + 2 + 7 + 2) / rate)
    assert planned.account(1).staleness_seconds == 14 * 90 + products.run_seconds
    inventory = planned.account(1).job(PlannedKind.INVENTORY)
    assert inventory.run_seconds == math.ceil((100 + 100 + 2 + 2 + 7) / rate)
    # A faster limiter, shorter runs; the round does not change.
    faster = plan([AccountLoad(1, 2_000)], rate=100).account(1).job(PlannedKind.PRODUCTS)
    assert faster.round_seconds == 14 * 90 and faster.run_seconds < products.run_seconds


def test_a_large_seller_is_read_in_slices_and_the_small_ones_stay_fresh():
    sizes = {1: 100_000, 2: 20_000, 3: 5_000, 4: 1_000, 5: 100}
    planned = plan([AccountLoad(i, n) for i, n in sizes.items()])
    assert not planned.fits_as_configured
    assert planned.planned_per_hour <= planned.budget_per_hour == 5_000
    assert planned.left_for_people >= 5_000
    largest = planned.account(1)
    assert largest is not None
    products = largest.job(PlannedKind.PRODUCTS)
    assert products.slices > 1 and products.every_seconds == 90
    assert largest.staleness_seconds < 6 * 3600
    for account_id in (2, 3, 4, 5):
        account = planned.account(account_id)
        # The target: every listing of the smaller accounts within 30 minutes,
        # their run included; their scan (new and removed listings) within 90 minutes.
        assert account is not None and account.staleness_seconds < 1800
        assert account.job(PlannedKind.PRODUCTS).cycle_seconds <= 90 * 60


def test_sliced_catalogue_reads_plan_a_freshness_pass_the_budget_has_room_for():
    """§4.11 orders=last_updated_desc: a sliced read first reads the latest changed
    listings, at most once every FRESHNESS_EVERY seconds, counted in the plan."""
    sizes = {1: 100_000, 2: 20_000, 3: 5_000, 4: 1_000, 5: 100}
    planned = plan([AccountLoad(i, n) for i, n in sizes.items()])
    for account in planned.accounts:
        products = account.job(PlannedKind.PRODUCTS)
        assert products.fresh is (products.slices > 1)
        assert all(products.slice_at(slot).fresh is products.fresh for slot in range(3))
    assert planned.planned_per_hour <= planned.budget_per_hour
    assert planned.account(1).job(PlannedKind.PRODUCTS).fresh
    # No room in the budget, no pass.
    tight = plan([AccountLoad(1, 100_000)], quota=200).account(1).job(PlannedKind.PRODUCTS)
    assert tight.slices > 1 and not tight.fresh


def test_accounts_with_a_gap_are_planned_first():
    sizes = [AccountLoad(1, 100_000), AccountLoad(2, 100_000, gap=True)]
    planned = plan(sizes)
    assert [a.account_id for a in planned.accounts] == [2, 1]
    assert planned.account(2).staleness_seconds < planned.account(1).staleness_seconds


def test_light_reads_are_spaced_out_only_when_they_alone_would_take_half_the_budget():
    many = [AccountLoad(i, 10) for i in range(1, 201)]
    planned = plan(many, quota=1_000)
    orders = planned.account(1).job(PlannedKind.ORDERS)
    assert orders.runs_every > 1
    assert planned.planned_per_hour <= planned.budget_per_hour


def test_the_slices_take_turns():
    job = plan([AccountLoad(1, 100_000)], quota=2_000).account(1).job(PlannedKind.PRODUCTS)
    seen = [job.slice_at(slot) for slot in range(job.slices * job.runs_every) if job.due(slot)]
    assert sorted(s.index for s in seen) == list(range(job.slices))
    assert sum(s.scans for s in seen) == 1


@settings(max_examples=150, deadline=None)
@given(
    accounts_strategy,
    st.integers(1, 100_000),
    st.floats(0.01, 1.0),
    intervals_strategy,
)
def test_planned_calls_an_hour_never_exceed_the_budget(accounts, quota, share, intervals):
    planned = plan(accounts, quota, share, intervals)
    assert planned.planned_per_hour <= planned.budget_per_hour * (1 + 1e-9)
    assert planned.budget_per_hour <= quota
    assert len(planned.accounts) == len(accounts)


@settings(max_examples=150, deadline=None)
@given(accounts_strategy, st.integers(1, 100_000), st.floats(0.01, 1.0), intervals_strategy)
def test_every_listing_is_read_within_the_reported_bound(accounts, quota, share, intervals):
    """Over any `staleness_seconds` of scheduled slots, the slices run cover every slice."""
    planned = plan(accounts, quota, share, intervals)
    for account in planned.accounts:
        for kind in BULK:
            job = account.job(kind)
            slots = job.round_seconds // job.every_seconds
            assert slots * job.every_seconds == job.round_seconds
            assert job.staleness_seconds == job.round_seconds + job.run_seconds
            # A run makes its calls at no more than the limiter's rate.
            assert job.run_seconds >= job.reading_calls_per_run / 10.0
            start = 7 * slots + 3  # any run of consecutive slots will do
            # (only the due slots are looked at: the others run nothing)
            due = range(start + (-start) % job.runs_every, start + slots, job.runs_every)
            assert all(job.due(slot) for slot in due)
            parts = [job.slice_at(slot) for slot in due]
            detail_slices = parts[0].detail_slices
            read = {
                (part.index - 1) % detail_slices if part.scan_first else part.index
                for part in parts
                if not (part.scan_first and part.index == 0)
            }
            assert read == set(range(detail_slices))
            # Within a cycle, every part takes its turn, the scan among them.
            cycle = job.cycle_seconds // job.every_seconds
            due = range(start + (-start) % job.runs_every, start + cycle, job.runs_every)
            turns = {job.slice_at(slot).index for slot in due}
            assert turns == set(range(job.slices))
            # Never a slice of less than one multiget.
            assert detail_slices <= max(1, math.ceil(account.listings / 20))


@given(st.lists(st.text(min_size=1, max_size=20), max_size=200), st.integers(1, 50))
def test_slices_cut_a_catalogue_into_disjoint_parts_that_cover_it(item_ids, count):
    parts = [{i for i in item_ids if ReadSlice(k, count).holds(i)} for k in range(count)]
    assert set().union(*parts) == set(item_ids)
    assert sum(len(p) for p in parts) == len(set(item_ids))
    assert all(0 <= slice_of(i, count) < count for i in item_ids)


@given(
    st.lists(st.text(min_size=1, max_size=20), max_size=100), st.integers(1, 8), st.integers(1, 4)
)
def test_passes_read_every_detail_slice_again_between_two_scans(item_ids, count, passes):
    """A read that scans first, with passes: the scan-only part, then every detail slice
    read `passes` times over (a small catalogue's scan need not come with every pass)."""
    parts = [ReadSlice(i, 1 + passes * count, True, passes) for i in range(1 + passes * count)]
    assert [p.scans for p in parts].count(True) == 1 and parts[0].scans
    assert not any(parts[0].holds(i) for i in item_ids)
    reads = [i for p in parts for i in item_ids if p.holds(i)]
    assert sorted(reads) == sorted(item_ids * passes)
    # The longest any listing waits between two reads is one pass and the scan.
    for item_id in set(item_ids):
        turns = [k for k, p in enumerate(parts) if p.holds(item_id)]
        gaps = [b - a for a, b in itertools.pairwise(turns)]
        gaps.append(turns[0] + len(parts) - turns[-1])
        assert max(gaps) <= count + 1


def test_a_slice_with_passes_must_divide_its_parts():
    with pytest.raises(ValueError):
        ReadSlice(0, 6, True, 2)  # 5 detail parts are not 2 passes
    with pytest.raises(ValueError):
        ReadSlice(0, 4, False, 2)  # only a read that scans first passes again
    assert ReadSlice(3, 7, True, 3).detail_slices == 2
