"""Cutting a bulk read of a seller's listings into parts that take turns (the quota
plan's slices, see domain.quota_plan): which listings each part reads."""

from __future__ import annotations

import zlib

import attrs


def slice_of(item_id: str, count: int) -> int:
    """The slice (0..count-1) a listing belongs to when a read is cut into `count`: the
    same for a listing every time, and spread evenly over the slices."""
    if count < 1:
        raise ValueError(f"a read is cut into at least one slice, got {count}")
    return zlib.crc32(item_id.encode()) % count


@attrs.define(frozen=True)
class ReadSlice:
    """One part of a sliced read, part `index` of `count`.

    Without `scan_first`, part k holds the listings whose slice_of(id, count) is k, and
    the first part of a catalogue read also scans. With it (how the plan cuts a large
    catalogue), the first part only scans (new and removed listings, at the cost of the
    scan alone) and the `passes` * n parts after it read the n detail slices `passes`
    times over: part k >= 1 holds the stored listings whose slice_of(id, n) is
    (k - 1) % n. The scan's cost is not piled on one detail slice, and a scan (the
    dearest part of a small catalogue's read) need not come with every pass.
    """

    index: int = 0
    count: int = 1
    scan_first: bool = False
    passes: int = 1
    # The run first reads the seller's latest changed listings, when no run did lately
    # (application.listings.latest_changed).
    fresh: bool = False

    def __attrs_post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"slice {self.index} of {self.count} does not exist")
        if self.scan_first and self.count < 2:
            raise ValueError("a read that scans first has at least two parts")
        if self.passes < 1 or (self.passes > 1 and not self.scan_first):
            raise ValueError("only a read that scans first passes over its slices again")
        if self.scan_first and (self.count - 1) % self.passes:
            raise ValueError(f"{self.count - 1} detail parts are not {self.passes} passes")

    @property
    def detail_slices(self) -> int:
        """How many slices the listings' details are cut into."""
        return (self.count - 1) // self.passes if self.scan_first else self.count

    @property
    def whole(self) -> bool:
        return self.count == 1

    @property
    def scans(self) -> bool:
        return self.index == 0

    def holds(self, item_id: str) -> bool:
        """Whether the part reads the details of the stored listing `item_id`."""
        if self.whole:
            return True
        if self.scan_first:
            n = self.detail_slices
            return self.index > 0 and slice_of(item_id, n) == (self.index - 1) % n
        return slice_of(item_id, self.count) == self.index


WHOLE = ReadSlice()
