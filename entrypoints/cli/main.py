"""`meli`: the administrators' command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

import click

from adapters.crypto.fernet import generate_key
from adapters.sql.migrate import current, upgrade
from application.errors import ApplicationError
from domain.accounts import Account, AccountStatus
from domain.errors import DomainError
from domain.sync import SyncTrigger
from entrypoints.cli import analytics, categories, messages, operations, orders, questions, runners
from entrypoints.cli.context import load_settings
from entrypoints.cli.output import emit, failure, json_option, print_json, row
from entrypoints.settings import Settings, SettingsError
from sandbox.cli import sandbox_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="meli-integration", prog_name="meli")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log lines of one-shot commands on stderr at MELI_LOG_LEVEL (-vv: DEBUG); "
    "without it only warnings and errors.",
)
def cli(verbose: int) -> None:
    """Administer the MercadoLibre integration service."""


@cli.command()
@click.option("--host", help="Address to bind (default MELI_HOST or 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(0, 65535), help="Port to listen on (default MELI_PORT or 8012)."
)
def serve(host: str | None, port: int | None) -> None:
    """Run the REST API (and, without MELI_REDIS_URL, the worker in the same process)."""
    settings = load_settings(long_running=True, host=host, port=port)
    runners.run_process(runners.serve(settings))


@cli.command()
@click.option("--host", help="Address of the metrics endpoint (default MELI_HOST or 127.0.0.1).")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    help="Port of /metrics and /health (default MELI_WORKER_METRICS_PORT or 9012; 0: none).",
)
def worker(host: str | None, metrics_port: int | None) -> None:
    """Run background jobs from the Redis queue (needs MELI_REDIS_URL), serving this
    process's metrics at /metrics and its liveness at /health."""
    settings = load_settings(long_running=True, host=host, worker_metrics_port=metrics_port)
    if not settings.uses_redis:
        raise click.UsageError(
            "a separate worker needs MELI_REDIS_URL; without Redis, `meli serve` runs the "
            "jobs in its own process"
        )
    runners.run_process(runners.run_worker(settings))


@cli.command()
def scheduler() -> None:
    """Enqueue the periodic jobs (needs MELI_REDIS_URL; several replicas are safe)."""
    settings = load_settings(long_running=True)
    if not settings.uses_redis:
        raise click.UsageError(
            "a separate scheduler needs MELI_REDIS_URL; without Redis, `meli serve` "
            "schedules the periodic jobs itself"
        )
    runners.run_process(runners.run_scheduler(settings))


@cli.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@json_option
def db_upgrade(revision: str, as_json: bool) -> None:
    """Create or migrate the schema of MELI_DATABASE_URL (default: the embedded SQLite)."""
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url, revision)
    now_at = current(settings.effective_database_url)
    emit(as_json, {"revision": now_at}, lambda: click.echo(f"database at revision {now_at}"))


@db.command("current")
@json_option
def db_current(as_json: bool) -> None:
    """Print the schema revision of the database."""
    settings = load_settings()
    revision = current(settings.effective_database_url)
    emit(
        as_json,
        {"revision": revision},
        lambda: click.echo(revision or "empty (run `meli db upgrade`)"),
    )


def _for_accounts(settings: Settings) -> Settings:
    # Without an application of its own, the CLI talks to the sandbox that `meli serve`
    # embeds, so that a connect URL it prints leads to the same consent page.
    return settings.with_sandbox() if settings.uses_sandbox else settings


def _account_line(account: Account) -> str:
    expiry = account.token_expires_at.isoformat() if account.token_expires_at else "-"
    reason = f"  ({account.status_reason})" if account.status_reason else ""
    return (
        f"{account.id:>5}  {account.seller_id:>12}  {account.site_id}  "
        f"{account.nickname:<20}  {account.status.value:<22}  {expiry}{reason}"
    )


def _run(settings: Settings, work):
    try:
        return asyncio.run(runners.with_container(settings, work))
    except (ApplicationError, DomainError, SettingsError) as error:
        raise failure(error) from None


def _account_table(found: Sequence[Account], as_json: bool = False) -> None:
    if as_json:
        print_json(list(found))
        return
    row(f"{'id':>5}  {'seller':>12}  site  {'nickname':<20}  {'status':<22}  token expires")
    for account in found:
        row(_account_line(account))


@cli.group()
def accounts() -> None:
    """Connected MercadoLibre seller accounts."""


@accounts.command("list")
@click.option(
    "--status",
    type=click.Choice([s.value for s in AccountStatus]),
    help="Only accounts in this status.",
)
@json_option
def accounts_list(status: str | None, as_json: bool) -> None:
    """List the accounts, their status and token expiry (never a token)."""
    settings = load_settings()
    found = _run(settings, lambda c: c.list_accounts()(AccountStatus(status) if status else None))
    _account_table(found, as_json)
    waiting = sum(a.status is AccountStatus.NEEDS_REAUTHORIZATION for a in found)
    if waiting:
        click.echo(
            f"\n{waiting} account(s) need to be connected again "
            "(meli accounts connect --site SITE)",
            err=True,
        )


