"""Accounts, their sealed tokens, and pending authorizations.

As every repository: methods work inside the unit of work that owns the repository and
none commits; `get` raises NotFound, `find` returns None; writes are idempotent upserts
unless named `add`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.accounts import Account, AccountStatus, AuthorizationRequest, SealedTokens


class AccountRepository(Protocol):
    """Accounts and their sealed tokens.

    `Account.token_expires_at` mirrors the stored tokens: `store_tokens` and
    `erase_tokens` set it, `add` and `save` leave it alone (so a stale copy of the
    account cannot move the expiry of tokens another process refreshed).
    """

    async def add(self, account: Account) -> Account:
        """Store a new account and return it as stored, with its id. Raises Conflict if
        the seller is already connected."""
        ...

    async def save(self, account: Account) -> None:
        """Store changes to an existing account. Raises NotFound."""
        ...

    async def get(self, account_id: int) -> Account: ...

    async def find_by_seller(self, seller_id: int) -> Account | None: ...

    async def list(self, status: AccountStatus | None = None) -> Sequence[Account]:
        """Accounts ordered by id, optionally only those in one status."""
        ...

    async def get_tokens(self, account_id: int, *, for_update: bool = False) -> SealedTokens | None:
        """The sealed token pair, or None if the account has none.

        With `for_update`, stores that support it lock the row until the unit of work
        ends (PostgreSQL `SELECT ... FOR UPDATE`), so the read is the latest committed one.
        """
        ...

    async def store_tokens(self, account_id: int, tokens: SealedTokens) -> SealedTokens:
        """Replace the sealed pair; return it with its version bumped. Raises NotFound."""
        ...

    async def erase_tokens(self, account_id: int) -> None:
        """Forget the tokens (disconnect). Idempotent; the version is kept, so the next
        `store_tokens` still bumps it."""
        ...

    async def delete(self, account_id: int) -> None:
        """Remove the account and its tokens (a connect that turned out untrustworthy
        takes back the row it made). Raises NotFound, and Conflict if anything refers
        to the account (listings, orders, sync logs, dead letters, ...): such an
        account is kept, never removed with its data."""
        ...


class AuthorizationRequestRepository(Protocol):
    """Pending OAuth connect flows (state and PKCE verifier), each usable once."""

    async def add(self, request: AuthorizationRequest) -> None: ...

    async def take(self, state: str) -> AuthorizationRequest | None:
        """Remove and return the request with this state, or None if there is none.
        Atomic: of two concurrent takes of one state, only one gets it."""
        ...

    async def purge_expired(self, now: datetime) -> int:
        """Delete requests past their expiry; return how many."""
        ...
