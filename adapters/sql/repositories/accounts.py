"""Accounts, their sealed tokens and pending authorizations, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs
from sqlalchemy import (
    delete,
    select,
    update,
)

from adapters.sql.repositories.base import JsonObject, Row, SqlRepository
from adapters.sql.tables import (
    accounts,
    oauth_states,
)
from application.errors import Conflict, NotFound
from domain.accounts import Account, AccountStatus, AuthorizationRequest, SealedTokens


def account_to_row(account: Account) -> JsonObject:
    """Columns of an account, without the token columns (store_tokens owns those)."""
    return {
        "seller_id": account.seller_id,
        "site_id": account.site_id,
        "nickname": account.nickname,
        "status": account.status.value,
        "status_reason": account.status_reason,
        "last_refreshed_at": account.last_refreshed_at,
        "connected_at": account.connected_at,
        "updated_at": account.updated_at,
    }


def account_to_domain(row: Row) -> Account:
    return Account(
        id=row["id"],
        seller_id=row["seller_id"],
        site_id=row["site_id"],
        nickname=row["nickname"],
        status=AccountStatus(row["status"]),
        status_reason=row["status_reason"],
        token_expires_at=row["token_expires_at"] if row["access_token_ciphertext"] else None,
        last_refreshed_at=row["last_refreshed_at"],
        connected_at=row["connected_at"],
        updated_at=row["updated_at"],
    )


def tokens_to_row(tokens: SealedTokens) -> JsonObject:
    return {
        "access_token_ciphertext": tokens.access_token,
        "refresh_token_ciphertext": tokens.refresh_token,
        "token_expires_at": tokens.expires_at,
        "token_scope": tokens.scope,
    }


def tokens_to_domain(row: Row) -> SealedTokens | None:
    if row["access_token_ciphertext"] is None:
        return None
    return SealedTokens(
        access_token=row["access_token_ciphertext"],
        refresh_token=row["refresh_token_ciphertext"],
        expires_at=row["token_expires_at"],
        scope=row["token_scope"] or "",
        version=row["token_version"],
    )


def authorization_request_to_row(request: AuthorizationRequest) -> JsonObject:
    return {
        "state": request.state,
        "site_id": request.site_id,
        "code_verifier_ciphertext": request.sealed_code_verifier,
        "created_at": request.created_at,
        "expires_at": request.expires_at,
    }


def authorization_request_to_domain(row: Row) -> AuthorizationRequest:
    return AuthorizationRequest(
        state=row["state"],
        site_id=row["site_id"],
        sealed_code_verifier=row["code_verifier_ciphertext"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


class SqlAccountRepository(SqlRepository):
    async def add(self, account: Account) -> Account:
        statement = (
            self._insert(accounts)
            .values(account_to_row(account))
            .on_conflict_do_nothing()
            .returning(accounts.c.id)
        )
        new_id = (await self._write(statement)).scalar_one_or_none()
        if new_id is None:
            raise Conflict(f"seller {account.seller_id} is already connected")
        return attrs.evolve(account, id=new_id, token_expires_at=None)

    async def save(self, account: Account) -> None:
        statement = (
            update(accounts).where(accounts.c.id == account.id).values(account_to_row(account))
        )
        if (await self._write(statement)).rowcount == 0:
            raise NotFound("account", account.id)

    async def get(self, account_id: int) -> Account:
        row = await self._one(select(accounts).where(accounts.c.id == account_id))
        if row is None:
            raise NotFound("account", account_id)
        return account_to_domain(row)

    async def find_by_seller(self, seller_id: int) -> Account | None:
        row = await self._one(select(accounts).where(accounts.c.seller_id == seller_id))
        return None if row is None else account_to_domain(row)

    async def list(self, status: AccountStatus | None = None) -> Sequence[Account]:
        statement = select(accounts).order_by(accounts.c.id)
        if status is not None:
            statement = statement.where(accounts.c.status == AccountStatus(status).value)
        return [account_to_domain(row) for row in await self._all(statement)]

    async def get_tokens(self, account_id: int, *, for_update: bool = False) -> SealedTokens | None:
        statement = select(accounts).where(accounts.c.id == account_id)
        if for_update:
            # SQLite has no row locks; there the unit of work holds the write lock instead.
            statement = statement.with_for_update()
        row = await self._one(statement)
        return None if row is None else tokens_to_domain(row)

    async def store_tokens(self, account_id: int, tokens: SealedTokens) -> SealedTokens:
        statement = (
            update(accounts)
            .where(accounts.c.id == account_id)
            .values(**tokens_to_row(tokens), token_version=accounts.c.token_version + 1)
            .returning(accounts.c.token_version)
        )
        version = (await self._write(statement)).scalar_one_or_none()
        if version is None:
            raise NotFound("account", account_id)
        return attrs.evolve(tokens, version=version)

    async def erase_tokens(self, account_id: int) -> None:
        await self._write(
            update(accounts)
            .where(accounts.c.id == account_id)
            .values(
                access_token_ciphertext=None,
                refresh_token_ciphertext=None,
                token_expires_at=None,
                token_scope=None,
            )
        )

    async def delete(self, account_id: int) -> None:
        # A row that refers to the account makes the foreign key refuse: Conflict.
        result = await self._write(delete(accounts).where(accounts.c.id == account_id))
        if result.rowcount == 0:
            raise NotFound("account", account_id)


class SqlAuthorizationRequestRepository(SqlRepository):
    async def add(self, request: AuthorizationRequest) -> None:
        await self._write(oauth_states.insert().values(authorization_request_to_row(request)))

    async def take(self, state: str) -> AuthorizationRequest | None:
        # DELETE ... RETURNING is the atomic take: of two concurrent callers, the second
        # waits for the first to commit and then deletes nothing.
        result = await self._write(
            delete(oauth_states).where(oauth_states.c.state == state).returning(*oauth_states.c)
        )
        row = result.mappings().first()
        return None if row is None else authorization_request_to_domain(row)

    async def purge_expired(self, now: datetime) -> int:
        result = await self._write(delete(oauth_states).where(oauth_states.c.expires_at <= now))
        return result.rowcount
