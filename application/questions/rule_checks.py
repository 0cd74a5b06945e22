"""What a rule must satisfy when it is saved, beyond its own invariants."""

from __future__ import annotations

from application.errors import FieldProblem, NotFound, ValidationFailed
from application.ports.unit_of_work import UnitOfWork
from application.questions.commands import RuleInput
from domain.answer_rules import AnswerRule
from domain.templates import VARIABLES, TemplateKind


async def checked_rule(uow: UnitOfWork, given: RuleInput, **extra: object) -> AnswerRule:
    """The rule `given` describes, refused with ValidationFailed naming the field when its
    template is unknown, not an answer template, another account's, or uses a variable
    answers do not know (a malformed pattern is refused by the rule itself)."""
    rule = AnswerRule(
        name=given.name,
        template_id=given.template_id,
        keywords=given.keywords,
        pattern=given.pattern,
        priority=given.priority,
        account_ids=given.account_ids,
        item_ids=given.item_ids,
        category_ids=given.category_ids,
        active_hours=given.active_hours,
        mode=given.mode,
        enabled=given.enabled,
        **extra,  # type: ignore[arg-type]
    )
    try:
        template = await uow.templates.get(rule.template_id)
    except NotFound:
        raise ValidationFailed(
            [FieldProblem("template_id", f"no template {rule.template_id}")]
        ) from None
    problems = []
    if template.kind is not TemplateKind.ANSWER:
        problems.append(FieldProblem("template_id", "is a message template, not an answer one"))
    if template.account_id is not None and rule.account_ids != (template.account_id,):
        problems.append(
            FieldProblem(
                "account_ids",
                f"template {template.id} is account {template.account_id}'s: the rule must be "
                "scoped to that account alone",
            )
        )
    unknown = sorted(template.variables - VARIABLES[TemplateKind.ANSWER])
    if unknown:
        problems.append(
            FieldProblem("template_id", f"the template uses unknown variables {', '.join(unknown)}")
        )
    for account_id in rule.account_ids:
        try:
            await uow.accounts.get(account_id)
        except NotFound:
            problems.append(FieldProblem("account_ids", f"no account {account_id}"))
    if problems:
        raise ValidationFailed(problems, message="the rule cannot be saved")
    return rule
