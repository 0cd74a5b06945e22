"""How the quota plan cuts one bulk read (a catalogue, a stock check) so that its
busiest hour of the quota stays within the calls an hour it is allotted, with the
shortest round (domain.quota_plan): the arithmetic of slots, slices and passes."""

from __future__ import annotations

import math

import attrs

HOUR = 3600


def runs_in_an_hour(every_seconds: int, runs_every: int) -> int:
    """The most runs that start within one hour of the quota (windows and slots are
    both aligned to the epoch)."""
    return max(1, math.ceil(HOUR / (every_seconds * runs_every)))


def detailcalls_per_run(scan: int, runs: int, allotted: float) -> int:
    """The most multigets one detail run may make when `runs` runs start in an hour and,
    for a catalogue (`scan` > 0), one of them may be the scan-only run."""
    if scan > allotted:
        return 0
    if scan and runs > 1:
        return math.floor(min((allotted - scan) / (runs - 1), allotted / runs))
    return math.floor(allotted / runs)


@attrs.define(frozen=True)
class Cut:
    """How a bulk read is cut (see ReadSlice) and its detail round, in steps."""

    slices: int
    runs_every: int
    scan_first: bool = False
    passes: int = 1
    round_steps: int = 1

    @property
    def detail_slices(self) -> int:
        return (self.slices - 1) // self.passes if self.scan_first else self.slices


def peak_fit(
    scan: int, details: int, every_seconds: int, allotted: float, whole: bool = False
) -> Cut | None:
    """The cut with the shortest detail round whose busiest hour of the quota stays
    within `allotted` calls (with `whole`, of the whole reads only); None when none
    does."""
    best: tuple[int, Cut] | None = None
    # Only the shortest spacing of runs that starts a given number of runs in an hour
    # can be the best; past an hour between runs, one run an hour at most: spacing them
    # further only lengthens the round, so the search stops at the first such spacing.
    runs_every = 1
    while runs_every <= math.ceil(HOUR / every_seconds):
        step = every_seconds * runs_every
        if best is not None and step >= best[0]:
            break
        runs = runs_in_an_hour(every_seconds, runs_every)
        fewer = runs_every
        runs_every = max(fewer + 1, math.ceil(HOUR / (every_seconds * max(1, runs - 1))))
        if runs * (scan + details) <= allotted:
            best = (step, Cut(1, fewer))  # whole reads: nothing further is shorter
            break
        if whole or (best is not None and step * 2 >= best[0]):
            continue  # a sliced round here is at least two runs long
        per_run = detailcalls_per_run(scan, runs, allotted)
        if details == 0 or per_run < 1:
            continue
        count = math.ceil(details / per_run)
        if scan:
            # The scan-only part, then as many passes over the detail slices as keep
            # an hour to one scan at most.
            passes = max(1, math.ceil((runs - 1) / count))
            fit = Cut(1 + passes * count, fewer, True, passes, count + 1)
        else:
            fit = Cut(count, fewer, round_steps=count)
        if best is None or fit.round_steps * step < best[0]:
            best = (fit.round_steps * step, fit)
    return None if best is None else best[1]


def needed_for(
    scan: int, details: int, every_seconds: int, round_seconds: float, whole: bool = False
) -> float:
    """The fewest calls an hour for which peak_fit finds a detail round of at most
    `round_seconds` (the whole read at every slot when none is that short); with
    `whole`, reading the whole catalogue at every run."""
    needed = runs_in_an_hour(every_seconds, 1) * (scan + details)
    for runs_every in range(1, math.ceil(HOUR / every_seconds) + 1):
        step = every_seconds * runs_every
        if step > round_seconds:
            break
        runs = runs_in_an_hour(every_seconds, runs_every)
        needed = min(needed, runs * (scan + details))
        if whole:
            continue
        count = math.floor(round_seconds / step) - (1 if scan else 0)
        if details == 0 or count < 1:
            continue
        per_run = math.ceil(details / min(count, details))
        if not scan:
            needed = min(needed, runs * per_run)
        elif runs == 1:
            needed = min(needed, max(scan, per_run))
        else:
            needed = min(needed, max(scan + (runs - 1) * per_run, runs * per_run))
    return needed


def calls_per_run(scan: int, details: int, fit: Cut, reading: bool = False) -> int:
    """The calls of the costliest run of a bulk read cut as `fit` says, or (`reading`)
    of the costliest run that reads details (its slices taken as even: slice_of spreads
    the ids evenly)."""
    if fit.slices == 1:
        return scan + details
    per_slice = math.ceil(details / fit.detail_slices)
    if fit.scan_first:
        return per_slice if reading else max(scan, per_slice)
    return scan + per_slice