@accounts.command("connect")
@click.option(
    "--site", "site_id", help="MercadoLibre site, e.g. MLA, MLB, MCO (default MELI_SITE_ID)."
)
@json_option
def accounts_connect(site_id: str | None, as_json: bool) -> None:
    """Print the consent URL a seller opens to connect an account (valid 10 minutes)."""
    settings = _for_accounts(load_settings())
    started = _run(settings, lambda c: c.start_connect()(site_id))
    if as_json:
        print_json(
            {
                "site_id": started.site_id,
                "authorization_url": started.authorization_url,
                "expires_at": started.expires_at,
                "redirect_uri": settings.effective_redirect_uri,
            }
        )
        return
    click.echo(
        f"Open this URL as the seller (site {started.site_id}), valid until "
        f"{started.expires_at:%H:%M:%S} UTC:\n\n  {started.authorization_url}\n"
    )
    click.echo(
        f"MercadoLibre sends the seller back to {settings.effective_redirect_uri}; "
        "`meli serve` must be running to receive it."
    )


@accounts.command("refresh")
@click.argument("account_id", type=click.IntRange(min=1))
@json_option
def accounts_refresh(account_id: int, as_json: bool) -> None:
    """Refresh an account's tokens now."""
    settings = _for_accounts(load_settings())
    account = _run(settings, lambda c: c.refresh_account()(account_id))
    _account_table([account], as_json)


@accounts.command("disconnect")
@click.argument("account_id", type=click.IntRange(min=1))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def accounts_disconnect(account_id: int, yes: bool, as_json: bool) -> None:
    """Disconnect an account: its tokens are erased, its local data kept."""
    if as_json and not yes:
        raise click.UsageError("a script confirms with --yes: add it to --json")
    settings = load_settings()
    # An unknown account is said at once, not after asking to confirm.
    account = _run(settings, lambda c: c.get_account()(account_id))
    if not yes:
        click.confirm(
            f"Erase the tokens of account {account_id} ({account.nickname or 'no nickname'}, "
            f"seller {account.seller_id})?",
            abort=True,
        )
        if not sys.stdin.isatty():
            click.echo()  # an answer piped to the prompt leaves no newline after it
    account = _run(settings, lambda c: c.disconnect_account()(account_id))
    _account_table([account], as_json)


@cli.group()
def sync() -> None:
    """Run a synchronisation now, in the foreground."""


class _Progress:
    """A progress bar that appears once the total is known (after the first scan page);
    none at all for a script (`shown=False`: --json)."""

    def __init__(self, label: str, shown: bool = True) -> None:
        self._label = label
        self._bar = None
        self._shown = 0
        self._visible = shown

    def __call__(self, done: int, total: int) -> None:
        if not self._visible:
            return
        if self._bar is None:
            self._bar = click.progressbar(
                length=max(total, 1), label=self._label, show_pos=True, show_percent=True
            )
            self._bar.__enter__()
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _report(sync_log, *, exit_on_failure: bool = True, as_json: bool = False) -> None:
    if as_json:
        print_json(sync_log)
        if sync_log.status.value == "failed" and exit_on_failure:
            raise SystemExit(1)
        return
    counts = ", ".join(f"{name} {value}" for name, value in sorted(sync_log.counts.items()))
    seconds = sync_log.duration_seconds or 0
    click.echo(
        f"sync log {sync_log.id}: {sync_log.status.value} in {seconds:.1f}s, "
        f"{sync_log.api_calls} MercadoLibre calls ({counts or 'nothing to do'})"
    )
    for error in sync_log.errors[:10]:
        click.echo(f"  error: {error}", err=True)
    if sync_log.status.value == "failed" and exit_on_failure:
        raise SystemExit(1)


# The account a sync command works on.
account_option = click.option(
    "--account",
    "account_id",
    type=click.IntRange(min=1),
    required=True,
    help="Local account id (see `meli accounts list`).",
)


@sync.command("products")
@account_option
@json_option
def sync_products(account_id: int, as_json: bool) -> None:
    """Copy every listing of the account from MercadoLibre, with a progress bar."""
    settings = _for_accounts(load_settings())
    progress = _Progress("listings", shown=not as_json)
    try:
        sync_log = _run(
            settings, lambda c: c.sync_catalogue()(account_id, SyncTrigger.CLI, progress)
        )
    finally:
        progress.close()
    _report(sync_log, as_json=as_json)


