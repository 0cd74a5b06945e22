"""Planning the periodic MercadoLibre reads of every account within the hourly quota.

Pure arithmetic: from each account's size, the periodic budget (MELI_PERIODIC_BUDGET of
MELI_QUOTA_CALLS_PER_HOUR) and the configured job intervals, decide how each account's
periodic work runs so that, on average, the periodic calls of an hour stay within the
budget, and report what that costs in freshness.

The bulk reads (the catalogue and the stock of every listing) are cut into slices: the
job still runs at its configured interval, but each run reads one slice, and the whole
catalogue is read once every `slices` runs (the round). The staleness bound the plan
reports is the round plus the longest a run may take (a listing read early in one run
may be read late in the next one): the runs due at the same slot share the limiter's
rate, what people and notifications leave of it. The light reads (orders, questions,
missed feeds, unread messages) keep their interval unless they alone would take more than
half of the budget, in which case they run on one scheduled slot out of `runs_every`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence

import attrs

from domain.quota_cuts import HOUR, Cut, calls_per_run, needed_for, peak_fit

# The slices are part of the plan as its users see it (re-exported).
from domain.read_slices import WHOLE, ReadSlice, slice_of  # noqa: F401

SCAN_PAGE = 100  # §4.11: ids per scan page
MULTIGET = 20  # §4.11: ids per multiget
# A sliced catalogue run first reads the seller's latest changed listings (§4.11
# `orders=last_updated_desc`, application.listings.latest_changed) when no run of the
# account did within FRESHNESS_EVERY seconds: pages of FRESHNESS_PAGE ids, at most
# FRESHNESS_PAGES, at FRESHNESS_CALLS calls when nothing changed (a page and a multiget).
FRESHNESS_EVERY = 300
FRESHNESS_PAGE = 50
FRESHNESS_PAGES = 2
FRESHNESS_CALLS = 2
# A reconcile run of orders or questions reads the changes since the last run (§5.3,
# §7.2): one search page, and a second one now and then.
ORDERS_CALLS_PER_RUN = 2
QUESTIONS_CALLS_PER_RUN = 2
# §9.5: one page of GET /missed_feeds per topic the service follows.
MISSED_FEEDS_CALLS_PER_RUN = 7
# §8.4: the messages job reads each account's unread list, and now and then a
# conversation it names.
MESSAGES_CALLS_PER_ACCOUNT = 2
# §3: the reputation job reads each account's GET /users/{id} once.
REPUTATION_CALLS_PER_ACCOUNT = 1
# The light reads never take more than this share of the budget; they are stretched when
# they would.
LIGHT_SHARE = 0.5
# The stock check of every listing always keeps this share of what the light reads
# leave, however much the catalogue reads would want.
INVENTORY_FLOOR = 0.05
# The plan fills this share of the budget: runs that cross the hour and estimates that
# fall short take the rest, so that the limiter seldom has to hold a periodic call back.
PLAN_FILL = 0.95
# Every account is first given this share of a tier split evenly among the accounts,
# whatever its size, before the rest goes to the accounts from the smallest up.
EVEN_FLOOR = 0.25
# The catalogue read is scheduled on a tick of this fraction of MELI_SYNC_PRODUCTS_INTERVAL,
# which is the staleness asked for: a round can then end short of the interval.
PRODUCTS_TICKS = 20
# The plan aims a catalogue's round at this share of the interval, the rest left for the
# run itself (the bound it reports is the round plus the run).
STALENESS_AIM = 0.95
# A catalogue is read whole when that costs at most this share of the catalogue reads'
# room more than slices would (small catalogues).
WHOLE_SLACK = 0.01
# When runs share the limiter, periodic calls get at least this share of its rate,
# whatever people and notifications take.
PERIODIC_RATE_FLOOR = 0.1


class PlannedKind(enum.StrEnum):
    """The periodic jobs the plan sizes, by the names people use for them."""

    PRODUCTS = "products"
    INVENTORY = "inventory"
    ORDERS = "orders"
    QUESTIONS = "questions"
    MISSED_FEEDS = "missed_feeds"
    MESSAGES = "messages"
    REPUTATION = "reputation"


BULK = (PlannedKind.PRODUCTS, PlannedKind.INVENTORY)
LIGHT_PER_ACCOUNT = (PlannedKind.ORDERS, PlannedKind.QUESTIONS)


def catalogue_read_calls(listings: int) -> int:
    """Calls of one whole catalogue read: the scan plus the multigets (§4.11); an empty
    catalogue still costs its one scan call."""
    return max(1, math.ceil(listings / SCAN_PAGE)) + math.ceil(listings / MULTIGET)


def stock_read_calls(listings: int) -> int:
    """Calls of one stock check of every stored listing (multigets of 20, §4.11)."""
    return math.ceil(listings / MULTIGET)


def products_tick(interval: int) -> int:
    """Seconds between two scheduled slots of the catalogue read (the plan picks the
    slots each account reads on) for a MELI_SYNC_PRODUCTS_INTERVAL of `interval`."""
    return max(1, interval // PRODUCTS_TICKS)


@attrs.define(frozen=True)
class AccountLoad:
    """What the plan knows of an account: its stored listings, and whether it had a
    recent notification gap (open dead letters, recovered missed feeds), which puts it
    first."""

    account_id: int
    listings: int = attrs.field(validator=attrs.validators.ge(0))
    gap: bool = False


@attrs.define(frozen=True)
class PlannedJob:
    """How one periodic job runs for one account (or for all: account_id None).

    It fires on one scheduled slot out of `runs_every` of its `every_seconds`, and each
    run reads one part of `slices` (ReadSlice: with `scan_first`, a scan-only part and
    `passes` passes over the detail slices), making at most `calls_per_run` calls and
    taking at most `run_seconds`: a record it reads is re-read at least every
    `staleness_seconds` (`round_seconds`, the time every detail slice takes its turn,
    plus `run_seconds`); the scan (new and removed listings) comes every
    `cycle_seconds`.
    """

    kind: PlannedKind
    account_id: int | None
    every_seconds: int
    runs_every: int
    slices: int
    calls_per_hour: float
    round_seconds: int
    # The first of the slices only scans (a sliced catalogue read).
    scan_first: bool = False
    calls_per_run: int = 0
    run_seconds: int = 0
    passes: int = 1
    # The calls of a run that reads records (a scan-only part reads none): what
    # run_seconds is the duration of.
    reading_calls_per_run: int = 0
    # Its runs first read the latest changed listings when due (FRESHNESS_EVERY).
    fresh: bool = False

    @property
    def cycle_seconds(self) -> int:
        """Every part, the scan among them, takes its turn within this time."""
        return self.slices * self.runs_every * self.every_seconds

    @property
    def staleness_seconds(self) -> int:
        """The longest a record this job reads goes without being read: a round of
        slots, and the run that reads it late in the next round."""
        return self.round_seconds + self.run_seconds

    def due(self, slot: int) -> bool:
        """Whether the scheduled slot `slot` (time // every_seconds) runs the job."""
        return slot % self.runs_every == 0

    def slice_at(self, slot: int) -> ReadSlice:
        """The slice the run of slot `slot` reads: the slices in turn."""
        turn = (slot // self.runs_every) % self.slices
        return ReadSlice(turn, self.slices, self.scan_first, self.passes, self.fresh)


@attrs.define(frozen=True)
class AccountPlan:
    account_id: int
    listings: int
    gap: bool
    jobs: tuple[PlannedJob, ...]

    @property
    def calls_per_hour(self) -> float:
        return sum(job.calls_per_hour for job in self.jobs)

    @property
    def staleness_seconds(self) -> int:
        """Every listing is read whole again at least this often (the catalogue read)."""
        return self.job(PlannedKind.PRODUCTS).staleness_seconds

    @property
    def round_seconds(self) -> int:
        """Every listing's turn comes at least this often (the catalogue read)."""
        return self.job(PlannedKind.PRODUCTS).round_seconds

    def job(self, kind: PlannedKind) -> PlannedJob:
        return next(job for job in self.jobs if job.kind is kind)


@attrs.define(frozen=True)
class QuotaPlan:
    quota_per_hour: int
    budget_per_hour: int
    # Periodic calls an hour the configured intervals would take with whole reads.
    demand_per_hour: float
    accounts: tuple[AccountPlan, ...]  # accounts with a gap first, then by id
    shared: tuple[PlannedJob, ...]  # the jobs run once for every account

    @property
    def planned_per_hour(self) -> float:
        return sum(a.calls_per_hour for a in self.accounts) + sum(
            job.calls_per_hour for job in self.shared
        )

    @property
    def left_for_people(self) -> float:
        """Calls an hour the plan leaves for people's writes and notifications."""
        return self.quota_per_hour - self.planned_per_hour

    @property
    def fits_as_configured(self) -> bool:
        """Whether the configured intervals fit the budget without slicing anything."""
        return self.demand_per_hour <= self.budget_per_hour

    def account(self, account_id: int) -> AccountPlan | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)

    def job(self, account_id: int, kind: PlannedKind) -> PlannedJob | None:
        account = self.account(account_id)
        return None if account is None else account.job(kind)


def _share_out(
    demands: Mapping[int, float], capacity: float, first: frozenset[int]
) -> dict[int, float]:
    """Split `capacity` calls an hour among the accounts' `demands`: each first gets an
    even floor (or its demand, if less), then the rest goes to the accounts with a gap,
    then to the others from the smallest demand up. Never more than asked or than the
    capacity."""
    given = {key: 0.0 for key in demands}
    if not demands or capacity <= 0:
        return given
    floor = capacity * EVEN_FLOOR / len(demands)
    for key, demand in demands.items():
        given[key] = min(demand, floor)
    left = capacity - sum(given.values())
    order = sorted(demands, key=lambda key: (key not in first, demands[key], key))
    for key in order:
        more = min(demands[key] - given[key], left)
        given[key] += more
        left -= more
    return given


def _fit(
    account: AccountLoad, scan: int, details: int, every_seconds: int, allotted: float, whole: bool
) -> Cut:
    whole_read = scan + details
    fit = peak_fit(scan, details, every_seconds, allotted, whole)
    if fit is None and whole:
        fit = peak_fit(scan, details, every_seconds, allotted)
    if fit is None:
        # Nothing keeps the busiest hour within the allotment: at least the average
        # does, the runs spaced out as far as needed.
        demand = whole_read * HOUR / every_seconds
        most = max(1, math.ceil(account.listings / MULTIGET))
        needed = math.ceil(demand / allotted) if allotted > 0 else most * max(1, whole_read)
        slices = max(1, min(needed, most))
        fit = Cut(slices, math.ceil(needed / slices), round_steps=slices)
    return fit


def _bulk_job(
    kind: PlannedKind,
    account: AccountLoad,
    every_seconds: int,
    allotted: float,
    whole: bool = False,
) -> PlannedJob:
    products = kind is PlannedKind.PRODUCTS
    scan = max(1, math.ceil(account.listings / SCAN_PAGE)) if products else 0
    details = math.ceil(account.listings / MULTIGET)
    whole_read = scan + details
    fit = _fit(account, scan, details, every_seconds, allotted, whole)
    step = fit.runs_every * every_seconds
    cycle = fit.slices * step
    return PlannedJob(
        kind,
        account.account_id,
        every_seconds,
        fit.runs_every,
        fit.slices,
        (scan + fit.passes * details) * HOUR / cycle if whole_read else 0.0,
        fit.round_steps * step,
        fit.scan_first,
        calls_per_run(scan, details, fit),
        passes=fit.passes,
        reading_calls_per_run=calls_per_run(scan, details, fit, reading=True),
    )


def _with_freshness(plans: list[AccountPlan], planned: float, budget: float) -> list[AccountPlan]:
    """The sliced catalogue reads with their freshness pass, the accounts in the plan's
    order, as long as the budget has room for it (what the plan leaves unfilled,
    PLAN_FILL): at FRESHNESS_CALLS a pass, at most once every FRESHNESS_EVERY seconds."""
    fresh = []
    for account in plans:
        job = account.job(PlannedKind.PRODUCTS)
        step = job.runs_every * job.every_seconds
        extra = FRESHNESS_CALLS * HOUR / max(step, FRESHNESS_EVERY)
        if job.slices > 1 and planned + extra <= budget:
            planned += extra
            job = attrs.evolve(
                job,
                fresh=True,
                calls_per_hour=job.calls_per_hour + extra,
                calls_per_run=job.calls_per_run + FRESHNESS_CALLS,
            )
            jobs = tuple(job if j.kind is PlannedKind.PRODUCTS else j for j in account.jobs)
            account = attrs.evolve(account, jobs=jobs)
        fresh.append(account)
    return fresh


def _run_seconds(job: PlannedJob, others: Sequence[PlannedJob], calls_per_second: float) -> int:
    """How long a run of `job` that reads records may take when every periodic run
    (`others`, `job` among them) starts at the same slot and they share
    `calls_per_second` evenly: a run of c calls ends once each of the others made
    min(theirs, c)."""
    calls = job.reading_calls_per_run
    if calls == 0:
        return 0
    shared = sum(min(other.calls_per_run, calls) for other in others if other is not job)
    return math.ceil((shared + calls) / calls_per_second)


def _light_job(
    kind: PlannedKind, account_id: int | None, every_seconds: int, per_run: int, stretch: int
) -> PlannedJob:
    return PlannedJob(
        kind,
        account_id,
        every_seconds,
        stretch,
        1,
        per_run * HOUR / (every_seconds * stretch),
        every_seconds * stretch,
        calls_per_run=per_run,
        reading_calls_per_run=per_run,
    )


def plan_periodic_work(
    accounts: Sequence[AccountLoad],
    *,
    quota_per_hour: int,
    budget_share: float,
    intervals: Mapping[PlannedKind, int],
    calls_per_second: float,
) -> QuotaPlan:
    """The plan for `accounts` under `budget_share` of `quota_per_hour`; `intervals`:
    seconds between two scheduled runs of each kind; `calls_per_second`: the limiter's
    rate (MELI_RATE_LIMIT_PER_SECOND), which sizes how long a run takes. The planned
    calls an hour never exceed the budget."""
    if quota_per_hour < 1 or not 0 < budget_share <= 1:
        raise ValueError("the plan needs a quota and a share of it above 0")
    if not calls_per_second > 0:
        raise ValueError("the limiter's rate is above 0")
    if any(intervals[kind] < 1 for kind in PlannedKind):
        raise ValueError("every interval is at least one second")
    budget = max(1, math.floor(quota_per_hour * budget_share))
    fill = budget * PLAN_FILL
    light_per_run = {
        PlannedKind.ORDERS: ORDERS_CALLS_PER_RUN,
        PlannedKind.QUESTIONS: QUESTIONS_CALLS_PER_RUN,
    }
    # The shared jobs: one run covers every account.
    shared_per_run = {
        PlannedKind.MISSED_FEEDS: MISSED_FEEDS_CALLS_PER_RUN,
        PlannedKind.MESSAGES: MESSAGES_CALLS_PER_ACCOUNT * len(accounts),
        PlannedKind.REPUTATION: REPUTATION_CALLS_PER_ACCOUNT * len(accounts),
    }
    light = sum(per_run * HOUR / intervals[kind] for kind, per_run in shared_per_run.items()) + sum(
        per_run * HOUR / intervals[kind] * len(accounts) for kind, per_run in light_per_run.items()
    )
    bulk_demand = {
        kind: {
            a.account_id: (
                catalogue_read_calls(a.listings)
                if kind is PlannedKind.PRODUCTS
                else stock_read_calls(a.listings)
            )
            * HOUR
            / intervals[kind]
            for a in accounts
        }
        for kind in BULK
    }
    demand = light + sum(sum(d.values()) for d in bulk_demand.values())
    stretch = max(1, math.ceil(light / (fill * LIGHT_SHARE)))
    light_planned = light / stretch
    room = fill - light_planned
    gaps = frozenset(a.account_id for a in accounts if a.gap)
    stock_demand = sum(bulk_demand[PlannedKind.INVENTORY].values())
    stock_floor = min(stock_demand, room * INVENTORY_FLOOR)
    tick = products_tick(intervals[PlannedKind.PRODUCTS])
    aim = intervals[PlannedKind.PRODUCTS] * STALENESS_AIM
    capacity = room - stock_floor
    # Whole reads (the scan with every read) when they all fit; otherwise for the
    # accounts they cost little more than slices would.
    need_of = {
        (a.account_id, whole): needed_for(
            max(1, math.ceil(a.listings / SCAN_PAGE)),
            math.ceil(a.listings / MULTIGET),
            tick,
            aim,
            whole,
        )
        for a in accounts
        for whole in (True, False)
    }
    all_whole = sum(need_of[a.account_id, True] for a in accounts) <= capacity
    whole = {
        a.account_id: all_whole
        or need_of[a.account_id, True] - need_of[a.account_id, False] <= capacity * WHOLE_SLACK
        for a in accounts
    }
    needs = {a.account_id: need_of[a.account_id, whole[a.account_id]] for a in accounts}
    products = _share_out(needs, capacity, gaps)
    products_jobs = {
        a.account_id: _bulk_job(
            PlannedKind.PRODUCTS, a, tick, products[a.account_id], whole[a.account_id]
        )
        for a in accounts
    }
    # An allotment is a busiest hour; what the accounts served in full leave of it on
    # average goes to the others, in the order they were served.
    for a in sorted(accounts, key=lambda a: (not a.gap, needs[a.account_id], a.account_id)):
        if products[a.account_id] >= needs[a.account_id]:
            continue
        others = sum(j.calls_per_hour for i, j in products_jobs.items() if i != a.account_id)
        more = max(products[a.account_id], min(needs[a.account_id], capacity - others))
        products_jobs[a.account_id] = _bulk_job(
            PlannedKind.PRODUCTS, a, tick, more, whole[a.account_id]
        )
    stock_room = room - sum(job.calls_per_hour for job in products_jobs.values())
    stock = _share_out(bulk_demand[PlannedKind.INVENTORY], stock_room, gaps)
    plans = []
    for a in sorted(accounts, key=lambda a: (not a.gap, a.account_id)):
        jobs = [
            products_jobs[a.account_id],
            _bulk_job(
                PlannedKind.INVENTORY, a, intervals[PlannedKind.INVENTORY], stock[a.account_id]
            ),
            *(
                _light_job(kind, a.account_id, intervals[kind], per_run, stretch)
                for kind, per_run in light_per_run.items()
            ),
        ]
        plans.append(AccountPlan(a.account_id, a.listings, a.gap, tuple(jobs)))
    shared = tuple(
        _light_job(kind, None, intervals[kind], per_run, stretch)
        for kind, per_run in shared_per_run.items()
        if per_run
    )
    planned = sum(p.calls_per_hour for p in plans) + sum(j.calls_per_hour for j in shared)
    plans = _with_freshness(plans, planned, budget)
    # Periodic calls wait behind people's and notifications' (the limiter's priority):
    # at worst those spend their whole share of the hour evenly.
    periodic_rate = max(
        calls_per_second - (quota_per_hour - budget) / HOUR,
        calls_per_second * PERIODIC_RATE_FLOOR,
    )
    every_job = [job for p in plans for job in p.jobs] + list(shared)

    def timed(job: PlannedJob) -> PlannedJob:
        return attrs.evolve(job, run_seconds=_run_seconds(job, every_job, periodic_rate))

    plans = [attrs.evolve(p, jobs=tuple(timed(job) for job in p.jobs)) for p in plans]
    shared = tuple(timed(job) for job in shared)
    return QuotaPlan(quota_per_hour, budget, demand, tuple(plans), shared)
