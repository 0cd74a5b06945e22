from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

from application.errors import LockTimeout
from application.ports.lock import LockLost

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_FIRST_POLL = 0.005
_LAST_POLL = 0.05


def _file_name(name: str) -> str:
    """A file name per lock name; the digest keeps names apart that differ only in the
    characters the readable part has to replace."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    return f"{_UNSAFE.sub('_', name)[:80]}.{digest}.lock"


def _try_flock(path: Path) -> int | None:
    """Open `path` and take its exclusive flock without blocking; the descriptor, or None
    when another open file holds it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        # The directory went with a cleanup of the data directory; make it again.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    if not _still_at(fd, path):
        # The file was removed or replaced between open and flock: this flock guards
        # nothing anyone else will open. Try again with the file that is there now.
        _unflock(fd)
        return None
    # The holder's pid, for an operator wondering who holds it; never read by the code.
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _still_at(fd: int, path: Path) -> bool:
    """Whether `path` still names the file open as `fd`."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _release(fd: int, path: Path, name: str) -> str | None:
    """Remove the file and drop the flock; the reason it stopped guarding anything
    meanwhile, or None.

    The file goes while the flock is still held, so no lock file outlives its use (one
    per account and per token refresh would otherwise pile up). A process that opened it
    before and takes its flock after finds that the path no longer names it (_still_at)
    and tries again with the file that is there now."""
    try:
        if _still_at(fd, path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            return None
        reason = f"its file {path} was removed or replaced while held"
        log.error("lock %r was lost while held: %s", name, reason)
        return reason
    finally:
        _unflock(fd)


def _unflock(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class FileLock:
    """Lock for the processes of one machine (the embedded default, without Redis).

    Each name is an flock on a file in `directory`. The kernel drops an flock when its
    holder dies, however it dies, so a crashed process never leaves a lock behind, and
    keeps it for a living holder however long it works: there is no lease to expire.
    The file exists only while the lock is held or waited for: its holder removes it when
    leaving. The one way to lose a lock is for the file to go while held (someone
    cleaning the data directory): the next process would lock a new file. That is
    checked when the lock is taken and when it is left, which raises LockLost.
    flock cannot wait with a timeout, so other processes are polled with short sleeps
    (never a blocking flock in a thread, which could not be abandoned at the timeout and
    would take the lock later for nobody). Coroutines of one process queue first on an
    asyncio.Lock per name, which is FIFO, so they are served in order and only one of
    them polls the file.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self._directory = Path(directory)
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}

    # The Lock port names the parameter `timeout`; it is a deadline, not a cancellation.
    @contextlib.asynccontextmanager
    async def hold(self, name: str, timeout: float = 30.0) -> AsyncIterator[None]:
        deadline = time.monotonic() + timeout
        local = self._enter(name)
        try:
            try:
                async with asyncio.timeout(max(0.0, timeout)):
                    await local.acquire()
            except TimeoutError:
                raise LockTimeout(name, timeout) from None
            try:
                path = self._directory / _file_name(name)
                fd = await self._flock(path, name, deadline, patience=timeout)
                try:
                    yield
                except BaseException:
                    # The block's own error says more than a lost lock; the loss is logged.
                    _release(fd, path, name)
                    raise
                lost = _release(fd, path, name)
                if lost is not None:
                    raise LockLost(name, lost)
            finally:
                local.release()
        finally:
            self._leave(name)

    async def _flock(self, path: Path, name: str, deadline: float, patience: float) -> int:
        pause = _FIRST_POLL
        while True:
            fd = _try_flock(path)
            if fd is not None:
                return fd
            left = deadline - time.monotonic()
            if left <= 0:
                raise LockTimeout(name, patience)
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, _LAST_POLL)

    def _enter(self, name: str) -> asyncio.Lock:
        lock, users = self._local.get(name) or (asyncio.Lock(), 0)
        self._local[name] = (lock, users + 1)
        return lock

    def _leave(self, name: str) -> None:
        # Forget a name nobody waits for, so one lock per account does not pile up.
        lock, users = self._local[name]
        if users == 1:
            del self._local[name]
        else:
            self._local[name] = (lock, users - 1)
