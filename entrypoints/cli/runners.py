"""Long-running processes started by the CLI: the API server and the worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import click
from aiohttp import web

from adapters.sql.migrate import upgrade
from entrypoints.container import Container, build_container, start, stop
from entrypoints.settings import Settings

log = logging.getLogger(__name__)


def _stop_event() -> asyncio.Event:
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, event.set)
    return event


async def migrate_if_embedded(settings: Settings) -> None:
    if settings.storage == "sql" and settings.migrates_on_start:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(upgrade, settings.effective_database_url)


def announce_api_key(container: Container) -> None:
    keys = container.api_keys()
    if keys.generated:
        click.echo(
            "\nGenerated an API key (shown once; kept in "
            f"{keys.source}, mode 0600):\n\n    {keys.generated}\n\n"
            "Send it as 'Authorization: Bearer <key>'. Set MELI_API_KEYS to use your own.\n"
        )
    elif keys.source != "MELI_API_KEYS":
        click.echo(f"API key: read from {keys.source}")


async def serve(settings: Settings, stop_when: asyncio.Event | None = None) -> None:
    """Run the REST API; without Redis, also the worker, in this process."""
    stop_when = stop_when or _stop_event()
    await migrate_if_embedded(settings)
    container = build_container(settings)
    await start(container)
    runner: web.AppRunner | None = None
    embedded = not settings.uses_redis
    worker = container.worker() if embedded else None
    scheduler_task: asyncio.Task | None = None
    try:
        announce_api_key(container)
        if worker is not None:
            await worker.start()
            # Without Redis this process is the whole service: it schedules too.
            scheduler_task = asyncio.create_task(container.scheduler().run(stop_when))
        runner = web.AppRunner(container.http_app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        click.echo(
            f"meli-integration listening on http://{settings.host}:{settings.port} "
            f"(docs at /docs, queue: {'redis' if settings.uses_redis else 'in-process'})"
        )
        await stop_when.wait()
        click.echo("stopping...")
    finally:
        if runner is not None:
            await runner.cleanup()
        if scheduler_task is not None:
            stop_when.set()
            await scheduler_task
        if worker is not None:
            await worker.stop()
        await stop(container)


async def run_worker(settings: Settings, stop_when: asyncio.Event | None = None) -> None:
    stop_when = stop_when or _stop_event()
    container = build_container(settings)
    await start(container)
    worker = container.worker()
    try:
        await worker.start()
        click.echo(f"worker running ({settings.worker_threads} threads)")
        await stop_when.wait()
        click.echo("stopping the worker (waiting for running jobs)...")
    finally:
        await worker.stop()
        await stop(container)


async def run_scheduler(settings: Settings, stop_when: asyncio.Event | None = None) -> None:
    stop_when = stop_when or _stop_event()
    container = build_container(settings)
    await start(container)
    try:
        await container.scheduler().run(stop_when)
    finally:
        await stop(container)
