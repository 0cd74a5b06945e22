"""Use cases of connected accounts: connecting, tokens, disconnecting, reading them."""

from __future__ import annotations

from dependency_injector import providers

from application.accounts.complete_connect import CompleteConnect
from application.accounts.count_accounts import CountAccountsByStatus
from application.accounts.disconnect_account import DisconnectAccount
from application.accounts.get_account import GetAccount
from application.accounts.list_accounts import ListAccounts
from application.accounts.refresh_account import RefreshAccount
from application.accounts.refresh_expiring_tokens import RefreshExpiringTokens
from application.accounts.start_connect import StartConnect
from application.operations.rotate_token_keys import RotateTokenKeys
from entrypoints.container.gateways import Gateways, refresh_horizon

G = Gateways
uow = G.unit_of_work.provider


class AccountUseCases(Gateways):
    list_accounts = providers.Factory(ListAccounts, uow)
    get_account = providers.Factory(GetAccount, uow)
    count_accounts = providers.Factory(CountAccountsByStatus, uow)
    start_connect = providers.Factory(
        StartConnect, uow, G.oauth_gateway, G.cipher, G.clock, G.settings.provided.site_id
    )
    complete_connect = providers.Factory(
        CompleteConnect, uow, G.oauth_gateway, G.cipher, G.token_vault, G.clock
    )
    disconnect_account = providers.Factory(DisconnectAccount, uow, G.clock, G.token_cache)
    refresh_account = providers.Factory(
        RefreshAccount, uow, G.token_vault, G.oauth_gateway, G.clock
    )
    refresh_expiring_tokens = providers.Factory(
        RefreshExpiringTokens,
        uow,
        G.token_vault,
        G.clock,
        horizon=providers.Callable(refresh_horizon, G.settings),
    )
    rotate_token_keys = providers.Factory(RotateTokenKeys, uow, G.cipher, G.clock)
