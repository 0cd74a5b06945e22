"""`meli questions`: the question inbox, answering by hand, and the auto-answer rules."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import click

from application.errors import ApplicationError
from application.queries import Paging
from application.questions.commands import AnswerCommand, QuestionFilter
from domain.errors import DomainError
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


def _waited(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h" if days else f"{hours}h{minutes:02d}m"


@click.group()
def questions() -> None:
    """Buyers' questions: the inbox, answers, auto-answer rules."""


@questions.command("list")
@click.option("--unanswered", is_flag=True, help="Only the questions waiting for an answer.")
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@json_option
def questions_list(unanswered: bool, account_id: int | None, limit: int, as_json: bool) -> None:
    """List questions: unanswered first, oldest first, with how long each waited."""
    given = QuestionFilter(account_id=account_id, status="UNANSWERED" if unanswered else None)
    page = _run(_settings(), lambda c: c.list_questions()(given, Paging(0, limit)))
    if as_json:
        print_json(
            {
                "total": page.total,
                "results": [
                    {"question": s.question, "waited_seconds": s.waited.total_seconds()}
                    for s in page.items
                ],
            }
        )
        return
    row(f"{'id':>12}  {'item':<15} {'status':<17} {'waited':>7}  text")
    for summary in page.items:
        question = summary.question
        text = question.text.replace("\n", " ")
        row(
            f"{question.id:>12}  {question.item_id:<15} {question.status.value:<17} "
            f"{_waited(summary.waited.total_seconds()):>7}  {text[:60]}"
        )
    click.echo(f"\n{len(page.items)} of {page.total} question(s)")


@questions.command("answer")
@click.argument("question_id", type=click.IntRange(min=1))
@click.argument("text")
@json_option
def questions_answer(question_id: int, text: str, as_json: bool) -> None:
    """Answer a question (exactly once: see docs/questions.md)."""
    answered = _run(_settings(), lambda c: c.answer_question()(AnswerCommand(question_id, text)))
    if as_json:
        print_json(answered)
        return
    click.echo(f"question {answered.id}: {answered.status.value}")


@questions.group()
def rules() -> None:
    """Auto-answer rules."""


@rules.command("list")
@click.option("--account", "account_id", type=click.IntRange(min=1), help="Local account id.")
@json_option
def rules_list(account_id: int | None, as_json: bool) -> None:
    """List the rules in the order they are tried."""
    found = _run(_settings(), lambda c: c.list_rules()(account_id))
    if as_json:
        print_json(list(found))
        return
    row(f"{'id':>5}  {'priority':>8}  {'mode':<8} {'on':<3}  name: match")
    for rule in found:
        match = ", ".join(rule.keywords) if rule.keywords else f"/{rule.pattern}/"
        row(
            f"{rule.id:>5}  {rule.priority:>8}  {rule.mode.value:<8} "
            f"{'yes' if rule.enabled else 'no':<3}  {rule.name}: {match}"
        )


@rules.command("test")
@click.argument("text")
@click.option("--account", "account_id", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--item", "item_id", help="The listing asked about (its title, price...).")
@json_option
def rules_test(text: str, account_id: int, item_id: str | None, as_json: bool) -> None:
    """Which rule would answer a question saying TEXT now, and the text it would send
    (nothing is sent)."""
    verdict = _run(_settings(), lambda c: c.try_rules()(account_id, text, item_id))
    if as_json:
        print_json(verdict)
        if verdict.rule_id is not None and verdict.text is None:
            raise SystemExit(1)
        return
    if verdict.rule_id is None:
        click.echo("no rule would answer")
        return
    click.echo(f"rule {verdict.rule_id} ({verdict.rule_name}) would answer:")
    if verdict.text is None:
        click.echo(f"  but a variable has no value: {', '.join(verdict.missing)}")
        raise SystemExit(1)
    click.echo(f"  {verdict.text}")
