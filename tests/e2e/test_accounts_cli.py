"""`meli accounts` and `meli keys` as an administrator uses them on the embedded default:
no MercadoLibre application configured, SQLite in the data directory."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from adapters.crypto.fernet import FernetTokenCipher, generate_key
from tests.helpers import BIN, clean_env

SELLER = 202593498


def meli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "meli"), *args],
        env=clean_env(MELI_DATA_DIR=str(tmp_path / "var"), MELI_LOG_LEVEL="WARNING", **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def database(tmp_path: Path, **env: str) -> Path:
    created = meli(tmp_path, "db", "upgrade", **env)
    assert created.returncode == 0, created.stderr
    return tmp_path / "var" / "meli.db"


def add_account(path: Path, access: str, refresh: str) -> int:
    with sqlite3.connect(path) as connection:
        cursor = connection.execute(
            "INSERT INTO meli_accounts (seller_id, site_id, nickname, status, "
            "access_token_ciphertext, refresh_token_ciphertext, token_expires_at, "
            "token_version) VALUES (?, 'MLA', 'TETE', 'active', ?, ?, "
            "'2099-01-01 00:00:00.000000', 1)",
            (SELLER, access, refresh),
        )
        return cursor.lastrowid


def test_an_account_is_disconnected_from_the_cli_without_a_mercadolibre_application(tmp_path):
    """Disconnecting needs only the database: it used to build the OAuth client, which
    has no credentials outside `meli serve`'s embedded sandbox."""
    path = database(tmp_path)
    account_id = add_account(path, "sealed-access", "sealed-refresh")

    declined = subprocess.run(
        [str(BIN / "meli"), "accounts", "disconnect", str(account_id)],
        env=clean_env(MELI_DATA_DIR=str(tmp_path / "var"), MELI_LOG_LEVEL="WARNING"),
        cwd=tmp_path,
        input="n\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert declined.returncode == 1 and "Erase the tokens of account" in declined.stdout
    with sqlite3.connect(path) as connection:
        status = connection.execute(
            "SELECT status FROM meli_accounts WHERE id = ?", (account_id,)
        ).fetchone()
    assert status == ("active",), "declining changes nothing"

    result = meli(tmp_path, "accounts", "disconnect", str(account_id), "--yes")

    assert result.returncode == 0, result.stderr
    assert "disconnected" in result.stdout and "TETE" in result.stdout
    header, row = [line for line in result.stdout.splitlines() if line.strip()]
    assert header.split()[:3] == ["id", "seller", "site"] and "TETE" in row
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT status, access_token_ciphertext, refresh_token_ciphertext "
            "FROM meli_accounts WHERE id = ?",
            (account_id,),
        ).fetchone()
    assert row == ("disconnected", None, None)
    missing = meli(tmp_path, "accounts", "disconnect", "99", "--yes")
    assert missing.returncode == 1 and "account 99 was not found" in missing.stderr
    # Without --yes, an unknown account is said before any confirmation is asked.
    unasked = meli(tmp_path, "accounts", "disconnect", "99")
    assert unasked.returncode == 1 and "account 99 was not found" in unasked.stderr
    assert "Erase" not in unasked.stdout


def test_keys_rotate_re_encrypts_tokens_and_webhook_secrets_so_the_old_key_can_go(tmp_path):
    old_key, new_key = generate_key(), generate_key()
    old = FernetTokenCipher([old_key])
    path = database(tmp_path, MELI_ENCRYPTION_KEY=old_key)
    account_id = add_account(path, old.encrypt("APP_USR-access"), old.encrypt("TG-refresh"))
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO meli_subscriptions (topic, callback_url, secret_ciphertext, "
            "created_at) VALUES ('orders_v2', 'https://hooks.example.com/meli', ?, "
            "'2026-11-27 10:00:00.000000')",
            (old.encrypt("whsec-signing-secret"),),
        )

    rotated = meli(tmp_path, "keys", "rotate", MELI_ENCRYPTION_KEY=f"{new_key},{old_key}")

    assert rotated.returncode == 0, rotated.stderr
    assert "tokens of 1 account(s)" in rotated.stdout
    assert "secrets of 1 webhook subscription(s)" in rotated.stdout
    only_new = FernetTokenCipher([new_key])
    with sqlite3.connect(path) as connection:
        access, refresh = connection.execute(
            "SELECT access_token_ciphertext, refresh_token_ciphertext FROM meli_accounts "
            "WHERE id = ?",
            (account_id,),
        ).fetchone()
        [(secret,)] = connection.execute("SELECT secret_ciphertext FROM meli_subscriptions")
    assert only_new.decrypt(access) == "APP_USR-access"
    assert only_new.decrypt(refresh) == "TG-refresh"
    assert only_new.decrypt(secret) == "whsec-signing-secret"

    lost = meli(tmp_path, "keys", "rotate", MELI_ENCRYPTION_KEY=generate_key())
    assert lost.returncode == 1
    assert f"account(s) {account_id}" in lost.stderr and "subscription(s) 1" in lost.stderr
