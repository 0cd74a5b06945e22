"""Recording a synchronisation run to the end, whatever happens to it."""

from __future__ import annotations

import logging

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
