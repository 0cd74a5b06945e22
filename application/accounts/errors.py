"""What connecting an account can end in, besides the shared application errors."""

from __future__ import annotations

from enum import StrEnum

from application.errors import (
    AuthorizationRejected,
    Unavailable,
)
from domain.accounts import (
    Account,
)


class ProfileUnavailable(Unavailable):
    """The account is connected and its tokens are stored, but MercadoLibre did not give
    its profile; a forced refresh (or connecting again) fills it in later."""

    def __init__(self, account: Account, error: Exception) -> None:
        super().__init__(
            f"account {account.id} (seller {account.seller_id}) is connected and its tokens "
            f"are stored, but MercadoLibre did not give its profile ({error}); "
            f"`meli accounts refresh {account.id}` or POST /auth/refresh/{account.id} "
            "fills it in"
        )
        self.account = account


class ContradictionOutcome(StrEnum):
    """What became of the local account when the token and the profile named different
    users (see CompleteConnect._distrust)."""

    # The account this call made is deleted again.
    NOTHING_KEPT = "nothing_kept"
    # The existing account has its previous tokens and state back.
    UNCHANGED = "unchanged"
    # The account stays without tokens (it moved on meanwhile, or data refers to it).
    NEEDS_REAUTHORIZATION = "needs_reauthorization"


class GrantContradicted(AuthorizationRejected):
    """The token answer names one user (§1.2) and GET /users/me another (§3): nothing
    from this grant is kept. `consequence` says, as a sentence, what became of the
    local account (`outcome`)."""

    def __init__(
        self,
        token_user_id: int,
        profile_user_id: int,
        outcome: ContradictionOutcome,
        account_id: int,
    ) -> None:
        self.reason = (
            f"MercadoLibre's token answer names user {token_user_id} and its profile user "
            f"{profile_user_id}: the token and the profile name different users, so "
            "nothing from this authorization is trusted"
        )
        account = f"Account {account_id} (seller {token_user_id})"
        self.consequence = {
            ContradictionOutcome.NOTHING_KEPT: "No account was connected.",
            ContradictionOutcome.UNCHANGED: (
                f"{account} was left as it was before, with the tokens it had (if any)."
            ),
            ContradictionOutcome.NEEDS_REAUTHORIZATION: (
                f"{account} has no tokens now and must be connected again."
            ),
        }[outcome]
        super().__init__(f"{self.reason}. {self.consequence}")
        self.outcome = outcome
        self.account_id = account_id
