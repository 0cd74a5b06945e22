from __future__ import annotations

import attrs

from application.errors import FieldProblem, ValidationFailed
from application.ports.unit_of_work import UnitOfWorkFactory
from application.templates.commands import PreviewInput
from application.templates.values import template_values
from domain.templates import MissingVariables, Template


@attrs.define(frozen=True)
class Preview:
    template: Template
    text: str
    values: dict[str, str | None]


def missing_as_problems(error: MissingVariables) -> ValidationFailed:
    """A missing variable as a 422 naming it (`variables.item_title`)."""
    return ValidationFailed(
        [FieldProblem(f"variables.{name}", "has no value") for name in error.names],
        message=f"cannot render the template: {error.reason}",
    )


class PreviewTemplate:
    """The text a template renders to with the values of an account and listing (the
    local copy) and the variables given. A variable without a value is a 422 naming it:
    never a literal `{x}`."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, template_id: int, given: PreviewInput) -> Preview:
        async with self._uow() as uow:
            template = await uow.templates.get(template_id)
            values: dict[str, str | None] = {}
            account_id = given.account_id if given.account_id is not None else template.account_id
            if account_id is not None:
                account = await uow.accounts.get(account_id)
                values = await template_values(uow, account, given.item_id)
        values.update(given.variables)
        try:
            text = template.render(values)
        except MissingVariables as error:
            raise missing_as_problems(error) from None
        return Preview(template, text, {k: values.get(k) for k in sorted(template.variables)})
