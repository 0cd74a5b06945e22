"""Recording a synchronisation run to the end, whatever happens to it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from application.errors import ApplicationError
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.sync import SyncLog

log = logging.getLogger(__name__)


async def save_log(uow_factory: UnitOfWorkFactory, sync_log: SyncLog) -> None:
    async with uow_factory() as uow:
        await uow.sync_logs.save(sync_log)
        await uow.commit()


def describe(error: BaseException) -> str:
    """`Type: message` of an error, or of each error in (nested) groups, each told once."""
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(dict.fromkeys(describe(inner) for inner in error.exceptions))
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


async def run_logged(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    sync_log: SyncLog,
    body: Callable[[], Awaitable[None]],
) -> SyncLog:
    """Run `body` and finish `sync_log` whatever happens. An ApplicationError (MercadoLibre
    unavailable, the account disconnected, ...) fails the run and is only recorded;
    anything else (a bug, the database, cancellation) fails the run too and is raised,
    so no log is ever left `running`."""
    failure: str | None = None
    try:
        await body()
    except ApplicationError as error:
        failure = describe(error)
        log.warning(
            "%s sync of account %s failed: %s", sync_log.kind.value, sync_log.account_id, failure
        )
    except BaseException as error:
        log.warning(
            "%s sync of account %s broke: %s",
            sync_log.kind.value,
            sync_log.account_id,
            describe(error),
        )
        sync_log.finish(clock.now(), describe(error))
        # Shielded: a second cancellation must not leave the log `running` either.
        await asyncio.shield(save_log(uow_factory, sync_log))
        raise
    sync_log.finish(clock.now(), failure)
    await save_log(uow_factory, sync_log)
    return sync_log