@sync.command("inventory")
@account_option
@json_option
def sync_inventory(account_id: int, as_json: bool) -> None:
    """Compare stock with MercadoLibre and repair drift without overselling."""
    settings = _for_accounts(load_settings())
    progress = _Progress("stock", shown=not as_json)
    try:
        sync_log = _run(
            settings,
            lambda c: c.sync_inventory()(account_id, SyncTrigger.CLI, progress=progress),
        )
    finally:
        progress.close()
    _report(sync_log, as_json=as_json)


@sync.command("orders")
@account_option
@json_option
def sync_orders(account_id: int, as_json: bool) -> None:
    """Read the orders changed since the last run (or the backfill days), with a bar."""
    settings = _for_accounts(load_settings())
    progress = _Progress("orders", shown=not as_json)
    try:
        sync_log = _run(
            settings,
            lambda c: c.reconcile_orders()(account_id, SyncTrigger.CLI, progress=progress),
        )
    finally:
        progress.close()
    if sync_log is None:
        raise click.ClickException(
            f"an order sync of account {account_id} is already running; wait for it "
            "(meli sync-logs: GET /sync-logs) and run this again"
        )
    _report(sync_log, as_json=as_json)


@sync.command("all")
@account_option
@json_option
def sync_all(account_id: int, as_json: bool) -> None:
    """Sync the account's listings, stock, orders and questions, one after the other:
    one sync log and one progress bar per kind. Exits 1 when any of them failed."""
    settings = _for_accounts(load_settings())
    kinds = (
        ("listings", lambda c, p: c.sync_catalogue()(account_id, SyncTrigger.CLI, p)),
        ("stock", lambda c, p: c.sync_inventory()(account_id, SyncTrigger.CLI, progress=p)),
        ("orders", lambda c, p: c.reconcile_orders()(account_id, SyncTrigger.CLI, progress=p)),
        (
            "questions",
            lambda c, p: c.reconcile_questions()(account_id, SyncTrigger.CLI, progress=p),
        ),
    )

    async def every_kind(container) -> bool:
        """Each kind in turn, its report as soon as it ends; whether one failed."""
        failed = False
        logs: dict[str, object] = {}
        for label, run in kinds:
            progress = _Progress(label, shown=not as_json)
            try:
                sync_log = await run(container, progress)
            finally:
                progress.close()
            logs[label] = sync_log
            if as_json:
                failed = failed or (sync_log is not None and sync_log.status.value == "failed")
                continue
            if sync_log is None:
                click.echo(f"{label}: a sync of account {account_id} is already running; skipped")
                continue
            click.echo(f"{label}: ", nl=False)
            _report(sync_log, exit_on_failure=False)
            failed = failed or sync_log.status.value == "failed"
        if as_json:
            print_json(logs)
        return failed

    if _run(settings, every_kind):
        raise SystemExit(1)


@cli.group()
def keys() -> None:
    """Encryption keys of the stored tokens."""


@keys.command("generate")
@json_option
def keys_generate(as_json: bool) -> None:
    """Print a new key for MELI_ENCRYPTION_KEY."""
    key = generate_key()
    emit(as_json, {"key": key}, lambda: click.echo(key))


@keys.command("rotate")
@json_option
def keys_rotate(as_json: bool) -> None:
    """Re-encrypt every stored secret (account tokens, webhook subscription secrets) with
    the first key of MELI_ENCRYPTION_KEY.

    Put the new key first and keep the old ones after it, run this, then drop the old
    keys from MELI_ENCRYPTION_KEY (after 10 minutes: connect flows already started
    still need them).
    """
    settings = load_settings()
    rotation = _run(settings, lambda c: c.rotate_token_keys()())
    if as_json:
        print_json(rotation)
        if not rotation.complete:
            raise SystemExit(1)
        return
    click.echo(
        f"re-encrypted the tokens of {rotation.accounts} account(s) and the secrets of "
        f"{rotation.subscriptions} webhook subscription(s)"
    )
    if not rotation.complete:
        raise click.ClickException(
            "no configured key decrypts the tokens of account(s) "
            f"{_ids(rotation.unreadable_accounts)} or the secrets of subscription(s) "
            f"{_ids(rotation.unreadable_subscriptions)}; keep the keys they were sealed "
            "with, or connect those accounts again and register those subscriptions again"
        )


def _ids(ids: tuple[int, ...]) -> str:
    return ", ".join(map(str, ids)) or "none"


cli.add_command(sandbox_command, "sandbox")
cli.add_command(operations.dlq)
cli.add_command(operations.jobs)
cli.add_command(questions.questions)
cli.add_command(orders.orders)
cli.add_command(messages.messages)
cli.add_command(orders.labels)
cli.add_command(categories.categories)
cli.add_command(analytics.stats)
cli.add_command(analytics.analytics)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
