from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from adapters.memory.repositories.base import ACCOUNT_REFERENCES, InMemoryRepository, LockRow
from adapters.memory.store import (
    ACCOUNTS,
    AUTHORIZATION_REQUESTS,
    REPUTATIONS,
    TOKENS,
    InMemoryStore,
    StagedChanges,
    private_copy,
)
from application.errors import Conflict, NotFound
from domain.accounts import Account, AccountStatus, AuthorizationRequest, SealedTokens


@attrs.define(frozen=True)
class TokenRecord:
    """An account's sealed tokens (None once erased) and the version of the last store."""

    tokens: SealedTokens | None
    version: int


class InMemoryAccountRepository(InMemoryRepository):
    def __init__(self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    def _with_token_expiry(self, account: Account) -> Account:
        record = self._staged.get(TOKENS, account.id)
        expires_at = None if record is None or record.tokens is None else record.tokens.expires_at
        return attrs.evolve(private_copy(account), token_expires_at=expires_at)

    async def add(self, account: Account) -> Account:
        stored = attrs.evolve(account, id=self._store.next_id(ACCOUNTS), token_expires_at=None)
        self._staged.put(ACCOUNTS, stored.id, stored)
        return private_copy(stored)

    async def save(self, account: Account) -> None:
        if account.id is None or self._staged.get(ACCOUNTS, account.id) is None:
            raise NotFound("account", account.id)
        # The token expiry belongs to the stored tokens, not to this write.
        self._staged.put(ACCOUNTS, account.id, attrs.evolve(account, token_expires_at=None))

    async def get(self, account_id: int) -> Account:
        account = self._staged.get(ACCOUNTS, account_id)
        if account is None:
            raise NotFound("account", account_id)
        return self._with_token_expiry(account)

    async def find_by_seller(self, seller_id: int) -> Account | None:
        for account in self._staged.values(ACCOUNTS):
            if account.seller_id == seller_id:
                return self._with_token_expiry(account)
        return None

    async def list(self, status: AccountStatus | None = None) -> Sequence[Account]:
        matches = [a for a in self._staged.values(ACCOUNTS) if status is None or a.status == status]
        return [self._with_token_expiry(a) for a in sorted(matches, key=lambda a: a.id)]

    async def get_tokens(self, account_id: int, *, for_update: bool = False) -> SealedTokens | None:
        if for_update and self._staged.get(ACCOUNTS, account_id) is not None:
            await self._lock_row(ACCOUNTS, account_id)
        record = self._staged.get(TOKENS, account_id)
        return None if record is None else record.tokens

    async def store_tokens(self, account_id: int, tokens: SealedTokens) -> SealedTokens:
        if self._staged.get(ACCOUNTS, account_id) is None:
            raise NotFound("account", account_id)
        # Writing a row locks it until the end of the transaction, as on PostgreSQL.
        await self._lock_row(ACCOUNTS, account_id)
        record = self._staged.get(TOKENS, account_id)
        version = (0 if record is None else record.version) + 1
        stored = attrs.evolve(tokens, version=version)
        self._staged.put(TOKENS, account_id, TokenRecord(stored, version))
        return stored

    async def erase_tokens(self, account_id: int) -> None:
        record = self._staged.get(TOKENS, account_id)
        if record is None or record.tokens is None:
            return
        await self._lock_row(ACCOUNTS, account_id)
        self._staged.put(TOKENS, account_id, TokenRecord(None, record.version))

    async def delete(self, account_id: int) -> None:
        if self._staged.get(ACCOUNTS, account_id) is None:
            raise NotFound("account", account_id)
        await self._lock_row(ACCOUNTS, account_id)
        # The foreign keys to meli_accounts of the SQL schema refuse the delete.
        for table in ACCOUNT_REFERENCES:
            if any(row.account_id == account_id for row in self._staged.values(table)):
                raise Conflict(f"account {account_id} is referred to by its {table}")
        self._staged.delete(ACCOUNTS, account_id)
        self._staged.delete(TOKENS, account_id)
        # What the account's reputation read refers to goes with it (ON DELETE CASCADE).
        if self._staged.get(REPUTATIONS, account_id) is not None:
            self._staged.delete(REPUTATIONS, account_id)


class InMemoryAuthorizationRequestRepository(InMemoryRepository):
    def __init__(self, store: InMemoryStore, staged: StagedChanges, lock_row: LockRow) -> None:
        super().__init__(store, staged)
        self._lock_row = lock_row

    async def add(self, request: AuthorizationRequest) -> None:
        if self._staged.get(AUTHORIZATION_REQUESTS, request.state) is not None:
            raise Conflict("this state is already pending")
        self._staged.put(AUTHORIZATION_REQUESTS, request.state, request)

    async def take(self, state: str) -> AuthorizationRequest | None:
        # The row lock makes a concurrent take wait for this unit of work, as the SQL
        # DELETE ... RETURNING does; it then finds nothing.
        await self._lock_row(AUTHORIZATION_REQUESTS, state)
        found = self._staged.get(AUTHORIZATION_REQUESTS, state)
        if found is None:
            return None
        self._staged.delete(AUTHORIZATION_REQUESTS, state)
        return private_copy(found)

    async def purge_expired(self, now: datetime) -> int:
        expired = [
            key
            for key, request in self._staged.rows(AUTHORIZATION_REQUESTS)
            if request.expires_at <= now
        ]
        for key in expired:
            self._staged.delete(AUTHORIZATION_REQUESTS, key)
        return len(expired)
