"""Auto-answer rules in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import delete, select, update

from adapters.sql.repositories.base import JsonObject, Row, SqlRepository
from adapters.sql.tables import answer_rules
from application.errors import NotFound
from domain.answer_rules import ActiveHours, AnswerRule, RuleMode


def hours_json(hours: ActiveHours | None) -> JsonObject | None:
    if hours is None:
        return None
    return {
        "days": list(hours.days),
        "start": hours.start.strftime("%H:%M"),
        "end": hours.end.strftime("%H:%M"),
    }


def hours_from_json(data: Any) -> ActiveHours | None:
    if not data:
        return None
    return ActiveHours(days=data["days"], start=data["start"], end=data["end"])


def rule_to_row(rule: AnswerRule) -> JsonObject:
    return {
        "name": rule.name,
        "template_id": rule.template_id,
        "keywords": list(rule.keywords),
        "pattern": rule.pattern,
        "priority": rule.priority,
        "account_ids": list(rule.account_ids),
        "item_ids": list(rule.item_ids),
        "category_ids": list(rule.category_ids),
        "active_hours": hours_json(rule.active_hours),
        "mode": rule.mode.value,
        "enabled": rule.enabled,
        "created_at": rule.created_at,
    }


def rule_to_domain(row: Row) -> AnswerRule:
    return AnswerRule(
        id=row["id"],
        name=row["name"],
        template_id=row["template_id"],
        keywords=tuple(row["keywords"]),
        pattern=row["pattern"],
        priority=row["priority"],
        account_ids=tuple(row["account_ids"]),
        item_ids=tuple(row["item_ids"]),
        category_ids=tuple(row["category_ids"]),
        active_hours=hours_from_json(row["active_hours"]),
        mode=RuleMode(row["mode"]),
        enabled=bool(row["enabled"]),
        created_at=row["created_at"],
    )


class SqlAnswerRuleRepository(SqlRepository):
    async def add(self, rule: AnswerRule) -> AnswerRule:
        statement = (
            self._insert(answer_rules).values(rule_to_row(rule)).returning(answer_rules.c.id)
        )
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(rule, id=new_id)

    async def get(self, rule_id: int) -> AnswerRule:
        row = await self._one(select(answer_rules).where(answer_rules.c.id == rule_id))
        if row is None:
            raise NotFound("auto-answer rule", rule_id)
        return rule_to_domain(row)

    async def save(self, rule: AnswerRule) -> None:
        result = await self._write(
            update(answer_rules).where(answer_rules.c.id == rule.id).values(rule_to_row(rule))
        )
        if result.rowcount == 0:
            raise NotFound("auto-answer rule", rule.id)

    async def delete(self, rule_id: int) -> None:
        result = await self._write(delete(answer_rules).where(answer_rules.c.id == rule_id))
        if result.rowcount == 0:
            raise NotFound("auto-answer rule", rule_id)

    async def list(self) -> Sequence[AnswerRule]:
        rows = await self._all(select(answer_rules).order_by(answer_rules.c.id))
        return [rule_to_domain(row) for row in rows]

    async def using_template(self, template_id: int) -> Sequence[AnswerRule]:
        rows = await self._all(
            select(answer_rules)
            .where(answer_rules.c.template_id == template_id)
            .order_by(answer_rules.c.id)
        )
        return [rule_to_domain(row) for row in rows]
