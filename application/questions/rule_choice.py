"""Which auto-answer rule answers a question, and with what text: one decision shared by
the automatic answer and `meli questions rules test`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from application.ports.unit_of_work import UnitOfWork
from application.templates.values import template_values
from domain.accounts import Account
from domain.answer_rules import AnswerRule, by_priority
from domain.sites import site
from domain.templates import MissingVariables, Template


@attrs.define(frozen=True)
class Choice:
    rule: AnswerRule
    template: Template
    text: str | None  # None when a variable has no value
    missing: tuple[str, ...] = ()


def first_matching(
    rules: Iterable[AnswerRule],
    account: Account,
    item_id: str,
    category_id: str | None,
    text: str,
    now: datetime,
) -> AnswerRule | None:
    """The highest-priority enabled rule, active now in the seller's site's time zone,
    whose scope covers the question and whose keywords or pattern match its text."""
    assert account.id is not None
    zone = site(account.site_id).zone
    for rule in by_priority(rules):
        if (
            rule.active_at(now, zone)
            and rule.covers(account.id, item_id, category_id)
            and rule.matches_text(text)
        ):
            return rule
    return None


async def choose(
    uow: UnitOfWork,
    account: Account,
    item_id: str,
    text: str,
    now: datetime,
    buyer_nickname: str | None = None,
) -> Choice | None:
    """The rule that answers a question on `item_id` saying `text`, rendered; None when
    no rule does."""
    listing = await uow.listings.find(item_id)
    category = listing.category_id if listing is not None else None
    rule = first_matching(await uow.answer_rules.list(), account, item_id, category, text, now)
    if rule is None:
        return None
    template = await uow.templates.get(rule.template_id)
    values = await template_values(uow, account, item_id)
    values["buyer_nickname"] = buyer_nickname
    try:
        return Choice(rule, template, template.render(values))
    except MissingVariables as error:
        return Choice(rule, template, None, tuple(error.names))
