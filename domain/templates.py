"""Reusable texts with `{variables}`, for answers to questions (§7) and post-sale messages
(§8), rendered strictly: a variable without a value is an error naming it, never a literal
`{x}` sent to a buyer."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

import attrs

from domain.common import aware, text_within
from domain.errors import InvalidValue
from domain.messages import SELLER_MAX_LENGTH
from domain.questions import MAX_TEXT_LENGTH

MAX_NAME_LENGTH = 100


class TemplateKind(StrEnum):
    ANSWER = "answer"  # an answer to a buyer's question (§7)
    MESSAGE = "message"  # a post-sale message (§8)


# What each kind may say, and the longest text MercadoLibre takes for it (§7, §8.2).
COMMON_VARIABLES = frozenset(
    {"buyer_nickname", "seller_nickname", "item_id", "item_title", "price", "stock", "shipping"}
)
VARIABLES: Mapping[TemplateKind, frozenset[str]] = {
    TemplateKind.ANSWER: COMMON_VARIABLES | {"item_link"},
    # The order's (§5.1) and its shipment's (§6.1): application/templates/values.py.
    TemplateKind.MESSAGE: COMMON_VARIABLES
    | {
        "order_id",
        "buyer_first_name",
        "items",
        "total",
        "tracking_number",
        "tracking_url",
        "shipment_status",
    },
}
MAX_LENGTH: Mapping[TemplateKind, int] = {
    TemplateKind.ANSWER: MAX_TEXT_LENGTH,
    TemplateKind.MESSAGE: SELLER_MAX_LENGTH,
}

# `{{` and `}}` stand for braces; `{name}` is a variable; any other brace is an error.
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def _parse(text: str) -> list[str | tuple[str]]:
    """The text as literal pieces and `(variable,)` tuples. Raises InvalidValue("text")."""
    pieces: list[str | tuple[str]] = []
    position = 0
    for match in _TOKEN.finditer(text):
        pieces.append(text[position : match.start()])
        token = match.group(0)
        if token in ("{{", "}}"):
            pieces.append(token[0])
        elif match.group(1) is not None:
            name = match.group(1).strip()
            if not _NAME.match(name):
                raise InvalidValue(
                    "text",
                    f"{token!r} at character {match.start() + 1} is not a variable: write "
                    "{name} with lower-case letters, digits and _, or {{ and }} for braces",
                )
            pieces.append((name,))
        else:
            raise InvalidValue(
                "text",
                f"unmatched {token!r} at character {match.start() + 1}: write {{{{ or }}}} "
                "for a brace",
            )
        position = match.end()
    pieces.append(text[position:])
    return [piece for piece in pieces if piece != ""]


def variables_of(text: str) -> frozenset[str]:
    """The variables `text` uses. Raises InvalidValue("text") if it is malformed."""
    return frozenset(piece[0] for piece in _parse(text) if isinstance(piece, tuple))


class MissingVariables(InvalidValue):
    """Rendering needs values that were not given (or have none, such as the title of a
    listing not stored yet)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            "variables",
            "no value for " + ", ".join(f"{{{name}}}" for name in names),
        )
        self.names = names


@attrs.define(frozen=True)
class Template:
    """A text with `{variables}` of one kind, shared by every account (account_id None)
    or owned by one."""

    name: str
    kind: TemplateKind = attrs.field(converter=TemplateKind)
    text: str
    account_id: int | None = None
    id: int | None = None
    updated_at: datetime | None = attrs.field(default=None, validator=aware, eq=False)

    def __attrs_post_init__(self) -> None:
        text_within("name", self.name, MAX_NAME_LENGTH)
        text_within("text", self.text, MAX_LENGTH[self.kind])
        unknown = sorted(self.variables - VARIABLES[self.kind])
        if unknown:
            known = ", ".join(sorted(VARIABLES[self.kind]))
            raise InvalidValue(
                "text",
                f"unknown variable(s) {', '.join(unknown)} for a template of kind "
                f"{self.kind.value} (known: {known})",
            )

    @property
    def variables(self) -> frozenset[str]:
        return variables_of(self.text)

    def render(self, values: Mapping[str, str | None]) -> str:
        """The text with every variable replaced by its value. Raises MissingVariables
        naming each variable without a (non-empty) value, and InvalidValue("text") when
        the result is longer than MercadoLibre takes."""
        missing = sorted(n for n in self.variables if not (values.get(n) or "").strip())
        if missing:
            raise MissingVariables(missing)
        rendered = "".join(
            piece if isinstance(piece, str) else str(values[piece[0]])
            for piece in _parse(self.text)
        )
        return text_within("text", rendered, MAX_LENGTH[self.kind])
