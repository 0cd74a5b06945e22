"""Reference data of the catalogue (§4.9, §4.10, §10): sites, currencies, listing types,
item conditions, the attribute schema and category tree of the demo domains, and the
brands the predictor knows. Tables only; `Catalogue` serves them."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.define(frozen=True)
class Currency:
    id: str
    description: str
    symbol: str
    decimal_places: int
    # Rough units per US dollar, used only to give demo prices and minimum prices a
    # believable size in each currency.
    per_usd: float

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "symbol": self.symbol,
            "decimal_places": self.decimal_places,
        }


@attrs.define(frozen=True)
class Site:
    id: str
    name: str
    country_id: str
    currency_id: str
    language: str  # "es" or "pt": picks category and demo-title wording
    # §4.2: Venezuela (MLV) lists only in USD, whatever its own currency is.
    listing_currencies: tuple[str, ...]
    identification_type: str
    permalink_domain: str


# §10 (decimal places: CLP, COP and PYG are priced in whole units in practice [INF]).
CURRENCIES: dict[str, Currency] = {
    c.id: c
    for c in (
        Currency("ARS", "Peso argentino", "$", 2, 1000.0),
        Currency("BRL", "Real", "R$", 2, 5.0),
        Currency("MXN", "Peso Mexicano", "$", 2, 17.0),
        Currency("COP", "Peso colombiano", "$", 0, 4000.0),
        Currency("CLP", "Peso Chileno", "$", 0, 900.0),
        Currency("UYU", "Peso Uruguayo", "$", 2, 40.0),
        Currency("PEN", "Soles", "S/", 2, 3.7),
        Currency("VES", "Bolívar Soberano", "Bs.", 2, 36.0),
        Currency("USD", "Dólar", "U$S", 2, 1.0),
        Currency("BOB", "Boliviano", "Bs", 2, 6.9),
        Currency("PYG", "Guaraní", "₲", 0, 7300.0),
        Currency("CRC", "Colones", "₡", 2, 520.0),
        Currency("DOP", "Peso Dominicano", "$", 2, 58.0),
        Currency("PAB", "Balboa", "B/.", 2, 1.0),
        Currency("GTQ", "Quetzal Guatemalteco", "Q", 2, 7.8),
        Currency("HNL", "Lempira", "L", 2, 24.7),
        Currency("NIO", "Córdoba", "C$", 2, 36.6),
        Currency("CUP", "Peso Cubano", "$", 2, 24.0),
        Currency("EUR", "Euro", "€", 2, 0.92),
    )
}


def _site(
    site_id: str, name: str, country: str, currency: str, ident: str, domain: str, lang: str = "es"
) -> Site:
    listing = ("USD",) if site_id == "MLV" else (currency,)
    return Site(site_id, name, country, currency, lang, listing, ident, domain)


# §10: the sites of GET /sites, with the country domain of §1.1.
SITES: dict[str, Site] = {
    s.id: s
    for s in (
        _site("MLA", "Argentina", "AR", "ARS", "DNI", "mercadolibre.com.ar"),
        _site("MLB", "Brasil", "BR", "BRL", "CPF", "mercadolivre.com.br", "pt"),
        _site("MLM", "Mexico", "MX", "MXN", "RFC", "mercadolibre.com.mx"),
        _site("MCO", "Colombia", "CO", "COP", "CC", "mercadolibre.com.co"),
        _site("MLC", "Chile", "CL", "CLP", "RUT", "mercadolibre.cl"),
        _site("MLU", "Uruguay", "UY", "UYU", "CI", "mercadolibre.com.uy"),
        _site("MPE", "Perú", "PE", "PEN", "DNI", "mercadolibre.com.pe"),
        _site("MLV", "Venezuela", "VE", "VES", "CI", "mercadolibre.com.ve"),
        _site("MEC", "Ecuador", "EC", "USD", "CI", "mercadolibre.com.ec"),
        _site("MBO", "Bolivia", "BO", "BOB", "CI", "mercadolibre.com.bo"),
        _site("MPY", "Paraguay", "PY", "PYG", "CI", "mercadolibre.com.py"),
        _site("MCR", "Costa Rica", "CR", "CRC", "CI", "mercadolibre.co.cr"),
        _site("MRD", "Dominicana", "DO", "DOP", "CI", "mercadolibre.com.do"),
        _site("MPA", "Panamá", "PA", "PAB", "CI", "mercadolibre.com.pa"),
        _site("MGT", "Guatemala", "GT", "GTQ", "DPI", "mercadolibre.com.gt"),
        _site("MHN", "Honduras", "HN", "HNL", "DNI", "mercadolibre.com.hn"),
        _site("MNI", "Nicaragua", "NI", "NIO", "CI", "mercadolibre.com.ni"),
        _site("MSV", "El Salvador", "SV", "USD", "DUI", "mercadolibre.com.sv"),
        _site("MCU", "Cuba", "CU", "CUP", "CI", "mercadolibre.com.cu"),
        _site("MPT", "Portugal", "PT", "EUR", "NIF", "mercadolivre.pt", "pt"),
    )
}

# §4.10: the listing types of MLA; MLB names only the two premium ones differently.
LISTING_TYPES: tuple[tuple[str, str, str], ...] = (
    ("gold_pro", "Premium", "Premium"),
    ("gold_premium", "Oro Premium", "Ouro Premium"),
    ("gold_special", "Clásica", "Clássico"),
    ("gold", "Oro", "Ouro"),
    ("silver", "Plata", "Prata"),
    ("bronze", "Bronce", "Bronze"),
    ("free", "Gratuita", "Grátis"),
)
# §4.10: "Marketplace types in current use: free, gold_special, gold_pro".
LISTABLE_TYPES = ("gold_pro", "gold_special", "free")
MAX_STOCK_PER_ITEM = 99_999  # §4.10 listing type configuration.

BUYING_MODES = ("buy_it_now", "auction")
ITEM_CONDITIONS = ("new", "used", "not_specified")
# §4.2: ITEM_CONDITION value ids.
CONDITION_VALUE_IDS = {"2230284": "new", "2230581": "used", "2230582": "used"}
CONDITION_NAMES = {
    "es": {"2230284": "Nuevo", "2230581": "Usado", "2230582": "Reacondicionado"},
    "pt": {"2230284": "Novo", "2230581": "Usado", "2230582": "Recondicionado"},
}


@attrs.define(frozen=True)
class AttributeSpec:
    id: str
    names: tuple[str, str]  # (es, pt)
    value_type: str = "string"
    values: tuple[tuple[str, str, str], ...] = ()  # (id, es name, pt name)
    allowed_units: tuple[str, ...] = ()
    group: str = "MAIN"
    hierarchy: str = "PARENT_PK"


COLOR = AttributeSpec(
    "COLOR",
    ("Color", "Cor"),
    "list",
    (
        ("52049", "Negro", "Preto"),
        ("52055", "Blanco", "Branco"),
        ("51993", "Rojo", "Vermelho"),
        ("52028", "Azul", "Azul"),
        ("52014", "Verde", "Verde"),
        ("283165", "Gris", "Cinza"),
    ),
    hierarchy="CHILD_PK",
)
SNEAKER_SIZE = AttributeSpec(
    "SIZE",
    ("Talle", "Tamanho"),
    "string",
    tuple((f"{n}", f"{n}", f"{n}") for n in range(36, 46)),
    hierarchy="CHILD_PK",
)
SHIRT_SIZE = AttributeSpec(
    "SIZE",
    ("Talle", "Tamanho"),
    "string",
    tuple((s, s, s) for s in ("XS", "S", "M", "L", "XL", "XXL")),
    hierarchy="CHILD_PK",
)
GENDER = AttributeSpec(
    "GENDER",
    ("Género", "Gênero"),
    "list",
    (
        ("339666", "Hombre", "Masculino"),
        ("339665", "Mujer", "Feminino"),
        ("110461", "Sin género", "Sem gênero"),
    ),
)
BRAND = AttributeSpec("BRAND", ("Marca", "Marca"))
MODEL = AttributeSpec("MODEL", ("Modelo", "Modelo"))
ITEM_CONDITION = AttributeSpec(
    "ITEM_CONDITION",
    ("Condición del ítem", "Condição do item"),
    "list",
    tuple(
        (vid, CONDITION_NAMES["es"][vid], CONDITION_NAMES["pt"][vid]) for vid in CONDITION_VALUE_IDS
    ),
    hierarchy="ITEM",
)
SELLER_SKU = AttributeSpec("SELLER_SKU", ("SKU", "SKU"), group="OTHERS", hierarchy="ITEM")
GTIN = AttributeSpec("GTIN", ("Código universal de producto", "Código universal de produto"))
INTERNAL_MEMORY = AttributeSpec(
    "INTERNAL_MEMORY", ("Memoria interna", "Memória interna"), "number_unit", (), ("GB", "TB")
)
RAM = AttributeSpec("RAM", ("Memoria RAM", "Memória RAM"), "number_unit", (), ("GB",))


@attrs.define(frozen=True)
class DomainTemplate:
    """A leaf category, identical in shape on every site (ids are site-prefixed)."""

    number: str
    parent: str
    names: tuple[str, str]
    domain: str
    domain_names: tuple[str, str]
    attributes: tuple[AttributeSpec, ...]
    required: frozenset[str]
    variation_attributes: frozenset[str] = frozenset()
    max_variations: int = 100
    # Words (accent-free, lower case) that make the predictor pick this category: the
    # product nouns weigh more than model names ("Funda para iPhone" is an accessory).
    keywords: frozenset[str] = frozenset()
    hints: frozenset[str] = frozenset()


ROOTS: dict[str, tuple[str, str]] = {
    "1051": ("Celulares y Teléfonos", "Celulares e Telefones"),
    "1648": ("Computación", "Informática"),
    "1430": ("Ropa y Accesorios", "Calçados, Roupas e Bolsas"),
    "1000": ("Electrónica, Audio y Video", "Eletrônicos, Áudio e Vídeo"),
    "1574": ("Hogar, Muebles y Jardín", "Casa, Móveis e Decoração"),
    "1953": ("Otras categorías", "Mais Categorias"),
}

_COMMON = (BRAND, MODEL, ITEM_CONDITION, SELLER_SKU, GTIN)

DOMAINS: tuple[DomainTemplate, ...] = (
    DomainTemplate(
        "1055",
        "1051",
        ("Celulares y Smartphones", "Celulares e Smartphones"),
        "CELLPHONES",
        ("Celulares", "Celulares"),
        (*_COMMON, COLOR, INTERNAL_MEMORY),
        frozenset({"BRAND", "MODEL", "ITEM_CONDITION"}),
        frozenset({"COLOR"}),
        keywords=frozenset("celular celulares smartphone smartphones telefono phone movil".split()),
        hints=frozenset("iphone galaxy moto redmi poco".split()),
    ),
    DomainTemplate(
        "3813",
        "1051",
        ("Accesorios para Celulares", "Acessórios para Celulares"),
        "CELLPHONE_ACCESSORIES",
        ("Accesorios para celulares", "Acessórios para celulares"),
        (*_COMMON, COLOR),
        frozenset({"BRAND", "ITEM_CONDITION"}),
        frozenset({"COLOR"}),
        max_variations=250,  # §4.6: 250 for phone accessories.
        keywords=frozenset(
            "funda fundas case capa capinha cargador carregador protector pelicula "
            "vidrio templado cable".split()
        ),
    ),
    DomainTemplate(
        "1652",
        "1648",
        ("Notebooks", "Notebooks"),
        "NOTEBOOKS",
        ("Notebooks", "Notebooks"),
        (*_COMMON, RAM),
        frozenset({"BRAND", "MODEL", "ITEM_CONDITION"}),
        keywords=frozenset(
            "notebook notebooks laptop laptops ultrabook portatil computadora".split()
        ),
        hints=frozenset("macbook thinkpad ideapad inspiron pavilion vostro".split()),
    ),
    DomainTemplate(
        "109027",
        "1430",
        ("Zapatillas", "Tênis"),
        "SNEAKERS",
        ("Zapatillas", "Tênis"),
        (*_COMMON, GENDER, COLOR, SNEAKER_SIZE),
        frozenset({"BRAND", "GENDER", "ITEM_CONDITION"}),
        frozenset({"COLOR", "SIZE"}),
        max_variations=250,  # §4.6: 250 for Fashion.
        keywords=frozenset(
            "zapatillas zapatilla tenis sneakers sneaker zapatos running botines calzado".split()
        ),
    ),
    DomainTemplate(
        "417704",
        "1430",
        ("Remeras", "Camisetas"),
        "T_SHIRTS",
        ("Remeras", "Camisetas"),
        (*_COMMON, GENDER, COLOR, SHIRT_SIZE),
        frozenset({"BRAND", "GENDER", "ITEM_CONDITION"}),
        frozenset({"COLOR", "SIZE"}),
        max_variations=250,
        keywords=frozenset(
            "remera remeras camiseta camisetas playera playeras polera poleras t-shirt "
            "tshirt musculosa".split()
        ),
    ),
    DomainTemplate(
        "3697",
        "1000",
        ("Auriculares", "Fones de Ouvido"),
        "HEADPHONES",
        ("Auriculares", "Fones de ouvido"),
        (*_COMMON, COLOR),
        frozenset({"BRAND", "MODEL", "ITEM_CONDITION"}),
        frozenset({"COLOR"}),
        keywords=frozenset(
            "auriculares auricular audifonos fone fones headphones headset earbuds".split()
        ),
        hints=frozenset("airpods buds".split()),
    ),
    DomainTemplate(
        "1578",
        "1574",
        ("Cafeteras", "Cafeteiras"),
        "COFFEE_MAKERS",
        ("Cafeteras", "Cafeteiras"),
        _COMMON,
        frozenset({"BRAND", "ITEM_CONDITION"}),
        keywords=frozenset("cafetera cafeteras cafeteira espresso expreso capsulas".split()),
        hints=frozenset("nespresso dolce gusto".split()),
    ),
    # MLA3530 is the category of the official POST /items example (§4.2); nothing but the
    # item condition is required there, so that example validates as documented.
    DomainTemplate(
        "3530",
        "1953",
        ("Otros", "Outros"),
        "UNCLASSIFIED_PRODUCTS",
        ("Otros", "Outros"),
        _COMMON,
        frozenset({"ITEM_CONDITION"}),
    ),
)

RELEVANCE_BY_HIERARCHY = {"PARENT_PK": 1, "CHILD_PK": 1, "ITEM": 2}

# Brands the demo catalogue uses, with the value ids the predictor echoes.
KNOWN_BRANDS: dict[str, tuple[str, str]] = {
    "samsung": ("206", "Samsung"),
    "apple": ("9344", "Apple"),
    "iphone": ("9344", "Apple"),
    "macbook": ("9344", "Apple"),
    "motorola": ("2503", "Motorola"),
    "xiaomi": ("7271", "Xiaomi"),
    "lenovo": ("2514", "Lenovo"),
    "hp": ("13427", "HP"),
    "dell": ("2502", "Dell"),
    "nike": ("14810", "Nike"),
    "adidas": ("14671", "Adidas"),
    "puma": ("14681", "Puma"),
    "topper": ("60437", "Topper"),
    "sony": ("4309", "Sony"),
    "jbl": ("8214", "JBL"),
    "oster": ("27092", "Oster"),
    "philips": ("3425", "Philips"),
    "nespresso": ("64424", "Nespresso"),
}
