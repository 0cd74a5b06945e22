"""Asking for a sync run through the queue: the request is stored before its job is sent
(a `queued` sync log), so that a job lost with the broker is found and sent again by the
sweep (application.operations.requeue_lost_work)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from application import jobs
from application.jobs import Job
from application.ports.unit_of_work import UnitOfWork
from domain.quota_plan import WHOLE, ReadSlice
from domain.sync import SyncKind, SyncLog, SyncTrigger

# A sliced read records its slice in the counts of its log from the moment it is asked
# for, so that the run (or a run again after its worker died) reads that slice.
SLICE = "slice"
SLICES = "slices"
SCAN_FIRST = "slices_scan_first"
PASSES = "slice_passes"
FRESH = "slice_fresh"


def slice_counts(part: ReadSlice) -> dict[str, int]:
    if part.whole:
        return {}
    return (
        {SLICE: part.index, SLICES: part.count}
        | ({SCAN_FIRST: 1} if part.scan_first else {})
        | ({PASSES: part.passes} if part.passes > 1 else {})
        | ({FRESH: 1} if part.fresh else {})
    )


def read_slice(log: SyncLog) -> ReadSlice:
    """The slice a requested run reads: the whole catalogue unless it was asked for a
    slice (an unreadable record reads the whole, the safe side)."""
    count = log.counts.get(SLICES, 1)
    index = log.counts.get(SLICE, 0)
    try:
        return ReadSlice(
            index,
            count,
            bool(log.counts.get(SCAN_FIRST, 0)),
            log.counts.get(PASSES, 1),
            bool(log.counts.get(FRESH, 0)),
        )
    except ValueError:
        return WHOLE


# The per-account jobs (application.jobs.PER_ACCOUNT) and the kind of run each records.
SYNC_KINDS: Mapping[type[Job], SyncKind] = {
    jobs.SyncCatalogue: SyncKind.PRODUCTS,
    jobs.SyncInventory: SyncKind.INVENTORY,
    jobs.ReconcileOrders: SyncKind.ORDERS,
    jobs.ReconcileQuestions: SyncKind.QUESTIONS,
}

_JOBS: Mapping[SyncKind, type[Job]] = {kind: job for job, kind in SYNC_KINDS.items()}


def job_for(log: SyncLog) -> Job:
    """The job that runs a requested sync log."""
    assert log.account_id is not None and log.id is not None
    return _JOBS[log.kind](  # type: ignore[call-arg]
        account_id=log.account_id, trigger=log.trigger, log_id=log.id
    )


async def request_sync_in(
    uow: UnitOfWork,
    job_type: type[Job],
    account_id: int,
    trigger: SyncTrigger,
    now: datetime,
    part: ReadSlice = WHOLE,
) -> SyncLog:
    """Ask for a run of `job_type` (a per-account job) inside `uow`; the caller commits,
    and the job is sent after the commit. A run of that kind still queued for the account
    is the answer instead of a second one (its own job, or the sweep, runs it). `part`:
    the slice of the listings a catalogue or stock read covers (see read_slice)."""
    kind = SYNC_KINDS[job_type]
    waiting = await uow.sync_logs.find_queued(account_id, kind)
    if waiting is not None:
        return waiting
    requested = SyncLog.requested(kind, trigger, now, account_id)
    requested.counts.update(slice_counts(part))
    log = await uow.sync_logs.add(requested)
    uow.enqueue_after_commit(job_for(log))
    return log
