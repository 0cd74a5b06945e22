"""The periodic jobs, listed and run by hand: the same jobs the scheduler queues."""

from __future__ import annotations

from aiohttp import web

from adapters.queue.codec import job_kwargs
from application.jobs import job_name
from domain.sync import SyncTrigger
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.notification_views import JobPage, JobQueued, JobView
from entrypoints.http.params import path_str
from entrypoints.http.quota_views import QuotaPlanView, plan_view


async def list_jobs(request: web.Request) -> web.Response:
    periodic = container_of(request).periodic_jobs()
    return json_response(
        JobPage(
            [
                JobView(p.name, job_name(type(p.job)), p.every_seconds, job_kwargs(p.job))
                for p in periodic
            ]
        )
    )


JOB_NAME = Param("name", "Job name, as GET /jobs lists it", location="path", max_length=64)


async def run_job(request: web.Request) -> web.Response:
    name = path_str(request, JOB_NAME)
    job = await container_of(request).run_periodic_job()(name, SyncTrigger.API)
    return json_response(JobQueued(name, job_name(type(job)), job_kwargs(job)), status=202)


async def get_plan(request: web.Request) -> web.Response:
    return json_response(plan_view(await container_of(request).plan_periodic_work()()))


ENDPOINTS = (
    Endpoint(
        "GET",
        "/jobs",
        list_jobs,
        "The periodic jobs and their intervals",
        "jobs",
        description="Intervals come from the MELI_*_INTERVAL settings. Per-account syncs "
        "(products, inventory, orders, questions) are `fan_out` jobs: each run queues the "
        "job it names once per active account.",
        replies={200: Reply("Every periodic job", JobPage)},
    ),
    Endpoint(
        "GET",
        "/jobs/plan",
        get_plan,
        "How the periodic reads fit the hourly quota",
        "jobs",
        description="Per account and job: the calls an hour planned, the slices a large "
        "catalogue is read in, and the bound within which every listing is read again; "
        "with the quota left for people's writes and notifications. The periodic jobs "
        "may use MELI_PERIODIC_BUDGET of MELI_QUOTA_CALLS_PER_HOUR; accounts with open "
        "dead letters are planned first.",
        replies={
            200: Reply("The plan", QuotaPlanView),
            503: Reply("The database is unavailable"),
        },
    ),
    Endpoint(
        "POST",
        "/jobs/{name}/run",
        run_job,
        "Run a periodic job now",
        "jobs",
        params=(JOB_NAME,),
        replies={
            202: Reply("Queued", JobQueued),
            404: Reply("No such job"),
            503: Reply("The job queue is unavailable"),
        },
    ),
)
