"""`meli questions` on the embedded service: the inbox and the rules test (§7)."""

from __future__ import annotations

import sqlite3

from tests.e2e.test_operations_cli import meli


def _seed(database) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO meli_accounts (seller_id, site_id, nickname, status) "
            "VALUES (179571326, 'MLA', 'TIENDA', 'active')"
        )
        connection.executemany(
            "INSERT INTO meli_questions (id, account_id, seller_id, item_id, text, text_search, "
            "status, date_created, inbox_order, answer_text, answer_status) "
            "VALUES (?, 1, 179571326, 'MLA1', ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    1,
                    "¿Envío?",
                    "¿envio?",
                    "ANSWERED",
                    "2026-11-27 10:00:00.000000",
                    10**14,
                    "Sí",
                    "ACTIVE",
                ),
                (
                    2,
                    "¿Stock?",
                    "¿stock?",
                    "UNANSWERED",
                    "2026-11-27 11:00:00.000000",
                    1,
                    None,
                    None,
                ),
            ],
        )
        connection.execute(
            "INSERT INTO meli_templates (name, kind, text) "
            "VALUES ('envíos', 'answer', 'Sí, {seller_nickname} envía a todo el país.')"
        )
        connection.execute(
            "INSERT INTO meli_answer_rules (name, template_id, keywords, priority, account_ids, "
            "item_ids, category_ids, mode, enabled) "
            "VALUES ('Envíos', 1, '[\"envío\"]', 3, '[]', '[]', '[]', 'live', 1)"
        )


def test_the_inbox_lists_the_unanswered_first_and_the_rules_say_what_they_would_send(tmp_path):
    assert meli(tmp_path, "questions", "list").returncode == 0  # creates the database
    _seed(tmp_path / "var" / "meli.db")

    listed = meli(tmp_path, "questions", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split()[0] for line in listed.stdout.splitlines()[1:3]]
    assert rows == ["2", "1"] and "2 of 2 question(s)" in listed.stdout
    waiting = meli(tmp_path, "questions", "list", "--unanswered")
    assert "1 of 1 question(s)" in waiting.stdout

    rules = meli(tmp_path, "questions", "rules", "list")
    assert rules.returncode == 0 and "Envíos: envío" in rules.stdout
    verdict = meli(tmp_path, "questions", "rules", "test", "¿Hacen ENVIOS?")
    assert verdict.returncode == 0, verdict.stderr
    assert "rule 1 (Envíos) would answer" in verdict.stdout
    assert "Sí, TIENDA envía a todo el país." in verdict.stdout
    nothing = meli(tmp_path, "questions", "rules", "test", "¿Colores?")
    assert "no rule would answer" in nothing.stdout

    answered = meli(tmp_path, "questions", "answer", "1", "otra vez")
    assert answered.returncode == 1 and "cannot be answered" in answered.stderr
