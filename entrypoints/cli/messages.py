"""`meli messages`: an order's conversation, sending a message (with an attachment), and
the conversations waiting for the seller (§8)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from application.errors import ApplicationError
from application.messages.commands import SendMessageCommand
from domain.errors import DomainError
from entrypoints.cli import runners
from entrypoints.cli.context import load_settings
from entrypoints.http.converter import converter
from entrypoints.http.message_views import conversation_json, sent_json, unread_json
from entrypoints.settings import Settings, SettingsError


def _settings() -> Settings:
    settings = load_settings()
    return settings.with_sandbox() if settings.uses_sandbox else settings


def _run(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    try:
        return asyncio.run(runners.with_container(settings, work))
    except (ApplicationError, DomainError, SettingsError) as error:
        raise click.ClickException(str(error)) from None


def _json(value: Any) -> str:
    return json.dumps(converter.unstructure(value), ensure_ascii=False, indent=2, default=str)


@click.group()
def messages() -> None:
    """Post-sale messages with buyers."""


@messages.command("list")
@click.argument("order_id", type=click.IntRange(min=1))
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@click.option("--mark-read", is_flag=True, help="Mark the buyer's messages read.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def messages_list(order_id: int, account_id: int | None, mark_read: bool, as_json: bool) -> None:
    """Show an order's conversation, oldest first (read from MercadoLibre and stored)."""
    view = _run(
        _settings(),
        lambda c: c.get_conversation()(order_id, account_id, mark_as_read=mark_read),
    )
    if as_json:
        click.echo(_json(conversation_json(view)))
        return
    status = view.status.status + (f" ({view.status.substatus})" if view.status.substatus else "")
    writer = f"writes to the {view.writer} {view.write_to}" if view.writer else "no one to write to"
    click.echo(f"conversation {view.pack_id}: {status}; {writer}; {view.char_limit} characters")
    for message in view.messages:
        who = "seller" if message.from_user_id == view.seller_id else str(message.from_user_id)
        flags = "" if message.status == "available" else f" [{message.status}"
        if message.moderation_reason:
            flags += f": {message.moderation_reason}"
        flags += "]" if flags else ""
        attached = f" +{len(message.attachments)} file(s)" if message.attachments else ""
        click.echo(
            f"{message.date_created:%Y-%m-%d %H:%M}  {who:>12}  "
            f"{message.text.replace(chr(10), ' ')}{attached}{flags}"
        )
    click.echo(f"\n{len(view.messages)} message(s)")


@messages.command("send")
@click.argument("order_id", type=click.IntRange(min=1))
@click.argument("text")
@click.option(
    "--attach",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JPG, PNG, PDF or TXT file to attach (repeatable).",
)
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def messages_send(
    order_id: int, text: str, files: tuple[Path, ...], account_id: int | None, as_json: bool
) -> None:
    """Send TEXT to the order's buyer, exactly once, with the files attached."""

    async def work(container: Any) -> Any:
        attachments = []
        for path in files:
            attachments.append(
                await container.upload_attachment()(
                    order_id, path.name, path.read_bytes(), account_id
                )
            )
        return await container.send_message()(
            SendMessageCommand(
                order_id, text=text, attachments=tuple(attachments), account_id=account_id
            )
        )

    sent = _run(_settings(), work)
    if as_json:
        click.echo(_json(sent_json(sent)))
        return
    message_id = sent.message.id if sent.message is not None else "-"
    click.echo(f"sent: message {message_id} to {sent.send.to_user_id} (send {sent.send.id})")


@messages.command("unread")
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@click.option("--refresh", is_flag=True, help="Read MercadoLibre's unread list first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def messages_unread(account_id: int | None, refresh: bool, as_json: bool) -> None:
    """Conversations with buyer messages not read yet, the one waiting longest first."""

    async def work(container: Any) -> list[Any]:
        accounts = [account_id] if account_id else [a.id for a in await container.list_accounts()()]
        found = []
        for one in accounts:
            found.extend(await container.list_unread()(one, refresh=refresh))
        return sorted(found, key=lambda u: (u.oldest.date_created, u.pack_id))

    found = _run(_settings(), work)
    if as_json:
        click.echo(_json(unread_json(found)))
        return
    click.echo(f"{'conversation':>16}  {'order':>16}  {'unread':>6}  {'since':<16}  oldest")
    for unread in found:
        order = str(unread.order_id or "-")
        click.echo(
            f"{unread.pack_id:>16}  {order:>16}  {unread.unread:>6}  "
            f"{unread.oldest.date_created:%Y-%m-%d %H:%M}  {unread.oldest.text[:50]}"
        )
    click.echo(f"\n{len(found)} conversation(s)")
