"""Connected seller accounts and the OAuth connect flows in progress."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    String,
    Table,
    Text,
    text,
)

from adapters.sql.tables.schema import metadata
from adapters.sql.types import Id, UtcDateTime

accounts = Table(
    "meli_accounts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("seller_id", BigInteger, nullable=False, unique=True),
    Column("site_id", String(3), nullable=False),
    Column("nickname", String(255), nullable=False),
    Column("status", String(32), nullable=False, index=True),
    Column("status_reason", Text),
    Column("last_refreshed_at", UtcDateTime),
    Column("connected_at", UtcDateTime),
    Column("updated_at", UtcDateTime),
    # The sealed token pair: ciphertext only, written by store_tokens/erase_tokens.
    Column("access_token_ciphertext", Text),
    Column("refresh_token_ciphertext", Text),
    Column("token_expires_at", UtcDateTime),
    Column("token_scope", Text),
    Column("token_version", Integer, nullable=False, server_default=text("0")),
    sqlite_autoincrement=True,
)


# Pending OAuth connect flows (AuthorizationRequest): single use, minutes long.
oauth_states = Table(
    "meli_oauth_states",
    metadata,
    Column("state", String(128), primary_key=True),
    Column("site_id", String(3), nullable=False),
    Column("code_verifier_ciphertext", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)
