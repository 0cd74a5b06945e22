"""Whether an account can be used for MercadoLibre calls, and its stored profile."""

from __future__ import annotations

from datetime import datetime

from application.errors import Conflict, ReauthorizationRequired
from application.ports.oauth import SellerProfile
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account


def require_usable(account: Account) -> Account:
    """The account, if MercadoLibre can be called for it; else ReauthorizationRequired."""
    if not account.is_usable:
        assert account.id is not None
        raise ReauthorizationRequired(account.id, account.status_reason or account.status.value)
    return account


async def usable_account(uow: UnitOfWork, account_id: int) -> Account:
    """Read an account that can be used. Raises NotFound or ReauthorizationRequired."""
    return require_usable(await uow.accounts.get(account_id))


def profile_pending(account: Account) -> bool:
    """Whether the account's profile (nickname, site) was never read. Connecting stores
    the account and its tokens before asking MercadoLibre for the profile (GET /users/me,
    §3), so that a failure there loses no token; its nickname stays empty until then."""
    return not account.nickname


async def store_profile(
    uow: UnitOfWork, account_id: int, profile: SellerProfile, now: datetime
) -> Account:
    """Write the token owner's profile onto the account, inside the caller's unit of
    work. Raises NotFound, and Conflict if the profile is another seller's."""
    account = await uow.accounts.get(account_id)
    if profile.user_id != account.seller_id:
        raise Conflict(
            f"MercadoLibre's profile names seller {profile.user_id}, "
            f"but account {account_id} is seller {account.seller_id}"
        )
    # attrs validates the site on assignment (an unknown site raises UnknownSite).
    account.nickname = profile.nickname
    account.site_id = profile.site_id
    account.updated_at = now
    await uow.accounts.save(account)
    return account
