"""`meli sandbox`: the simulator as a server (the lead registers the command)."""

from __future__ import annotations

import click
from aiohttp import web
from yarl import URL

from sandbox.app import create_app
from sandbox.config import NOTIFICATION_VARIANTS, SandboxConfig
from sandbox.http import STATE


def banner(config: SandboxConfig, url: str, sellers: list[dict]) -> str:
    authorize = URL(f"{url}/authorization").with_query(
        response_type="code", client_id=config.client_id, redirect_uri=config.redirect_uri
    )
    limit = f"{config.rate_limit:g} rps, burst {config.burst}" if config.rate_limit else "off"
    activity = (
        f"{config.activity_rate:g} events per second (POST/DELETE {url}/_sandbox/activity)"
        if config.activity_rate
        else f"off (start it with POST {url}/_sandbox/activity)"
    )
    lines = [
        f"MercadoLibre sandbox on {url}  (admin API: {url}/_sandbox/)",
        f"  client_id     {config.client_id}",
        f"  client_secret {config.client_secret}",
        f"  redirect_uri  {config.redirect_uri}",
        f"  authorize at  {authorize}",
        f"  rate limit    {limit};  access tokens live {config.token_ttl} s",
        f"  demo data     seed {config.seed}, {config.items_per_seller} items, "
        f"{config.orders_per_seller} orders and {config.questions_per_seller} questions per seller",
        f"  callback URL  {config.callback_url or 'none (no notifications are sent)'}",
        f"  topics        {', '.join(config.topics)}"
        f" ({config.notification_variants} notification shapes)",
        f"  public reads  {'without a token' if config.public_reads else 'need a token'}",
        f"  activity      {activity}",
        "  sellers:",
        *(f"    {s['id']:>11}  {s['nickname']:<18} {s['site_id']}" for s in sellers),
    ]
    return "\n".join(lines)


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8013, show_default=True, type=int)
@click.option("--seed", default=42, show_default=True, type=int, help="Demo-data seed.")
@click.option("--sellers", default=2, show_default=True, type=click.IntRange(0, 50))
@click.option(
    "--items-per-seller", default=50, show_default=True, type=click.IntRange(0, 5_000_000)
)
@click.option(
    "--client-id",
    default="1000000000000001",
    show_default=True,
    help="Application id (= client id) of the registered app.",
)
@click.option("--client-secret", default="sandbox-secret", show_default=True)
@click.option(
    "--redirect-uri",
    default="http://localhost:8012/auth/callback",
    show_default=True,
    help="The registered redirect URI; authorization requests must match it exactly.",
)
@click.option(
    "--rate-limit",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Requests per second per application; 0 = unlimited.",
)
@click.option("--burst", default=10, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--token-ttl",
    default=21600,
    show_default=True,
    type=click.IntRange(min=1),
    help="Access-token lifetime in seconds (expires_in).",
)
@click.option(
    "--orders-per-seller",
    default=20,
    show_default=True,
    type=click.IntRange(0, 200_000),
    help="Past orders (with packs, shipments and conversations) of each demo seller.",
)
@click.option(
    "--questions-per-seller",
    default=10,
    show_default=True,
    type=click.IntRange(0, 200_000),
    help="Past questions on each demo seller's items.",
)
@click.option(
    "--callback-url",
    default=None,
    help="The application's notification callback URL (topics orders_v2, items, questions,"
    " messages, shipments, payments, post_purchase).",
)
@click.option(
    "--public-reads/--no-public-reads",
    default=True,
    show_default=True,
    help="Answer the resources MercadoLibre documents as public (sites, currencies,"
    " categories, the predictor, items, users) without a token.",
)
@click.option(
    "--notification-variants",
    type=click.Choice(NOTIFICATION_VARIANTS),
    default="varied",
    show_default=True,
    help="canonical: one notification shape; varied: every documented shape, drawn from"
    " the seed (no _id, user_id as a string, bare message ids).",
)
@click.option(
    "--activity",
    "activity_rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1000),
    help="Simulated market events per second (orders, payments, questions, messages,"
    " shipments); 0 = quiet.",
)
def sandbox_command(host: str, port: int, **options: object) -> None:
    """Run the local MercadoLibre API simulator."""
    try:
        config = SandboxConfig(**options)  # type: ignore[arg-type]
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    app = create_app(config)
    url = f"http://{host}:{port}"
    sellers = [s.summary_json() for s in app[STATE].sellers]
    click.echo(banner(config, url, sellers))
    web.run_app(app, host=host, port=port, print=None)
