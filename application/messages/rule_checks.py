from __future__ import annotations

from datetime import datetime

from application.errors import FieldProblem, NotFound, ValidationFailed
from application.messages.rule_commands import MessageRuleInput
from application.ports.unit_of_work import UnitOfWork
from domain.errors import InvalidValue
from domain.message_rules import MessageRule, OrderEvent, RuleMode
from domain.templates import TemplateKind


async def checked_rule(
    uow: UnitOfWork, given: MessageRuleInput, created_at: datetime
) -> MessageRule:
    """The rule, refused (ValidationFailed naming the field) for an unknown event or mode,
    a template that is not a message template (of every account, or of each account the
    rule is for), a delay out of bounds or an unknown account."""
    problems = []
    if given.event not in {e.value for e in OrderEvent}:
        problems.append(FieldProblem("event", "must be paid, shipped or delivered"))
    if given.mode not in {m.value for m in RuleMode}:
        problems.append(FieldProblem("mode", "must be live or dry_run"))
    try:
        template = await uow.templates.get(given.template_id)
    except NotFound:
        problems.append(FieldProblem("template_id", "no such template"))
    else:
        if template.kind is not TemplateKind.MESSAGE:
            problems.append(FieldProblem("template_id", "is not a message template"))
        elif template.account_id is not None and set(given.account_ids) != {template.account_id}:
            problems.append(
                FieldProblem("template_id", "is another account's: name only its account")
            )
    for account_id in given.account_ids:
        try:
            await uow.accounts.get(account_id)
        except NotFound:
            problems.append(FieldProblem("account_ids", f"no account {account_id}"))
    if problems:
        raise ValidationFailed(problems, message="the rule cannot be stored")
    try:
        return MessageRule(
            name=given.name,
            event=given.event,
            template_id=given.template_id,
            created_at=created_at,
            delay_seconds=given.delay_seconds,
            account_ids=tuple(given.account_ids),
            mode=given.mode,
            enabled=given.enabled,
        )
    except InvalidValue as error:
        raise ValidationFailed([FieldProblem(error.field, error.reason)]) from None
