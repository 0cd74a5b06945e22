"""`meli worker` serves its own metrics: the setting, the listener, and what it serves
(tests/e2e/test_worker_metrics.py scrapes a real worker)."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import attrs
import click
import pytest
import yaml
from prometheus_client import Counter

from adapters.metrics import PrometheusMetrics
from application.errors import Unavailable
from entrypoints.cli.runners import start_worker_metrics
from entrypoints.container import build_container, start, stop
from entrypoints.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Settings, SettingsError
from entrypoints.worker.metrics_endpoint import metrics_app
from entrypoints.worker.runtime import build_worker
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[3]


def test_the_worker_metrics_port_defaults_to_9012_and_zero_turns_it_off():
    assert Settings.from_environment({}, env_file=None).worker_metrics_port == 9012
    settings = Settings.from_environment({"MELI_WORKER_METRICS_PORT": "0"}, env_file=None)
    assert settings.worker_metrics_port == 0
    settings = Settings.from_environment({"MELI_WORKER_METRICS_PORT": "9100"}, env_file=None)
    assert settings.worker_metrics_port == 9100


@pytest.mark.parametrize(("value", "message"), [("metrics", "whole number"), ("65536", "between")])
def test_a_bad_worker_metrics_port_names_the_variable(value, message):
    with pytest.raises(SettingsError, match=f"MELI_WORKER_METRICS_PORT.*{message}"):
        Settings.from_environment({"MELI_WORKER_METRICS_PORT": value}, env_file=None)


async def test_the_listener_serves_the_registry_and_answers_health_while_alive(aiohttp_client):
    metrics = PrometheusMetrics()
    Counter("meli_jobs_done", "Jobs done", registry=metrics.registry).inc(3)
    alive = True
    client = await aiohttp_client(metrics_app(metrics, lambda: alive))

    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "meli_jobs_done_total 3.0" in await response.text()
    response = await client.get("/health")
    assert response.status == 200 and (await response.json())["status"] == "ok"
    alive = False
    response = await client.get("/health")
    assert response.status == 503 and (await response.json())["status"] == "unavailable"


def test_the_dead_letter_gauge_exists_only_where_it_is_measured():
    metrics = PrometheusMetrics()
    metrics.register("pipeline", "gateway", "token_refreshes")
    assert metrics.registry.get_sample_value("meli_dead_letters") is None, (
        "a worker never measures it"
    )
    metrics.operations.open_dead_letters(2)
    assert metrics.registry.get_sample_value("meli_dead_letters") == 2.0
    assert metrics.operations is metrics.operations


def test_the_quota_gauges_show_the_plan_and_what_each_class_used():
    metrics = PrometheusMetrics()
    metrics.register("operations")
    metrics.operations.quota_plan({1: 18_000, 2: 1_800}, {1: 1_200.0, 2: 120.0}, 5_100.0)
    metrics.operations.quota_used({"interactive": 40, "periodic": 900})
    value = metrics.registry.get_sample_value
    assert value("meli_quota_staleness_bound_seconds", {"account": "1"}) == 18_000
    assert value("meli_quota_planned_calls_per_hour", {"account": "2"}) == 120
    assert value("meli_quota_left_for_people_calls_per_hour") == 5_100
    assert value("meli_quota_used_calls", {"call_class": "periodic"}) == 900
    metrics.operations.quota_plan({2: 1_800}, {2: 120.0}, 5_000.0)
    assert value("meli_quota_staleness_bound_seconds", {"account": "1"}) is None, (
        "an account no longer planned leaves the gauges"
    )


@pytest.fixture
async def worker_container(tmp_path):
    settings = Settings.from_mapping(
        {
            "STORAGE": "memory",
            "DATA_DIR": str(tmp_path),
            "CLIENT_ID": SANDBOX_CLIENT_ID,
            "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "API_URL": "http://127.0.0.1:9",
        }
    )
    container = build_container(settings)
    await start(container)
    yield container, settings
    await stop(container)


async def test_a_worker_serves_every_family_its_jobs_report_before_the_first_job(
    worker_container,
):
    container, settings = worker_container
    port = free_port()
    runner = await start_worker_metrics(
        container, attrs.evolve(settings, worker_metrics_port=port), build_worker(container)
    )
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
            async with session.get("/metrics") as response:
                text = await response.text()
            async with session.get("/health") as response:
                assert response.status == 503, "no job thread runs yet"
    finally:
        await runner.cleanup()
    for family in (
        "meli_notifications_received_total",
        "meli_notifications_processed_total",
        "meli_webhook_deliveries_total",
        "meli_api_calls_total",
        "meli_token_refreshes_total",
    ):
        assert f"# TYPE {family} counter" in text, family
    assert "meli_dead_letters" not in text, "the API reports it; a worker would say 0"


async def test_a_worker_whose_metrics_port_is_taken_stops_with_a_clear_message(
    worker_container,
):
    container, settings = worker_container
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(click.ClickException, match="MELI_WORKER_METRICS_PORT"):
            await start_worker_metrics(
                container, attrs.evolve(settings, worker_metrics_port=port), build_worker(container)
            )


async def test_port_zero_serves_nothing(worker_container):
    container, settings = worker_container
    assert (
        await start_worker_metrics(
            container, attrs.evolve(settings, worker_metrics_port=0), build_worker(container)
        )
        is None
    )


def test_compose_lets_prometheus_reach_each_worker_and_checks_its_health():
    worker = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["worker"]
    port = str(Settings().worker_metrics_port)
    assert worker["command"] == ["worker", "--host", "0.0.0.0"]
    assert port in worker["expose"] and "ports" not in worker
    assert f"127.0.0.1:{port}/health" in " ".join(worker["healthcheck"]["test"])


class SwitchableProbe:
    """A broker that answers or not, as the test says."""

    name = "broker"

    def __init__(self) -> None:
        self.down: str | None = None

    async def check(self) -> None:
        if self.down is not None:
            raise Unavailable(self.down)


async def test_worker_health_is_503_naming_the_broker_while_it_is_down(aiohttp_client):
    probe = SwitchableProbe()
    client = await aiohttp_client(metrics_app(PrometheusMetrics(), lambda: True, [probe]))
    response = await client.get("/health")
    body = await response.json()
    assert response.status == 200 and body["status"] == "ok", body
    assert body["checks"]["broker"]["ok"] is True

    probe.down = "redis did not answer: Connection refused"
    response = await client.get("/health")
    body = await response.json()
    assert response.status == 503 and body["status"] == "unavailable"
    assert body["checks"]["broker"] == {
        "ok": False,
        "seconds": body["checks"]["broker"]["seconds"],
        "detail": "redis did not answer: Connection refused",
    }
    assert body["checks"]["worker"]["ok"] is True

    probe.down = None
    assert (await client.get("/health")).status == 200


class RunningWorker:
    is_running = True


async def test_a_worker_on_a_redis_that_does_not_answer_is_unhealthy(tmp_path):
    """The wiring of `meli worker`: its /health asks the container's broker probe. Redis
    here is a port nobody listens on."""
    port = free_port()
    settings = Settings.from_mapping(
        {
            "STORAGE": "memory",
            "DATA_DIR": str(tmp_path),
            "CLIENT_ID": SANDBOX_CLIENT_ID,
            "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "API_URL": "http://127.0.0.1:9",
            "ENCRYPTION_KEY": "3MzqpMbLV2Lnw0mBmt8e7HfNzg7kQGuW1PdtjPczF-c=",
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "WORKER_METRICS_PORT": str(port),
        }
    )
    container = build_container(settings)
    await start(container)
    runner = await start_worker_metrics(container, settings, RunningWorker())
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
            async with session.get("/health") as response:
                body = await response.json()
        assert response.status == 503, body
        assert body["checks"]["worker"]["ok"] is True
        assert body["checks"]["broker"]["ok"] is False
        assert "redis" in body["checks"]["broker"]["detail"]
    finally:
        await runner.cleanup()
        await stop(container)
