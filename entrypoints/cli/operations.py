"""`meli dlq` and `meli jobs`: dead letters and the periodic jobs.

Without Redis, the jobs these commands queue run in this process (an in-process worker)
before the command returns; with Redis, the `meli worker` processes run them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import click

from adapters.queue.codec import job_kwargs
from application.errors import ApplicationError
from application.jobs import Job, job_name
from application.queries import DeadLetterQuery, Paging
from application.quota.plan_periodic_work import misfit_warning
from domain.dead_letters import DeadLetterSource
from domain.errors import DomainError
from domain.sync import SyncTrigger
from entrypoints.cli import runners
from entrypoints.cli.context import load_settings
from entrypoints.cli.output import failure, json_option, print_json, row
from entrypoints.container import build_container
from entrypoints.settings import Settings, SettingsError


def _settings() -> Settings:
    settings = load_settings()
    # Without an application of its own, jobs talk to the sandbox `meli serve` embeds.
    return settings.with_sandbox() if settings.uses_sandbox else settings


def _run(settings: Settings, work: Callable[[Any], Awaitable[Any]], *, jobs: bool) -> Any:
    try:
        if jobs:
            return asyncio.run(runners.with_worker(settings, work))
        return asyncio.run(runners.with_container(settings, work))
    except (ApplicationError, DomainError, SettingsError) as error:
        raise failure(error) from None


def _queued(settings: Settings) -> str:
    return "queued for the workers" if settings.uses_redis else "done"


@click.group()
def dlq() -> None:
    """Dead letters: notifications and jobs that failed for good."""


@dlq.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also those already replayed.")
@click.option("--source", type=click.Choice([s.value for s in DeadLetterSource]))
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@json_option
def dlq_list(
    show_all: bool, source: str | None, account_id: int | None, limit: int, as_json: bool
) -> None:
    """List dead letters, newest first (by default only those not replayed)."""
    settings = _settings()
    query = DeadLetterQuery(
        source=source,
        replayed=None if show_all else False,
        account_id=account_id,
        paging=Paging(0, limit),
    )
    page = _run(settings, lambda c: c.list_dead_letters()(query), jobs=False)
    if as_json:
        print_json({"total": page.total, "results": page.items})
        return
    row(f"{'id':>6}  {'source':<12}  {'topic':<20}  tries  {'failed at':<20}  error")
    for letter in page.items:
        replayed = " (replayed)" if letter.replayed_at else ""
        row(
            f"{letter.id:>6}  {letter.source.value:<12}  {letter.topic:<20}  "
            f"{letter.attempts:>5}  {letter.failed_at:%Y-%m-%d %H:%M:%S}  "
            f"{letter.error[:80]}{replayed}"
        )
    click.echo(f"\n{page.total} dead letter(s)" + ("" if show_all else " not replayed"))


@dlq.command("replay")
@click.argument("letter_id", required=False, type=click.IntRange(min=1))
@click.option("--all", "replay_all", is_flag=True, help="Every dead letter not replayed yet.")
@json_option
def dlq_replay(letter_id: int | None, replay_all: bool, as_json: bool) -> None:
    """Put a dead letter's work back (a notification is processed again, a job runs again).

    Each dead letter replays once; if the work fails again it leaves a new one.
    """
    if (letter_id is None) == (not replay_all):
        raise click.UsageError("give a dead letter id, or --all")
    settings = _settings()
    if replay_all:
        replays = _run(settings, lambda c: c.replay_dead_letters()(None), jobs=True)
    else:
        replays = [_run(settings, lambda c: c.replay_dead_letter()(letter_id), jobs=True)]
    if as_json:
        print_json(
            [{"id": r.letter.id, "topic": r.letter.topic, "action": r.action} for r in replays]
        )
        return
    for replay in replays:
        click.echo(f"dead letter {replay.letter.id} ({replay.letter.topic}): {replay.action}")
    click.echo(f"replayed {len(replays)} dead letter(s); {_queued(settings)}")


@click.group()
def jobs() -> None:
    """The periodic jobs the scheduler runs, listed and run by hand."""


@jobs.command("list")
@json_option
def jobs_list(as_json: bool) -> None:
    """List the periodic jobs and their intervals (MELI_*_INTERVAL)."""
    # Only the settings: nothing is started, the database is not touched.
    periodic = build_container(_settings()).periodic_jobs()
    if as_json:
        print_json(
            [
                {"name": e.name, "every_seconds": e.every_seconds, "job": _described(e.job)}
                for e in periodic
            ]
        )
        return
    row(f"{'name':<16}  {'every':>8}  job")
    for entry in periodic:
        row(f"{entry.name:<16}  {entry.every_seconds:>7}s  {_described(entry.job)}")


@jobs.command("run")
@click.argument("name")
@json_option
def jobs_run(name: str, as_json: bool) -> None:
    """Run a periodic job now (see `meli jobs list`)."""
    settings = _settings()
    job = _run(settings, lambda c: c.run_periodic_job()(name, SyncTrigger.CLI), jobs=True)
    if as_json:
        print_json({"name": name, "job": _described(job), "outcome": _queued(settings)})
        return
    click.echo(f"{name}: {_described(job)} {_queued(settings)}")


@jobs.command("plan")
@json_option
def jobs_plan(as_json: bool) -> None:
    """Show how the periodic reads fit the hourly quota: per account and job, the calls an
    hour planned, the slices and the bound within which every listing is read again."""
    planned = _run(_settings(), lambda c: c.plan_periodic_work()(), jobs=False)
    plan = planned.plan
    if as_json:
        print_json(
            {
                "plan": plan,
                "used_this_hour": planned.used_this_hour,
                "warning": misfit_warning(plan),
            }
        )
        return
    click.echo(
        f"quota {plan.quota_per_hour}/h, periodic budget {plan.budget_per_hour}/h, "
        f"planned {plan.planned_per_hour:.0f}/h "
        f"(as configured: {plan.demand_per_hour:.0f}/h), "
        f"left for people {plan.left_for_people:.0f}/h"
    )
    if planned.used_this_hour is not None:
        click.echo(
            "used this hour: "
            + ", ".join(f"{c.value} {n}" for c, n in planned.used_this_hour.items())
        )
    warning = misfit_warning(plan)
    if warning is not None:
        click.echo(f"warning: {warning}")
    row(
        f"{'account':>8}  {'listings':>9}  {'job':<12}  {'every':>7}  {'slices':>6}  "
        f"{'calls/h':>9}  staleness"
    )
    rows = [(a.account_id, a.listings, a.gap, job) for a in plan.accounts for job in a.jobs]
    rows += [(None, None, False, job) for job in plan.shared]
    for account_id, listings, gap, job in rows:
        every = f"{job.every_seconds * job.runs_every}s"
        row(
            f"{'all' if account_id is None else account_id:>8}  "
            f"{'' if listings is None else listings:>9}  {job.kind.value:<12}  {every:>7}  "
            f"{job.slices:>6}  {job.calls_per_hour:>9.1f}  "
            f"{_duration(job.staleness_seconds)}{'  (gap: planned first)' if gap else ''}"
        )


def _duration(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _described(job: Job) -> str:
    """`fan_out(job=sync_catalogue, trigger=schedule)`."""
    arguments = ", ".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in job_kwargs(job).items()
    )
    return f"{job_name(type(job))}({arguments})"
