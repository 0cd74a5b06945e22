"""Work that always ends: cancellation that is never lost, stages that never wait forever.

On Python 3.11, `asyncio.wait_for` returns its result instead of raising CancelledError
when the awaited work finishes in the same turn of the loop as a cancellation arrives
(fixed in 3.12). Libraries under our adapters use it on every call: redis-py around each
socket write (`socket_timeout`), SQLAlchemy's pool while waiting for a connection. A
task cancelled there goes on as if nothing happened: a pipeline stage told to stop
takes its next item from a queue nobody feeds any more, and waits forever.

`cancellation_kept()` restores it around a call into such a library, and `run_stages`
runs the stages of a pipeline so that the first failure, or the deadline, stops all of
them within a bounded time, even if one of them ignores its cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterable, Iterator, Sequence
from typing import Any

from application.errors import ApplicationError

log = logging.getLogger(__name__)

# How long stages told to stop get to end before they are given up on.
STOP_GRACE_SECONDS = 10.0


class TimedOut(ApplicationError):
    """Work that did not finish within its time; what it did until then is kept."""


def cancel_requested() -> bool:
    """Whether the current task has been asked to cancel and has not handled it."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


@contextlib.contextmanager
def cancellation_kept() -> Iterator[None]:
    """Raise CancelledError on leaving the block if the task was asked to cancel inside
    it and the request was lost below (the block returned, or raised something else).

    A request delivered and handled below (`asyncio.timeout` uncancels what it consumes)
    leaves the task's count of requests as it found it, and passes."""
    task = asyncio.current_task()
    before = task.cancelling() if task is not None else 0
    try:
        yield
    except asyncio.CancelledError:
        raise
    except BaseException as error:
        if task is not None and task.cancelling() > before:
            raise asyncio.CancelledError(f"cancelled while {type(error).__name__}") from error
        raise
    if task is not None and task.cancelling() > before:
        raise asyncio.CancelledError("cancelled; the request was lost below and is raised here")


async def run_stages(
    stages: Sequence[Coroutine[Any, Any, None]],
    timeout: float | None,
    *,
    what: str = "the work",
    grace: float = STOP_GRACE_SECONDS,
) -> None:
    """Run the stages of a pipeline as tasks until every one has ended.

    The first stage that fails, the deadline (`timeout` seconds) or a cancellation of
    the caller stops the others: they are cancelled, then waited for at most `grace`
    seconds; one that is still running then (it ignored its cancellation) is abandoned
    and logged, never waited for. Raises an exception group of the stages' errors,
    TimedOut when the deadline came first, or CancelledError when the caller was
    cancelled. Never waits longer than `timeout + grace`."""
    loop = asyncio.get_running_loop()
    tasks = [asyncio.ensure_future(stage) for stage in stages]
    deadline = None if timeout is None else loop.time() + timeout
    pending: set[asyncio.Future[None]] = set(tasks)
    try:
        while pending:
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                break
            done, pending = await asyncio.wait(
                pending, timeout=left, return_when=asyncio.FIRST_EXCEPTION
            )
            if any(not task.cancelled() and task.exception() is not None for task in done):
                break
    except asyncio.CancelledError:
        await _stop(tasks, grace, what)
        raise
    timed_out = bool(pending) and not _errors(tasks)
    await _stop(pending, grace, what)
    errors = _errors(tasks)
    if errors:
        if all(isinstance(error, Exception) for error in errors):
            raise ExceptionGroup(f"{what} failed", errors)  # type: ignore[type-var]
        raise BaseExceptionGroup(f"{what} failed", errors)
    if timed_out:
        assert timeout is not None
        raise TimedOut(f"{what} did not finish within {timeout:g} s")


def _errors(tasks: Iterable[asyncio.Future[None]]) -> list[BaseException]:
    return [
        error
        for task in tasks
        if task.done() and not task.cancelled()
        for error in [task.exception()]
        if error is not None
    ]


async def _stop(tasks: Iterable[asyncio.Future[None]], grace: float, what: str) -> None:
    running = [task for task in tasks if not task.done()]
    if not running:
        return
    for task in running:
        task.cancel()
    _, stuck = await asyncio.wait(running, timeout=grace)
    if stuck:
        log.error(
            "%d task(s) of %s did not stop within %g s of being cancelled and were abandoned: %s",
            len(stuck),
            what,
            grace,
            ", ".join(sorted(str(task) for task in stuck))[:2000],
        )
