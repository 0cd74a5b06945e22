"""Every MercadoLibre site, with its currency, language and authorization host.

Sites and currencies follow mercadolibre-api.md §10; authorization hosts follow §1.1
(the Java SDK's AuthUrls plus the Python SDK's Bolivia and Paraguay hosts; the Central
American hosts not listed there follow the `auth.mercadolibre.com.<cc>` pattern, an
assumption the reference marks [INF]).
"""

from __future__ import annotations

from functools import cached_property
from typing import Final
from zoneinfo import ZoneInfo

import attrs

from domain.errors import UnknownSite
from domain.money import Currency, currency


@attrs.define(frozen=True, slots=False)
class Site:
    id: str
    country: str
    country_id: str
    currency_id: str
    language: str
    domain: str
    # Where the site's sellers live: active hours of auto-answer rules are in this zone.
    time_zone: str = "UTC"
    # Amounts shown to buyers: 1.234,50 (comma) or 1,234.50 (point).
    decimal_comma: bool = True
    # What MercadoLibre takes in text a seller writes to buyers: ISO-8859-1 (§8.2, for
    # messages; answers are assumed to follow the same rule [INF]).
    charset: str = "iso-8859-1"

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def unsupported_characters(self, text: str) -> list[str]:
        """The characters of `text` the site's charset cannot carry, each once, in order."""
        found: list[str] = []
        for character in text:
            if character in found:
                continue
            try:
                character.encode(self.charset)
            except UnicodeEncodeError:
                found.append(character)
        return found

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
        Site(
            "MLA",
            "Argentina",
            "AR",
            "ARS",
            "es-AR",
            "mercadolibre.com.ar",
            "America/Argentina/Buenos_Aires",
        ),
        Site("MLB", "Brasil", "BR", "BRL", "pt-BR", "mercadolivre.com.br", "America/Sao_Paulo"),
        Site(
            "MLM",
            "México",
            "MX",
            "MXN",
            "es-MX",
            "mercadolibre.com.mx",
            "America/Mexico_City",
            decimal_comma=False,
        ),
        Site("MCO", "Colombia", "CO", "COP", "es-CO", "mercadolibre.com.co", "America/Bogota"),
        Site("MLC", "Chile", "CL", "CLP", "es-CL", "mercadolibre.cl", "America/Santiago"),
        Site("MLU", "Uruguay", "UY", "UYU", "es-UY", "mercadolibre.com.uy", "America/Montevideo"),
        Site(
            "MPE",
            "Perú",
            "PE",
            "PEN",
            "es-PE",
            "mercadolibre.com.pe",
            "America/Lima",
            decimal_comma=False,
        ),
        # Venezuela's site currency is VES but listings are priced in USD (§4.2, §10).
        Site("MLV", "Venezuela", "VE", "USD", "es-VE", "mercadolibre.com.ve", "America/Caracas"),
        Site("MEC", "Ecuador", "EC", "USD", "es-EC", "mercadolibre.com.ec", "America/Guayaquil"),
        Site("MBO", "Bolivia", "BO", "BOB", "es-BO", "mercadolibre.com.bo", "America/La_Paz"),
        Site("MPY", "Paraguay", "PY", "PYG", "es-PY", "mercadolibre.com.py", "America/Asuncion"),
        Site(
            "MCR", "Costa Rica", "CR", "CRC", "es-CR", "mercadolibre.com.cr", "America/Costa_Rica"
        ),
        Site(
            "MRD",
            "República Dominicana",
            "DO",
            "DOP",
            "es-DO",
            "mercadolibre.com.do",
            "America/Santo_Domingo",
            decimal_comma=False,
        ),
        Site(
            "MPA",
            "Panamá",
            "PA",
            "PAB",
            "es-PA",
            "mercadolibre.com.pa",
            "America/Panama",
            decimal_comma=False,
        ),
        Site(
            "MGT",
            "Guatemala",
            "GT",
            "GTQ",
            "es-GT",
            "mercadolibre.com.gt",
            "America/Guatemala",
            decimal_comma=False,
        ),
        Site(
            "MHN",
            "Honduras",
            "HN",
            "HNL",
            "es-HN",
            "mercadolibre.com.hn",
            "America/Tegucigalpa",
            decimal_comma=False,
        ),
        Site(
            "MNI",
            "Nicaragua",
            "NI",
            "NIO",
            "es-NI",
            "mercadolibre.com.ni",
            "America/Managua",
            decimal_comma=False,
        ),
        Site(
            "MSV",
            "El Salvador",
            "SV",
            "USD",
            "es-SV",
            "mercadolibre.com.sv",
            "America/El_Salvador",
            decimal_comma=False,
        ),
        Site("MCU", "Cuba", "CU", "CUP", "es-CU", "mercadolibre.com.cu", "America/Havana"),
        Site("MPT", "Portugal", "PT", "EUR", "pt-PT", "mercadolibre.com.pt", "Europe/Lisbon"),
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
