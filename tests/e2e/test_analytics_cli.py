"""`meli stats` and `meli analytics rebuild` on the embedded service: orders loaded
behind the service's back (bulk SQL) reach the figures after a rebuild."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.e2e.test_operations_cli import meli
from tests.e2e.test_orders_cli import _seed


def test_a_rebuild_brings_bulk_loaded_orders_into_the_stats(tmp_path):
    assert meli(tmp_path, "stats").returncode == 0  # creates the database
    _seed(tmp_path / "var" / "meli.db")
    since = (datetime.now(UTC).date() - datetime(2026, 11, 27, tzinfo=UTC).date()).days + 2

    before = meli(tmp_path, "stats", "--json", "--since", str(since))
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["total_sales"] == {}

    rebuilt = meli(tmp_path, "analytics", "rebuild", "--account", "1")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "account 1: roll-up rebuilt from 2 order(s)" in rebuilt.stdout

    after = json.loads(meli(tmp_path, "stats", "--json", "--since", str(since)).stdout)
    assert after["total_sales"] == {"ARS": "1999.90"}
    assert after["account_id"] is None

    table = meli(tmp_path, "stats", "--account", "1", "--since", str(since))
    assert table.returncode == 0, table.stderr
    assert "sales ARS" in table.stdout and "1,999.90" in table.stdout
    assert "unanswered questions" in table.stdout

    unknown = meli(tmp_path, "stats", "--account", "9")
    assert unknown.returncode != 0 and "account 9 was not found" in unknown.stderr
