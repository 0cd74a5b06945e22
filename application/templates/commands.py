from __future__ import annotations

import attrs

from domain.templates import TemplateKind


@attrs.define(frozen=True)
class TemplateInput:
    name: str
    kind: TemplateKind
    text: str
    account_id: int | None = None


@attrs.define(frozen=True)
class TemplateChanges:
    """Only the fields given change."""

    name: str | None = None
    text: str | None = None


@attrs.define(frozen=True)
class PreviewInput:
    """Values for a preview: those of the account and item given (from the local copy),
    overridden by `variables`."""

    account_id: int | None = None
    item_id: str | None = None
    variables: dict[str, str] = attrs.field(factory=dict)
