"""`meli stats` and `meli analytics`: the dashboard's figures, and the sales roll-up."""

from __future__ import annotations

import json

import click

from application.analytics.views import DashboardStats
from entrypoints.cli.orders import _run, _settings
from entrypoints.cli.output import json_option, print_json


def _as_json(stats: DashboardStats) -> str:
    return json.dumps(
        {
            "account_id": stats.account_id,
            "from_date": stats.first_day.isoformat(),
            "to_date": stats.last_day.isoformat(),
            "active_products": stats.active_products,
            "pending_orders": stats.pending_orders,
            "unanswered_questions": stats.unanswered_questions,
            "total_sales": {c: format(a, "f") for c, a in stats.total_sales.items()},
            "orders_to_ship_today": stats.orders_to_ship_today,
            "labels_to_print": stats.labels_to_print,
            "paused_out_of_stock": stats.paused_out_of_stock,
            "median_answer_minutes": stats.median_answer_minutes,
        },
        indent=2,
        ensure_ascii=False,
    )


@click.command()
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@click.option(
    "--since",
    type=click.IntRange(1, 731),
    default=30,
    show_default=True,
    help="Sales of the last N days (today included, in the seller's time zone).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def stats(account_id: int | None, since: int, as_json: bool) -> None:
    """The dashboard's figures: listings, orders, questions, sales per currency."""
    result = _run(_settings(), lambda c: c.dashboard_stats()(account_id, days=since))
    if as_json:
        click.echo(_as_json(result))
        return
    who = f"account {account_id}" if account_id else "all accounts"
    click.echo(f"{who}, {result.first_day.isoformat()} to {result.last_day.isoformat()}")
    rows = [
        ("active listings", result.active_products),
        ("orders to fulfil", result.pending_orders),
        ("orders to ship today", result.orders_to_ship_today),
        ("labels to print", result.labels_to_print),
        ("unanswered questions", result.unanswered_questions),
        ("paused, out of stock", result.paused_out_of_stock),
        (
            "median minutes to answer",
            "-" if result.median_answer_minutes is None else result.median_answer_minutes,
        ),
    ]
    rows += [(f"sales {c}", format(a, ",.2f")) for c, a in result.total_sales.items()]
    if not result.total_sales:
        rows.append(("sales", "none"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"  {name:<{width}}  {value:>16}")


@click.group()
def analytics() -> None:
    """The sales roll-up behind the dashboard and /analytics."""


@analytics.command("rebuild")
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@json_option
def analytics_rebuild(account_id: int | None, as_json: bool) -> None:
    """Recompute the daily sales roll-up from the stored orders (one account at a time)."""
    read = _run(_settings(), lambda c: c.rebuild_analytics()(account_id))
    if as_json:
        print_json([{"account_id": one, "orders": orders} for one, orders in read.items()])
        return
    for one, orders in read.items():
        click.echo(f"account {one}: roll-up rebuilt from {orders} order(s)")
    if not read:
        click.echo("no account to rebuild")
