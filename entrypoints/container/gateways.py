"""The MercadoLibre gateways (OAuth and API, one shared HTTP session behind the shared
rate limiter), the token vault they take access tokens from, and the outbound webhook
sender."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import providers

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.analytics import AiohttpAnalyticsGateway
from adapters.mercadolibre.categories import AiohttpCategoryGateway
from adapters.mercadolibre.client import MercadoLibreClient
from adapters.mercadolibre.listings import AiohttpListingGateway
from adapters.mercadolibre.marketplace import AiohttpMarketplace
from adapters.mercadolibre.messages import AiohttpMessageGateway
from adapters.mercadolibre.oauth import AiohttpOAuthGateway
from adapters.mercadolibre.orders import AiohttpOrderGateway
from adapters.mercadolibre.pictures import AiohttpPictureGateway
from adapters.mercadolibre.questions import AiohttpQuestionGateway
from adapters.mercadolibre.session import session_resource
from adapters.system.clock import SystemClock
from adapters.webhooks.sender import SystemAddressResolver, webhook_sender_resource
from application.accounts.token_vault import REFRESH_MARGIN, AccessTokenCache, TokenVault
from entrypoints.container.infrastructure import Infrastructure
from entrypoints.settings import Settings, SettingsError


def _oauth_gateway(
    settings: Settings, client: MercadoLibreClient, clock: SystemClock
) -> AiohttpOAuthGateway:
    if settings.client_id is None or settings.client_secret is None:
        raise SettingsError(
            "no MercadoLibre application configured: set MELI_CLIENT_ID and "
            "MELI_CLIENT_SECRET (or run `meli serve`, which embeds the sandbox)"
        )
    return AiohttpOAuthGateway(
        client,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        redirect_uri=settings.effective_redirect_uri,
        clock=clock,
        auth_url=settings.auth_url,
    )


def refresh_horizon(settings: Settings) -> timedelta:
    """How far ahead the periodic refresh looks: to its next run, plus the margin."""
    return timedelta(seconds=settings.token_refresh_interval) + REFRESH_MARGIN


class Gateways(Infrastructure):
    http_session = providers.Resource(session_resource)
    meli_client = providers.Singleton(
        MercadoLibreClient,
        http_session,
        Infrastructure.rate_limiter,
        api_url=Infrastructure.settings.provided.api_url,
        metrics=Infrastructure.metrics.provided.gateway,
    )
    oauth_gateway = providers.Singleton(
        _oauth_gateway, Infrastructure.settings, meli_client, Infrastructure.clock
    )
    # Its own provider so that a disconnect can empty it without building the vault
    # (whose OAuth client needs credentials the CLI may not have).
    token_cache = providers.Singleton(AccessTokenCache)
    token_vault = providers.Singleton(
        TokenVault,
        Infrastructure.unit_of_work.provider,
        oauth_gateway,
        Infrastructure.cipher,
        Infrastructure.lock,
        Infrastructure.clock,
        on_refresh=Infrastructure.metrics.provided.token_refreshes,
        cache=token_cache,
    )
    account_calls = providers.Singleton(AccountCalls, meli_client, token_vault)
    marketplace = providers.Singleton(AiohttpMarketplace, account_calls)
    listing_gateway = providers.Singleton(AiohttpListingGateway, account_calls)
    picture_gateway = providers.Singleton(AiohttpPictureGateway, account_calls)
    category_gateway = providers.Singleton(AiohttpCategoryGateway, account_calls)
    question_gateway = providers.Singleton(AiohttpQuestionGateway, account_calls)
    order_gateway = providers.Singleton(AiohttpOrderGateway, account_calls)
    message_gateway = providers.Singleton(AiohttpMessageGateway, account_calls)
    analytics_gateway = providers.Singleton(AiohttpAnalyticsGateway, account_calls)

    address_resolver = providers.Singleton(SystemAddressResolver)
    webhook_sender = providers.Resource(
        webhook_sender_resource, Infrastructure.settings.provided.webhook_allow_private
    )
