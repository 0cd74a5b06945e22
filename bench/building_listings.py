"""Benchmark of building listings: what the category cache saves (docs/listings.md).

    .venv/bin/python bench/building_listings.py               # 200 validations
    .venv/bin/python bench/building_listings.py --validations 500

The sandbox runs in this process (no rate limit) and the service beside it on in-memory
storage, with the real gateway over loopback and one seller connected. The same
validations (POST /products/validate's use case, ValidateListing) of valid listings in
four categories, round robin, run twice: with the category cache (MELI_CATEGORY_CACHE_TTL
3600) and without it (0). For each run: the category reads sent to MercadoLibre (the
category, its attributes, the seller's listing types), the MercadoLibre calls per
validation, and the p50/p95 time of one validation.

Target: with the cache, three category reads per category for the whole run (none per
validation once a category has been read), every validation valid. Prints the figures
and writes bench/results/building_listings.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import attrs  # noqa: E402
from dependency_injector import providers  # noqa: E402

from adapters.crypto.fernet import generate_key  # noqa: E402
from application.listings.commands import CreateListingCommand  # noqa: E402
from entrypoints.container import build_container, start, stop  # noqa: E402
from entrypoints.settings import (  # noqa: E402
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    Settings,
)
from sandbox.testing import running_sandbox  # noqa: E402
from tests.helpers import connect_seller  # noqa: E402

PICTURE = "http://mla-s2-p.mlstatic.com/968521-MLA20805195516_072016-O.jpg"


class CountingCategories:
    """The category gateway, counting the reads that reach MercadoLibre."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.calls: Counter[str] = Counter()

    async def get_category(self, account_id: int, category_id: str) -> Any:
        self.calls["get_category"] += 1
        return await self._real.get_category(account_id, category_id)

    async def get_attributes(self, account_id: int, category_id: str) -> Any:
        self.calls["get_attributes"] += 1
        return await self._real.get_attributes(account_id, category_id)

    async def listing_types(self, account_id: int, seller_id: int, category_id: str) -> Any:
        self.calls["listing_types"] += 1
        return await self._real.listing_types(account_id, seller_id, category_id)


def commands(account_id: int) -> list[CreateListingCommand]:
    base = CreateListingCommand(
        account_id=account_id,
        title="",
        category_id="",
        price=Decimal("15000"),
        available_quantity=5,
        pictures=(PICTURE,),
    )

    def listing(**changes: Any) -> CreateListingCommand:
        return attrs.evolve(base, **changes)

    return [
        listing(title="Mate de calabaza con bombilla", category_id="MLA3530"),
        listing(
            title="Zapatillas Nike Revolution 6 Hombre",
            category_id="MLA109027",
            attributes=(("BRAND", "Nike"), ("GENDER", "Hombre"), ("COLOR", "Negro")),
        ),
        listing(
            title="Celular Motorola Edge 40 Neo 256gb",
            category_id="MLA1055",
            attributes=(("BRAND", "Motorola"), ("MODEL", "Edge 40 Neo")),
        ),
        listing(
            title="Notebook Lenovo Ideapad 3 15 pulgadas",
            category_id="MLA1652",
            attributes=(("BRAND", "Lenovo"), ("MODEL", "Ideapad 3")),
        ),
    ]


async def run(sb: Any, workdir: Path, ttl: int, validations: int) -> dict[str, Any]:
    settings = Settings.from_mapping(
        {
            "STORAGE": "memory",
            "DATA_DIR": str(workdir),
            "ENCRYPTION_KEY": generate_key(),
            "CLIENT_ID": SANDBOX_CLIENT_ID,
            "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "API_URL": sb.url,
            "AUTH_URL": sb.url,
            "RATE_LIMIT_PER_SECOND": "100000",
            "RATE_LIMIT_BURST": "10000",
            "QUOTA_CALLS_PER_HOUR": "10000000",
            "CATEGORY_CACHE_TTL": str(ttl),
        }
    )
    container = build_container(settings)
    await start(container)
    try:
        account = await connect_seller(container, sb)
        counting = CountingCategories(container.category_gateway())
        container.category_gateway.override(providers.Object(counting))
        validate = container.validate_listing()
        bodies = commands(account.id)
        times, invalid = [], 0
        for n in range(validations):
            started = time.perf_counter()
            result = await validate(bodies[n % len(bodies)])
            times.append(time.perf_counter() - started)
            invalid += not result.valid
        times.sort()
        category_reads = sum(counting.calls.values())
        return {
            "cache_ttl_seconds": ttl,
            "validations": validations,
            "invalid": invalid,
            "category_reads": dict(counting.calls),
            "category_reads_total": category_reads,
            # Besides the reads: one token-checked POST /items/validate per validation.
            "mercadolibre_calls_per_validation": round(1 + category_reads / validations, 3),
            "p50_ms": round(statistics.median(times) * 1000, 2),
            "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 2),
        }
    finally:
        await stop(container)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--validations", type=int, default=200)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        async with running_sandbox(rate_limit=0) as sb:
            for ttl in (3600, 0):
                result = await run(sb, Path(workdir), ttl, args.validations)
                results.append(result)
                print(json.dumps(result, indent=2), flush=True)
    cached = results[0]
    categories = len(commands(1))
    target_met = cached["invalid"] == 0 and cached["category_reads_total"] == 3 * categories
    out = ROOT / "bench" / "results" / "building_listings.json"
    out.write_text(
        json.dumps(
            {
                "command": " ".join(sys.argv),
                "target": f"with the cache: {3 * categories} category reads for the whole run "
                "(3 per category), every validation valid",
                "target_met": target_met,
                "results": results,
            },
            indent=2,
        )
    )
    print(f"target met: {target_met}; written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
