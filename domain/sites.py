"""Every MercadoLibre site, with its currency, language and authorization host.

Sites and currencies follow mercadolibre-api.md §10; authorization hosts follow §1.1
(the Java SDK's AuthUrls plus the Python SDK's Bolivia and Paraguay hosts; the Central
American hosts not listed there follow the `auth.mercadolibre.com.<cc>` pattern, an
assumption the reference marks [INF]).
"""

from __future__ import annotations

from typing import Final

import attrs

from domain.errors import UnknownSite
from domain.money import Currency, currency


@attrs.define(frozen=True)
class Site:
    id: str
    country: str
    country_id: str
    currency_id: str
    language: str
    domain: str

    @property
    def currency(self) -> Currency:
        return currency(self.currency_id)

    @property
    def decimal_places(self) -> int:
        return self.currency.decimal_places

    @property
    def auth_host(self) -> str:
        return f"auth.{self.domain}"

    @property
    def authorization_url(self) -> str:
        return f"https://{self.auth_host}/authorization"

    def owns_item_id(self, item_id: str) -> bool:
        """Item ids are the site id followed by digits (§0.3)."""
        return item_id.startswith(self.id) and item_id[len(self.id) :].isdigit()


SITES: Final[dict[str, Site]] = {
    s.id: s
    for s in (
        Site("MLA", "Argentina", "AR", "ARS", "es-AR", "mercadolibre.com.ar"),
        Site("MLB", "Brasil", "BR", "BRL", "pt-BR", "mercadolivre.com.br"),
        Site("MLM", "México", "MX", "MXN", "es-MX", "mercadolibre.com.mx"),
        Site("MCO", "Colombia", "CO", "COP", "es-CO", "mercadolibre.com.co"),
        Site("MLC", "Chile", "CL", "CLP", "es-CL", "mercadolibre.cl"),
        Site("MLU", "Uruguay", "UY", "UYU", "es-UY", "mercadolibre.com.uy"),
        Site("MPE", "Perú", "PE", "PEN", "es-PE", "mercadolibre.com.pe"),
        # Venezuela's site currency is VES but listings are priced in USD (§4.2, §10).
        Site("MLV", "Venezuela", "VE", "USD", "es-VE", "mercadolibre.com.ve"),
        Site("MEC", "Ecuador", "EC", "USD", "es-EC", "mercadolibre.com.ec"),
        Site("MBO", "Bolivia", "BO", "BOB", "es-BO", "mercadolibre.com.bo"),
        Site("MPY", "Paraguay", "PY", "PYG", "es-PY", "mercadolibre.com.py"),
        Site("MCR", "Costa Rica", "CR", "CRC", "es-CR", "mercadolibre.com.cr"),
        Site("MRD", "República Dominicana", "DO", "DOP", "es-DO", "mercadolibre.com.do"),
        Site("MPA", "Panamá", "PA", "PAB", "es-PA", "mercadolibre.com.pa"),
        Site("MGT", "Guatemala", "GT", "GTQ", "es-GT", "mercadolibre.com.gt"),
        Site("MHN", "Honduras", "HN", "HNL", "es-HN", "mercadolibre.com.hn"),
        Site("MNI", "Nicaragua", "NI", "NIO", "es-NI", "mercadolibre.com.ni"),
        Site("MSV", "El Salvador", "SV", "USD", "es-SV", "mercadolibre.com.sv"),
        Site("MCU", "Cuba", "CU", "CUP", "es-CU", "mercadolibre.com.cu"),
        Site("MPT", "Portugal", "PT", "EUR", "pt-PT", "mercadolibre.com.pt"),
    )
}


def site(site_id: str) -> Site:
    try:
        return SITES[site_id]
    except (KeyError, TypeError):
        raise UnknownSite(str(site_id)) from None


def site_of_item(item_id: str) -> Site:
    """The site an item id belongs to, from its three-letter prefix (§0.3)."""
    candidate = SITES.get(item_id[:3])
    if candidate is None or not candidate.owns_item_id(item_id):
        raise UnknownSite(item_id[:3])
    return candidate
