"""Sites, currencies and authorization hosts (mercadolibre-api.md §1.1, §10)."""

import pytest

from domain.errors import UnknownSite
from domain.sites import SITES, site, site_of_item

MAIN_SITES = {
    "MLA": ("ARS", "auth.mercadolibre.com.ar"),
    "MLB": ("BRL", "auth.mercadolivre.com.br"),
    "MCO": ("COP", "auth.mercadolibre.com.co"),
    "MLM": ("MXN", "auth.mercadolibre.com.mx"),
    "MLU": ("UYU", "auth.mercadolibre.com.uy"),
    "MLC": ("CLP", "auth.mercadolibre.cl"),
    "MLV": ("USD", "auth.mercadolibre.com.ve"),
    "MPE": ("PEN", "auth.mercadolibre.com.pe"),
    "MEC": ("USD", "auth.mercadolibre.com.ec"),
    "MCR": ("CRC", "auth.mercadolibre.com.cr"),
    "MPT": ("EUR", "auth.mercadolibre.com.pt"),
    "MRD": ("DOP", "auth.mercadolibre.com.do"),
    "MPA": ("PAB", "auth.mercadolibre.com.pa"),
}


@pytest.mark.parametrize(("site_id", "expected"), sorted(MAIN_SITES.items()))
def test_each_site_has_its_currency_and_auth_host(site_id, expected):
    currency_id, host = expected
    assert site(site_id).currency_id == currency_id
    assert site(site_id).auth_host == host
    assert site(site_id).authorization_url == f"https://{host}/authorization"


def test_every_site_of_the_reference_is_known():
    assert set(SITES) >= {
        "MLA",
        "MLB",
        "MLM",
        "MCO",
        "MLC",
        "MLU",
        "MPE",
        "MLV",
        "MEC",
        "MBO",
        "MPY",
        "MCR",
        "MRD",
        "MPA",
        "MGT",
        "MHN",
        "MNI",
        "MSV",
        "MCU",
        "MPT",
    }


def test_item_ids_carry_their_site():
    assert site_of_item("MLA1136716168").id == "MLA"
    assert site_of_item("MCO123").currency_id == "COP"
    for bad in ("XXX123", "MLAabc", "MLA", ""):
        with pytest.raises(UnknownSite):
            site_of_item(bad)


def test_unknown_site_is_refused_with_its_name():
    with pytest.raises(UnknownSite, match="ZZZ"):
        site("ZZZ")
