"""`meli categories`: what a listing in a category must have, read from MercadoLibre."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import click

from application.errors import ApplicationError
from application.listings.get_category import CategoryDetails
from application.ports.category_gateway import CategoryAttribute
from domain.errors import DomainError
from entrypoints.cli import runners
from entrypoints.cli.context import load_settings
from entrypoints.cli.output import failure, json_option, row
from entrypoints.settings import Settings, SettingsError


def _settings() -> Settings:
    settings = load_settings()
    return settings.with_sandbox() if settings.uses_sandbox else settings


def _run(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    try:
        return asyncio.run(runners.with_container(settings, work))
    except (ApplicationError, DomainError, SettingsError) as error:
        raise failure(error) from None


@click.group()
def categories() -> None:
    """MercadoLibre categories: where a listing goes and what it must carry."""


async def _show(container: Any, category_id: str, account_id: int | None):
    details = await container.get_category()(category_id, account_id)
    attributes = await container.get_category_attributes()(category_id, details.account_id)
    return details, attributes


def _as_json(details: CategoryDetails, attributes: tuple[CategoryAttribute, ...]) -> str:
    category = details.category
    s = category.settings
    return json.dumps(
        {
            "id": category.id,
            "name": category.name,
            "path_from_root": [{"id": r.id, "name": r.name} for r in category.path_from_root],
            "children": [{"id": r.id, "name": r.name} for r in category.children],
            "listing_allowed": s.listing_allowed,
            "max_title_length": s.max_title_length,
            "max_pictures_per_item": s.max_pictures_per_item,
            "minimum_price": str(s.minimum_price) if s.minimum_price is not None else None,
            "listing_types": list(details.listing_types),
            "attributes": [
                {
                    "id": a.id,
                    "name": a.name,
                    "requirement": a.requirement.value,
                    "values": [v.name for v in a.values],
                }
                for a in attributes
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


@categories.command("show")
@click.argument("category_id")
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@json_option
def categories_show(category_id: str, account_id: int | None, as_json: bool) -> None:
    """Show a category: its path, limits, listing types and attributes."""
    details, attributes = _run(_settings(), lambda c: _show(c, category_id, account_id))
    if as_json:
        click.echo(_as_json(details, attributes))
        return
    category = details.category
    s = category.settings
    click.echo(" > ".join(f"{r.name} ({r.id})" for r in category.path_from_root))
    if not s.listing_allowed:
        click.echo("takes no listings; its subcategories:")
        for child in category.children:
            row(f"  {child.id:<14} {child.name}")
        return
    click.echo(
        f"title up to {s.max_title_length}, pictures up to {s.max_pictures_per_item}, "
        f"minimum price {s.minimum_price} {'/'.join(s.currencies)}"
    )
    click.echo(f"listing types: {', '.join(details.listing_types) or '-'}")
    for attribute in attributes:
        if attribute.hidden:
            continue
        values = ", ".join(v.name for v in attribute.values[:8])
        more = "..." if len(attribute.values) > 8 else ""
        row(
            f"  {attribute.requirement.value:<12} {attribute.id:<16} {attribute.name:<24} "
            f"{values}{more}"
        )
