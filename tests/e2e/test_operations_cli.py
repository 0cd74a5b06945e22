"""`meli jobs` and `meli dlq` as an administrator uses them on the embedded service."""

from __future__ import annotations

import sqlite3
import subprocess

from tests.helpers import BIN, clean_env


def meli(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = clean_env(MELI_DATA_DIR=str(tmp_path / "var"), MELI_LOG_LEVEL="WARNING")
    return subprocess.run(
        [str(BIN / "meli"), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_jobs_are_listed_without_touching_the_database(tmp_path):
    result = meli(tmp_path, "jobs", "list")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["orders", "600s"] for line in lines)
    assert "fan_out(job=reconcile_orders, trigger=schedule, slot=None)" in result.stdout
    assert "missed_feeds" in result.stdout and "inbox_sweep" in result.stdout
    assert not (tmp_path / "var" / "meli.db").exists()


def test_the_quota_plan_is_shown(tmp_path):
    result = meli(tmp_path, "jobs", "plan")

    assert result.returncode == 0, result.stderr
    assert "quota 10000/h, periodic budget 5000/h" in result.stdout
    assert "left for people" in result.stdout and "warning" not in result.stdout
    assert any(line.split()[:2] == ["all", "missed_feeds"] for line in result.stdout.splitlines())


def test_a_job_runs_in_the_foreground_without_redis(tmp_path):
    result = meli(tmp_path, "jobs", "run", "inbox_sweep")

    assert result.returncode == 0, result.stderr
    assert "inbox_sweep: requeue_lost_work(kinds=notifications) done" in result.stdout
    unknown = meli(tmp_path, "jobs", "run", "nope")
    assert unknown.returncode == 1 and "periodic job nope was not found" in unknown.stderr


def test_dead_letters_are_listed_and_replayed_once(tmp_path):
    assert meli(tmp_path, "dlq", "list").returncode == 0  # creates the embedded database
    database = tmp_path / "var" / "meli.db"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO meli_dead_letters (source, reference, topic, error, attempts, "
            'failed_at) VALUES (\'job\', \'{"actor": "sweep_inbox", "kwargs": {}}\', '
            "'sweep_inbox', 'Unavailable: the database went away', 3, "
            "'2026-11-27 10:00:00.000000')"
        )

    listed = meli(tmp_path, "dlq", "list")
    assert "sweep_inbox" in listed.stdout and "the database went away" in listed.stdout
    assert "1 dead letter(s) not replayed" in listed.stdout

    replayed = meli(tmp_path, "dlq", "replay", "1")
    assert replayed.returncode == 0, replayed.stderr
    assert "dead letter 1 (sweep_inbox): requeued" in replayed.stdout
    again = meli(tmp_path, "dlq", "replay", "1")
    assert again.returncode == 1 and "already replayed" in again.stderr
    assert "0 dead letter(s) not replayed" in meli(tmp_path, "dlq", "list").stdout
    assert meli(tmp_path, "dlq", "replay").returncode == 2, "an id or --all"
