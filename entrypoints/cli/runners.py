"""Long-running processes started by the CLI: the API server and the worker."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

import click
from aiohttp import web

from adapters.queue.dramatiq_queue import DEFAULT_QUEUE
from adapters.sql.migrate import upgrade
from application.errors import ApplicationError
from entrypoints.container import Container, build_container, start, stop
from entrypoints.http.app import create_app
from entrypoints.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Settings
from entrypoints.worker.metrics_endpoint import start_metrics_endpoint
from entrypoints.worker.runtime import WorkerRuntime, build_worker
from entrypoints.worker.scheduler import build_scheduler
from sandbox.app import create_app as create_sandbox_app
from sandbox.config import SandboxConfig

log = logging.getLogger(__name__)

T = TypeVar("T")


# How long tasks still running when a process ends get to stop once cancelled.
EXIT_GRACE_SECONDS = 3.0


def run_process(main: Coroutine[Any, Any, T], grace: float = EXIT_GRACE_SECONDS) -> T:
    """`asyncio.run(main)` for a long-running process, except that a task still running
    at the end cannot keep the process from exiting: cancelled, then given `grace`
    seconds, then left behind (and logged) where asyncio.run would wait forever for one
    that ignores its cancellation."""
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            left = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in left:
                task.cancel()
            if left:
                _, stuck = loop.run_until_complete(asyncio.wait(left, timeout=grace))
                if stuck:
                    log.error("%d task(s) did not stop at exit and were left behind", len(stuck))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


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


async def start_embedded_sandbox(settings: Settings) -> tuple[Settings, web.AppRunner]:
    """No MercadoLibre application configured: run the sandbox in this process, with
    credentials that match, and point the gateway at it."""
    config = SandboxConfig(
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        redirect_uri=settings.effective_redirect_uri,
        rate_limit=settings.rate_limit_per_second,
        burst=settings.effective_burst,
        # Like an application's callback URL in DevCenter (§9.1): the sandbox notifies
        # this very service of every change it makes.
        callback_url=f"http://127.0.0.1:{settings.port}/webhooks/notification"
        if settings.port
        else None,
    )
    runner = web.AppRunner(create_sandbox_app(config), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.sandbox_port)
    await site.start()
    port = runner.addresses[0][1]
    return settings.with_sandbox(f"http://127.0.0.1:{port}"), runner


def announce_sandbox(settings: Settings) -> None:
    base = f"http://127.0.0.1:{settings.port}"
    click.echo(
        f"\nNo MELI_CLIENT_ID set: MercadoLibre is the embedded sandbox at "
        f"{settings.api_url} (admin API under /_sandbox/).\n"
        "Connect a demo seller:\n"
        f"  1. curl -s -H 'Accept: application/json' -H 'Authorization: Bearer <API key>' "
        f"'{base}/auth/connect?site_id=MLA'   (or: meli accounts connect --site MLA)\n"
        "  2. open the authorization_url it returns, pick a seller and authorize;\n"
        f"     you come back to {settings.effective_redirect_uri} with the account connected.\n"
    )


async def serve(settings: Settings, stop_when: asyncio.Event | None = None) -> None:
    """Run the REST API; without Redis, also the worker, in this process; without a
    MercadoLibre application, also the sandbox."""
    stop_when = stop_when or _stop_event()
    await migrate_if_embedded(settings)
    sandbox_runner: web.AppRunner | None = None
    if settings.uses_sandbox:
        settings, sandbox_runner = await start_embedded_sandbox(settings)
    try:
        container = build_container(settings)
        await start(container)
    except BaseException:
        if sandbox_runner is not None:
            await sandbox_runner.cleanup()
        raise
    runner: web.AppRunner | None = None
    embedded = not settings.uses_redis
    worker = build_worker(container) if embedded else None
    scheduler_task: asyncio.Task | None = None
    sweep_task: asyncio.Task | None = None
    try:
        announce_api_key(container)
        # What start-up built lives as long as the process: out of the collector's way,
        # so its full collections stay short (they pause every request in flight).
        gc.collect()
        gc.freeze()
        if worker is not None:
            await worker.start()
            # Without Redis this process is the whole service: it schedules too.
            scheduler_task = asyncio.create_task(build_scheduler(container).run(stop_when))
        sweep_task = asyncio.create_task(sweep_at_start(container))
        runner = web.AppRunner(create_app(container), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        if sandbox_runner is not None:
            announce_sandbox(settings)
        click.echo(
            f"meli-integration listening on http://{settings.host}:{settings.port} "
            f"(docs at /docs, queue: {'redis' if settings.uses_redis else 'in-process'})"
        )
        await stop_when.wait()
        click.echo("stopping...")
    finally:
        if runner is not None:
            await runner.cleanup()
        if sweep_task is not None:
            await _finish(sweep_task)
        if scheduler_task is not None:
            stop_when.set()
            await scheduler_task
        if worker is not None:
            await worker.stop()
        await stop(container)
        if sandbox_runner is not None:
            await sandbox_runner.cleanup()


async def run_worker(settings: Settings, stop_when: asyncio.Event | None = None) -> None:
    stop_when = stop_when or _stop_event()
    container = build_container(settings)
    await start(container)
    worker = build_worker(container)
    metrics: web.AppRunner | None = None
    sweep_task: asyncio.Task | None = None
    try:
        # Before the first job: a worker that cannot be scraped stops here, not later.
        metrics = await start_worker_metrics(container, settings, worker)
        await worker.start()
        sweep_task = asyncio.create_task(sweep_at_start(container))
        where = (
            f", metrics on http://{settings.host}:{settings.worker_metrics_port}/metrics"
            if metrics is not None
            else ""
        )
        click.echo(f"worker running ({settings.worker_threads} threads{where})")
        await stop_when.wait()
        click.echo("stopping the worker (waiting for running jobs)...")
    finally:
        if sweep_task is not None:
            await _finish(sweep_task)
        await worker.stop()
        if metrics is not None:
            await metrics.cleanup()
        await stop(container)


async def start_worker_metrics(
    container: Container, settings: Settings, worker: WorkerRuntime
) -> web.AppRunner | None:
    """The worker's /metrics and /health on MELI_HOST:MELI_WORKER_METRICS_PORT (0: none).

    A worker is one process (its jobs run in threads), so one port serves all it counts;
    several workers on one host need a port each."""
    port = settings.worker_metrics_port
    if not port:
        return None
    # The metrics the jobs report, registered now so that a scrape before the first job
    # finds their families.
    metrics = container.metrics()
    metrics.register("pipeline", "gateway", "token_refreshes")
    try:
        return await start_metrics_endpoint(
            metrics,
            settings.host,
            port,
            alive=lambda: worker.is_running,
            probes=[container.broker_probe()],
        )
    except OSError as error:
        raise click.ClickException(
            f"the worker's metrics endpoint cannot listen on {settings.host}:{port} "
            f"({error.strerror or error}): give each worker on this host its own "
            "MELI_WORKER_METRICS_PORT, or set it to 0 for none"
        ) from None


async def sweep_at_start(container: Container) -> None:
    """Queue again what a stopped process left behind: notifications never processed,
    deliveries never made. The periodic sweeps retry if this fails."""
    try:
        await container.requeue_lost_work()()
    except ApplicationError as error:
        log.warning("the start-up sweep failed; the periodic sweep will retry: %s", error)


async def _finish(task: asyncio.Task) -> None:
    if not task.done():
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def with_worker(settings: Settings, work, timeout_seconds: float = 600.0):
    """Run `work(container)` and, without Redis, the jobs it queues, in this process,
    until they are all done; with Redis the worker processes run them."""
    await migrate_if_embedded(settings)
    container = build_container(settings)
    await start(container)
    worker = None if settings.uses_redis else build_worker(container)
    try:
        if worker is not None:
            await worker.start()
        result = await work(container)
        if worker is not None:
            broker = container.broker()
            await asyncio.to_thread(
                broker.join, DEFAULT_QUEUE, timeout=int(timeout_seconds * 1000), fail_fast=False
            )
        return result
    finally:
        if worker is not None:
            await worker.stop()
        await stop(container)


async def run_scheduler(settings: Settings, stop_when: asyncio.Event | None = None) -> None:
    stop_when = stop_when or _stop_event()
    container = build_container(settings)
    await start(container)
    try:
        await build_scheduler(container).run(stop_when)
    finally:
        await stop(container)


async def with_container(settings: Settings, work):
    """Run `work(container)` with the resources up, for one-shot CLI commands."""
    await migrate_if_embedded(settings)
    container = build_container(settings)
    await start(container)
    try:
        return await work(container)
    finally:
        await stop(container)
