"""`meli orders` and `meli labels`: the stored orders and their shipping labels."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from application.errors import ApplicationError
from application.orders.views import OrderFilter
from application.queries import Paging
from domain.errors import DomainError
from domain.orders import OrderStatus
from entrypoints.cli import runners
from entrypoints.cli.context import load_settings
from entrypoints.cli.output import failure, json_option, print_json, row
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
def orders() -> None:
    """The connected accounts' orders, from the local copy."""


@orders.command("list")
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@click.option("--status", type=click.Choice([s.value for s in OrderStatus]))
@click.option(
    "--since",
    type=click.IntRange(min=1),
    help="Only orders created in the last N days.",
)
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@json_option
def orders_list(
    account_id: int | None, status: str | None, since: int | None, limit: int, as_json: bool
) -> None:
    """List orders, newest first."""
    created_from = None if since is None else datetime.now(UTC) - timedelta(days=since)
    given = OrderFilter(account_id=account_id, status=status, created_from=created_from)
    page = _run(_settings(), lambda c: c.list_orders()(given, Paging(0, limit)))
    if as_json:
        print_json({"total": page.total, "results": page.items})
        return
    row(f"{'id':>18}  {'created':<25} {'status':<18} {'total':>14}  buyer")
    for order in page.items:
        total = f"{order.total_amount.amount} {order.currency_id}"
        row(
            f"{order.id:>18}  {order.date_created.isoformat():<25} {order.status.value:<18} "
            f"{total:>14}  {order.buyer.nickname or order.buyer.id}"
        )
    click.echo(f"\n{len(page.items)} of {page.total} order(s)")


@orders.command("show")
@click.argument("order_id", type=click.IntRange(min=1))
@json_option
def orders_show(order_id: int, as_json: bool) -> None:
    """One order with its items, payments, shipment and pack."""
    detail = _run(_settings(), lambda c: c.get_order()(order_id))
    if as_json:
        print_json(detail)
        return
    order = detail.order
    click.echo(f"order {order.id} ({order.status.value}) of account {order.account_id}")
    click.echo(f"  created {order.date_created.isoformat()}, buyer {order.buyer.nickname or '-'}")
    click.echo(f"  total {order.total_amount}, paid {order.paid_amount or '-'}")
    for item in order.items:
        click.echo(f"  item {item.item_id} x{item.quantity} at {item.unit_price}: {item.title}")
    for payment in order.payments:
        click.echo(f"  payment {payment.id}: {payment.status} {payment.amount}")
    if detail.shipment is not None:
        shipment = detail.shipment
        click.echo(
            f"  shipment {shipment.id}: {shipment.status.value}/{shipment.substatus or '-'} "
            f"{shipment.mode.value} {shipment.logistic_type or '-'} "
            f"tracking {shipment.tracking_number or '-'}"
        )
        refusal = shipment.label_refusal()
        click.echo("  label: printable" if refusal is None else f"  label: {refusal}")
    if detail.pack is not None:
        others = ", ".join(str(i) for i in detail.sibling_ids) or "none"
        click.echo(f"  pack {detail.pack.id} ({detail.pack.status}), other orders: {others}")
    if order.tags:
        click.echo(f"  tags {', '.join(order.tags)}")


@click.group()
def labels() -> None:
    """Shipping labels (§6.3)."""


@labels.command("print")
@click.argument("ids", nargs=-1, required=True, type=click.IntRange(min=1))
@click.option(
    "--shipments",
    is_flag=True,
    help="The ids are shipment ids (as MercadoLibre's label lists give them), not order ids.",
)
@click.option("--format", "fmt", type=click.Choice(["pdf", "zpl"]), default="pdf")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the labels (default labels.pdf / labels.zpl).",
)
@json_option
def labels_print(
    ids: tuple[int, ...], shipments: bool, fmt: str, output: Path | None, as_json: bool
) -> None:
    """Print the labels of up to 50 orders (or shipments) into one file, in one
    MercadoLibre call."""
    if shipments:
        printed = _run(_settings(), lambda c: c.print_shipment_labels()(list(ids), fmt))
    else:
        printed = _run(_settings(), lambda c: c.print_labels()(list(ids), fmt))
    target = output or Path(f"labels.{fmt}")
    target.write_bytes(printed.file.content)
    if as_json:
        print_json(
            {
                "file": str(target),
                "order_ids": printed.order_ids,
                "shipment_ids": printed.shipment_ids,
                "left_out": [
                    {"order_id": x.order_id, "shipment_id": x.shipment_id, "reason": x.reason}
                    for x in printed.left_out
                ],
            }
        )
        return
    click.echo(
        f"{len(printed.shipment_ids)} label(s) of {len(printed.order_ids)} order(s) "
        f"printed to {target}"
    )
    for left in printed.left_out:
        click.echo(f"  left out {left.asked}: {left.reason}", err=True)
