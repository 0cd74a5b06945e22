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
