"""`meli categories show` against the sandbox, with an account connected in the
database the CLI reads (mercadolibre-api.md §4.9, §4.1)."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from adapters.crypto.fernet import FernetTokenCipher, generate_key
from sandbox.testing import running_sandbox
from tests.e2e.test_accounts_cli import database, meli


async def test_a_category_is_shown_as_text_and_as_json(tmp_path):
    key = generate_key()
    async with running_sandbox(rate_limit=0) as sb:
        seller = sb.sellers[0]
        tokens = await sb.token_for(seller["id"])
        env = {
            "MELI_ENCRYPTION_KEY": key,
            "MELI_API_URL": sb.url,
            "MELI_CLIENT_ID": sb.config.client_id,
            "MELI_CLIENT_SECRET": sb.state.oauth.apps[sb.config.client_id].client_secret,
        }
        path = await asyncio.to_thread(database, tmp_path, **env)
        cipher = FernetTokenCipher([key])
        with sqlite3.connect(path) as connection:
            connection.execute(
                "INSERT INTO meli_accounts (seller_id, site_id, nickname, status, "
                "access_token_ciphertext, refresh_token_ciphertext, token_expires_at, "
                "token_version) VALUES (?, 'MLA', 'TETE', 'active', ?, ?, "
                "'2099-01-01 00:00:00.000000', 1)",
                (
                    seller["id"],
                    cipher.encrypt(tokens["access_token"]),
                    cipher.encrypt(tokens["refresh_token"]),
                ),
            )

        text = await asyncio.to_thread(meli, tmp_path, "categories", "show", "MLA109027", **env)
        as_json = await asyncio.to_thread(
            meli, tmp_path, "categories", "show", "MLA109027", "--json", **env
        )
        unknown = await asyncio.to_thread(meli, tmp_path, "categories", "show", "MLA9999", **env)

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "Ropa y Accesorios (MLA1430) > Zapatillas (MLA109027)"
    assert any(line.split()[:2] == ["required", "GENDER"] for line in lines)
    assert as_json.returncode == 0, as_json.stderr
    shown = json.loads(as_json.stdout)
    assert shown["id"] == "MLA109027" and "gold_special" in shown["listing_types"]
    assert {"requirement": "required", "id": "BRAND"}.items() <= next(
        a for a in shown["attributes"] if a["id"] == "BRAND"
    ).items()
    assert unknown.returncode == 1
    assert unknown.stderr.count("\n") == 1 and "MLA9999" in unknown.stderr
