"""Model of the quota plan: a simulated day of five sellers of very different sizes, in memory.

    .venv/bin/python bench/quota_plan_model.py [--hours 24] [--seed 7]
        [--sizes 100000,20000,5000,1000,100] [--writes-per-hour 200]

What is real and what is simulated (no real waiting: a virtual clock is advanced):
- Real: the in-process rate limiter (adapters.local.ratelimit, 10 calls/s, 10,000 an
  hour, MELI_PERIODIC_BUDGET 0.5) on the virtual clock, serving the three priority
  classes; the quota plan (domain.quota_plan) with the default intervals; the plan's
  slices (which listings each run reads) and turns (which slot reads which slice).
- Simulated: MercadoLibre answers each call after 150 ms; a catalogue run is its calls
  (one scan page per 100 ids on the scanning slice, one multiget per 20 ids, 8
  multigets at a time, like SyncCatalogue), a stock run its multigets, a reconcile of
  orders or questions two calls, the missed feeds seven; the activity simulator sells
  (300 an hour) and asks (100 an hour) on listings picked by account size, each
  notification read with two calls (the resource and the listing); another service
  writes stock 200 times an hour (one call each).

Figures: calls per hour by class (the quota is never exceeded: the limiter refuses
past it), p95 wait of the stock writes, the largest staleness of any listing per account
(the longest time a listing went without being read, by a periodic run or a
notification), and stock writes sent between a sale and the processing of its
notification (those could have published a unit already sold: "oversold"). Written to
bench/results/quota_plan_model.json.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import itertools
import json
import math
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.local.ratelimit import LocalRateLimiter  # noqa: E402
from application.errors import QuotaExhausted  # noqa: E402
from application.ports.rate_limiter import API_CALLS, HOUR, CallClass, RateLimits  # noqa: E402
from domain.quota_plan import (  # noqa: E402
    MISSED_FEEDS_CALLS_PER_RUN,
    MULTIGET,
    SCAN_PAGE,
    AccountLoad,
    PlannedJob,
    PlannedKind,
    ReadSlice,
    plan_periodic_work,
)

LATENCY = 0.15
START = 3600.0 * 500_000  # on the hour, like the quota's windows
INTERVALS = {
    PlannedKind.PRODUCTS: 1800,
    PlannedKind.INVENTORY: 3600,
    PlannedKind.ORDERS: 600,
    PlannedKind.QUESTIONS: 900,
    PlannedKind.MISSED_FEEDS: 3600,
    PlannedKind.MESSAGES: 900,
}
CONCURRENT_MULTIGETS = 8


class VirtualTime:
    """A clock and a sleep for a set of tasks: when every live task sleeps, time jumps
    to the earliest wake-up. Tasks only ever wait on `sleep`."""

    def __init__(self, start: float) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.tasks: set[asyncio.Task[None]] = set()
        self.failures: list[BaseException] = []
        self._asleep = asyncio.Event()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        self._check_asleep()
        await future

    def _check_asleep(self) -> None:
        if len(self._sleepers) >= len(self.tasks):
            self._asleep.set()

    def spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failures.append(task.exception())
        self._check_asleep()

    async def run_until(self, end: float) -> None:
        while True:
            # Let every task run until it sleeps or ends.
            await self._asleep.wait()
            self._asleep.clear()
            if self.failures:
                raise self.failures[0]
            if not self._sleepers or self._sleepers[0][0] > end:
                self.now = end
                return
            wake, _, future = heapq.heappop(self._sleepers)
            self.now = wake
            future.set_result(None)


class Day:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.clock = VirtualTime(START)
        self.limiter = LocalRateLimiter(
            RateLimits(per_second=10, quotas={API_CALLS: (10_000, HOUR)}, periodic_budget=0.5),
            monotonic=self.clock.time,
            wall=self.clock.time,
            sleep=self.clock.sleep,
        )
        self.sizes = dict(enumerate(args.sizes, start=1))
        self.plan = plan_periodic_work(
            [AccountLoad(a, n) for a, n in self.sizes.items()],
            quota_per_hour=10_000,
            budget_share=0.5,
            intervals=INTERVALS,
            calls_per_second=10,
        )
        # Every listing was read when the day starts (the first sync ran before).
        self.last_read = {a: [START] * n for a, n in self.sizes.items()}
        self.worst = dict.fromkeys(self.sizes, 0.0)
        self.calls: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.write_waits: list[float] = []
        self.refused: dict[str, int] = defaultdict(int)
        self.runs: dict[str, int] = defaultdict(int)
        self.unread_sales: dict[tuple[int, int], int] = defaultdict(int)
        self.oversold = 0
        self._slices: dict[tuple[int, ReadSlice], list[int]] = {}

    # -- calls ----------------------------------------------------------------------------

    async def call(self, call_class: CallClass) -> float:
        waited = await self.limiter.acquire(API_CALLS, call_class=call_class)
        hour = int((self.clock.now - START) // HOUR)
        self.calls[hour][call_class.value] += 1
        await self.clock.sleep(LATENCY)
        return waited

    def read(self, account: int, indexes: list[int]) -> None:
        now, last = self.clock.now, self.last_read[account]
        for i in indexes:
            self.worst[account] = max(self.worst[account], now - last[i])
            last[i] = now

    def slice_members(self, account: int, part: ReadSlice) -> list[int]:
        """The listings whose details the part reads (ReadSlice.holds), cached."""
        key = (account, part)
        if key not in self._slices:
            self._slices[key] = [
                i for i in range(self.sizes[account]) if part.holds(f"MLA{account}{i:09d}")
            ]
        return self._slices[key]

    # -- periodic work --------------------------------------------------------------------

    async def bulk_run(self, account: int, job: PlannedJob, slot: int) -> None:
        part = job.slice_at(slot)
        members = self.slice_members(account, part)
        self.runs[job.kind.value] += 1
        try:
            if job.kind is PlannedKind.PRODUCTS and part.scans:
                for _ in range(max(1, math.ceil(self.sizes[account] / SCAN_PAGE))):
                    await self.call(CallClass.PERIODIC)
        except QuotaExhausted:
            self.refused[job.kind.value] += 1
            return
        chunks = iter([members[i : i + MULTIGET] for i in range(0, len(members), MULTIGET)])
        refused = [False]

        async def fetcher() -> None:
            # Every task of the virtual clock only ever waits on its sleep: the fetchers
            # run as tasks of their own, like the sync's pipeline stages.
            for chunk in chunks:
                try:
                    await self.call(CallClass.PERIODIC)
                except QuotaExhausted:
                    if not refused[0]:
                        self.refused[job.kind.value] += 1
                    refused[0] = True
                    return
                self.read(account, chunk)

        for _ in range(CONCURRENT_MULTIGETS):
            self.clock.spawn(fetcher())

    async def light_run(self, kind: str, calls: int) -> None:
        self.runs[kind] += 1
        try:
            for _ in range(calls):
                await self.call(CallClass.PERIODIC)
        except QuotaExhausted:
            self.refused[kind] += 1

    async def scheduler(self, job: PlannedJob) -> None:
        slot = int(START // job.every_seconds)
        while True:
            if job.due(slot):
                if job.kind in (PlannedKind.PRODUCTS, PlannedKind.INVENTORY):
                    assert job.account_id is not None
                    self.clock.spawn(self.bulk_run(job.account_id, job, slot))
                else:
                    per_run = MISSED_FEEDS_CALLS_PER_RUN if job.account_id is None else 2
                    self.clock.spawn(self.light_run(job.kind.value, per_run))
            slot += 1
            await self.clock.sleep(slot * job.every_seconds - self.clock.now)

    # -- what people and MercadoLibre do ----------------------------------------------------

    def pick_listing(self) -> tuple[int, int]:
        account = self.rng.choices(list(self.sizes), weights=list(self.sizes.values()))[0]
        return account, self.rng.randrange(self.sizes[account])

    async def notification(self, account: int, index: int, sale: bool) -> None:
        try:
            await self.call(CallClass.NOTIFICATION)  # the order or the question
            await self.call(CallClass.NOTIFICATION)  # the listing it changed
        except QuotaExhausted:
            self.refused["notification"] += 1
            return
        self.read(account, [index])
        if sale:
            self.unread_sales[(account, index)] -= 1

    async def activity(self, per_hour: float, sale: bool) -> None:
        while True:
            await self.clock.sleep(self.rng.expovariate(per_hour / HOUR))
            account, index = self.pick_listing()
            if sale:
                self.unread_sales[(account, index)] += 1
            # MercadoLibre notifies within a second or two (§9).
            self.clock.spawn(self.notify_later(account, index, sale))

    async def notify_later(self, account: int, index: int, sale: bool) -> None:
        await self.clock.sleep(self.rng.uniform(0.2, 2.0))
        await self.notification(account, index, sale)

    async def stock_writes(self) -> None:
        while True:
            await self.clock.sleep(self.rng.expovariate(self.args.writes_per_hour / HOUR))
            self.clock.spawn(self.stock_write(*self.pick_listing()))

    async def stock_write(self, account: int, index: int) -> None:
        try:
            waited = await self.limiter.acquire(API_CALLS, call_class=CallClass.INTERACTIVE)
        except QuotaExhausted:
            self.refused["stock_write"] += 1
            return
        self.write_waits.append(waited)
        if self.unread_sales[(account, index)] > 0:
            self.oversold += 1
        hour = int((self.clock.now - START) // HOUR)
        self.calls[hour][CallClass.INTERACTIVE.value] += 1
        await self.clock.sleep(LATENCY)

    async def run(self) -> None:
        for account in self.plan.accounts:
            for job in account.jobs:
                self.clock.spawn(self.scheduler(job))
        for job in self.plan.shared:
            self.clock.spawn(self.scheduler(job))
        self.clock.spawn(self.activity(300, sale=True))
        self.clock.spawn(self.activity(100, sale=False))
        self.clock.spawn(self.stock_writes())
        await self.clock.run_until(START + self.args.hours * HOUR)
        end = self.clock.now
        for account, last in self.last_read.items():
            self.worst[account] = max(self.worst[account], end - min(last))
        for task in list(self.clock.tasks):
            task.cancel()


def report(day: Day, args: argparse.Namespace) -> dict:
    hours = sorted(day.calls)
    per_hour = [
        {c.value: day.calls[h].get(c.value, 0) for c in CallClass}
        | {"total": sum(day.calls[h].values())}
        for h in hours
    ]
    waits = sorted(day.write_waits)
    p95 = waits[max(0, math.ceil(0.95 * len(waits)) - 1)] if waits else 0.0
    largest = max(day.sizes, key=day.sizes.get)
    staleness = {
        str(day.sizes[a]): round(day.worst[a] / 60, 1) for a in sorted(day.sizes, key=day.sizes.get)
    }
    planned = {
        str(a.listings): {
            "staleness_bound_minutes": round(a.staleness_seconds / 60, 1),
            "round_minutes": round(a.round_seconds / 60, 1),
            "longest_run_minutes": round(a.job(PlannedKind.PRODUCTS).run_seconds / 60, 1),
            "periodic_calls_per_hour": round(a.calls_per_hour, 1),
            "catalogue_slices": a.job(PlannedKind.PRODUCTS).slices,
            "stock_check_slices": a.job(PlannedKind.INVENTORY).slices,
        }
        for a in day.plan.accounts
    }
    others = [day.worst[a] for a in day.sizes if a != largest]
    targets = {
        "calls_per_hour_at_most_quota": max(h["total"] for h in per_hour) <= 10_000,
        "periodic_per_hour_at_most_budget": max(h["periodic"] for h in per_hour) <= 5_000,
        "p95_stock_write_wait_under_1s": p95 < 1.0,
        "largest_account_staleness_under_6h": day.worst[largest] < 6 * HOUR,
        "other_accounts_staleness_under_30min": max(others, default=0) < 30 * 60,
        "oversold_zero": day.oversold == 0,
    }
    return {
        "simulation": "in-memory: the real LocalRateLimiter and quota plan on a virtual "
        "clock; MercadoLibre, the syncs and the activity simulated (see the docstring)",
        "hours": args.hours,
        "accounts_listings": args.sizes,
        "stock_writes_per_hour": args.writes_per_hour,
        "plan": planned,
        "plan_left_for_people_per_hour": round(day.plan.left_for_people, 1),
        "calls_per_hour_by_class": per_hour,
        "calls_per_hour_max": {
            key: max(h[key] for h in per_hour) for key in ("total", *(c.value for c in CallClass))
        },
        "stock_writes": len(waits),
        "stock_write_wait_p95_seconds": round(p95, 3),
        "stock_write_wait_max_seconds": round(waits[-1], 3) if waits else 0.0,
        "stock_write_wait_mean_seconds": round(statistics.fmean(waits), 4) if waits else 0.0,
        "largest_staleness_minutes_by_account_size": staleness,
        "oversold": day.oversold,
        "runs": dict(day.runs),
        "refused_by_quota": dict(day.refused),
        "target": {
            "calls_per_hour": "<= 10000, periodic <= 5000",
            "p95_stock_write_wait_seconds": "< 1",
            "largest_staleness": "< 6 h for the largest account, < 30 min for the others",
            "oversold": 0,
        },
        "targets_met": targets,
        "target_met": all(targets.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sizes",
        type=lambda raw: [int(n) for n in raw.split(",")],
        default=[100_000, 20_000, 5_000, 1_000, 100],
    )
    parser.add_argument("--writes-per-hour", type=float, default=200)
    args = parser.parse_args()
    day = Day(args)
    asyncio.run(day.run())
    result = report(day, args)
    shown = {k: v for k, v in result.items() if k != "calls_per_hour_by_class"}
    print(json.dumps(shown, indent=2))
    out = ROOT / "bench" / "results" / "quota_plan_model.json"
    out.write_text(json.dumps({"command": " ".join(sys.argv), "result": result}, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
