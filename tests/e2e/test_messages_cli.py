"""`meli messages` on the embedded service (§8): the unread conversations from the stored
messages, and a send refused before any call to MercadoLibre."""

from __future__ import annotations

import json
import sqlite3

from tests.e2e.test_operations_cli import meli
from tests.e2e.test_orders_cli import _seed as seed_orders


def _seed(database) -> None:
    seed_orders(database)
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO meli_messages (id, account_id, pack_id, from_user_id, to_user_id, "
            "text, date_created, attachments, status, order_id, raw) "
            "VALUES (?, 1, ?, 9, 179571326, ?, ?, '[]', 'available', ?, '{}')",
            [
                ("m1", 2000000000001, "¿Llega hoy?", "2026-11-27 12:00:00.000000", 2000000000001),
                ("m2", 2000000000001, "¿Hola?", "2026-11-27 13:00:00.000000", 2000000000001),
                ("m3", 2000000000002, "¿Y?", "2026-11-27 11:00:00.000000", 2000000000002),
            ],
        )


def test_unread_lists_the_conversations_waiting_longest_first_and_a_bad_file_is_refused(
    tmp_path,
):
    assert meli(tmp_path, "messages", "unread").returncode == 0  # creates the database
    _seed(tmp_path / "var" / "meli.db")

    listed = meli(tmp_path, "messages", "unread")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split()[:3] for line in listed.stdout.splitlines()[1:3]]
    assert rows == [
        ["2000000000002", "2000000000002", "1"],
        ["2000000000001", "2000000000001", "2"],
    ]
    assert "2 conversation(s)" in listed.stdout
    as_json = json.loads(meli(tmp_path, "messages", "unread", "--json").stdout)
    assert [c["unread"] for c in as_json["conversations"]] == [1, 2]
    assert as_json["conversations"][1]["oldest"]["text"] == "¿Llega hoy?"

    exe = tmp_path / "virus.exe"
    exe.write_bytes(b"MZ")
    refused = meli(tmp_path, "messages", "send", "2000000000001", "Hola", "--attach", str(exe))
    assert refused.returncode == 1 and "is not a JPG, PNG, PDF or TXT file" in refused.stderr
