"""The MercadoLibre gateways over aiohttp: OAuthGateway, ListingGateway, Marketplace,
QuestionGateway, OrderGateway, MessageGateway."""

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.client import DEFAULT_API_URL, MeliResponse, MercadoLibreClient
from adapters.mercadolibre.listings import AiohttpListingGateway
from adapters.mercadolibre.marketplace import AiohttpMarketplace
from adapters.mercadolibre.messages import AiohttpMessageGateway
from adapters.mercadolibre.oauth import AiohttpOAuthGateway
from adapters.mercadolibre.orders import AiohttpOrderGateway
from adapters.mercadolibre.questions import AiohttpQuestionGateway
from adapters.mercadolibre.retry import RetryPolicy
from adapters.mercadolibre.session import create_session, session_resource

__all__ = [
    "DEFAULT_API_URL",
    "AccountCalls",
    "AiohttpListingGateway",
    "AiohttpMarketplace",
    "AiohttpMessageGateway",
    "AiohttpOAuthGateway",
    "AiohttpOrderGateway",
    "AiohttpQuestionGateway",
    "MeliResponse",
    "MercadoLibreClient",
    "RetryPolicy",
    "create_session",
    "session_resource",
]
