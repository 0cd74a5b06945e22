"""Auto-answer rules: which questions a rule answers (keywords or a regular expression,
case- and accent-insensitive, scoped, in active hours), with which template, and first
when several match (priority)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from enum import StrEnum
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from domain.common import aware, text_within
from domain.errors import InvalidValue
from domain.questions import MAX_TEXT_LENGTH

MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 100
MAX_PATTERN_LENGTH = 300
MAX_SCOPE = 500
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def normalise(text: str) -> str:
    """Text as rules compare it: without accents and case (`Envío` -> `envio`)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


# --- regular expressions with a bounded running time ---------------------------------------
#
# Python's `re` backtracks: `(a+)+b` or `.*a.*b` take exponential or cubic time on a crafted
# question. A rule's pattern is therefore restricted when it is saved, so that matching a
# question of at most 2,000 characters stays bounded: no back-references, no repetition
# inside a repetition, and a limit on the product of the repetitions' ranges (an unbounded
# one counts as 2,000), which allows one `.*` or `\w+` per pattern and bounded ones such
# as `\s{1,3}` beside it. Patterns go through `re`'s own parser (re._parser, CPython).

PATTERN_BUDGET = 20_000

try:  # CPython 3.11+
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - every supported interpreter has them
    _sre = _sre_parse = None  # type: ignore[assignment]


class _Refused(Exception):
    pass


def _cost(nodes: Any, inside_repeat: bool = False) -> int:
    total = 1
    for op, av in nodes:
        total *= _node_cost(op, av, inside_repeat)
        if total > PATTERN_BUDGET:
            raise _Refused("budget")
    return total


def _node_cost(op: Any, av: Any, inside_repeat: bool) -> int:
    repeats = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT)
    if op in repeats:
        if inside_repeat:
            raise _Refused("a repetition inside a repetition, such as (a+)+, is not allowed")
        low, high, body = av
        high = MAX_TEXT_LENGTH if high is _sre.MAXREPEAT else min(high, MAX_TEXT_LENGTH)
        return max(1, high - min(low, high) + 1) * _cost(body, True)
    if op is _sre.BRANCH:
        return sum(_cost(alternative, inside_repeat) for alternative in av[1])
    if op is _sre.SUBPATTERN:
        return _cost(av[-1], inside_repeat)
    if op is _sre.ATOMIC_GROUP:
        return _cost(av, inside_repeat)
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return _cost(av[1], inside_repeat)
    if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
        raise _Refused("back-references such as \\1 are not allowed")
    return 1


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled to match normalised text (see `normalise`), or InvalidValue
    ("pattern") saying what is wrong with it."""
    text_within("pattern", pattern, MAX_PATTERN_LENGTH)
    flattened = "".join(
        c for c in unicodedata.normalize("NFKD", pattern) if not unicodedata.combining(c)
    )
    try:
        compiled = re.compile(flattened, re.IGNORECASE)
    except re.error as error:
        raise InvalidValue("pattern", f"not a valid regular expression: {error}") from None
    if _sre_parse is None:  # pragma: no cover
        raise InvalidValue("pattern", "regular expressions are not supported here")
    try:
        _cost(_sre_parse.parse(flattened, re.IGNORECASE))
    except _Refused as refusal:
        reason = str(refusal)
        if reason == "budget":
            reason = (
                "too open-ended: at most one unbounded repetition (*, +, {n,}) per pattern, "
                "with a few bounded ones such as \\s{1,3} beside it, so that matching a long "
                "question stays fast"
            )
        raise InvalidValue("pattern", reason) from None
    except RecursionError:
        raise InvalidValue("pattern", "nested too deeply") from None
    return compiled


# --- when a rule is active ----------------------------------------------------------------


def _clock_time(value: time | str) -> time:
    if isinstance(value, time):
        return value
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except (AttributeError, ValueError):
        raise InvalidValue(
            "active_hours", f"{value!r} is not a time of day such as 09:30"
        ) from None


def _days(value: Iterable[str]) -> tuple[str, ...]:
    days = tuple(dict.fromkeys(str(day).strip().lower()[:3] for day in value))
    unknown = [day for day in days if day not in DAYS]
    if unknown or not days:
        raise InvalidValue("active_hours.days", f"days are some of {', '.join(DAYS)}")
    return tuple(day for day in DAYS if day in days)


@attrs.define(frozen=True)
class ActiveHours:
    """On which days and between which times of day (in the seller's site's time zone) a
    rule answers. `end` before `start` spans midnight (22:00-06:00); equal means all day."""

    days: tuple[str, ...] = attrs.field(default=DAYS, converter=_days)
    start: time = attrs.field(default=time(0), converter=_clock_time)
    end: time = attrs.field(default=time(0), converter=_clock_time)

    def contains(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = moment.astimezone(zone)
        clock = local.time().replace(tzinfo=None)
        day = DAYS[local.weekday()]
        if self.start == self.end:
            return day in self.days
        if self.start < self.end:
            return day in self.days and self.start <= clock < self.end
        # Past midnight, the span belongs to the day it started on.
        if clock >= self.start:
            return day in self.days
        if clock < self.end:
            return DAYS[(local.weekday() - 1) % 7] in self.days
        return False


# --- the rule -----------------------------------------------------------------------------


class RuleMode(StrEnum):
    LIVE = "live"  # answers
    DRY_RUN = "dry_run"  # records what it would have sent, sends nothing


def _keywords(values: Iterable[str]) -> tuple[str, ...]:
    keywords = tuple(dict.fromkeys(v.strip() for v in values if isinstance(v, str) and v.strip()))
    if len(keywords) > MAX_KEYWORDS:
        raise InvalidValue("keywords", f"at most {MAX_KEYWORDS} keywords")
    for keyword in keywords:
        text_within("keywords", keyword, MAX_KEYWORD_LENGTH)
    return keywords


def _scope(name: str) -> Any:
    def convert(values: Iterable[Any]) -> tuple[Any, ...]:
        found = tuple(dict.fromkeys(values))
        if len(found) > MAX_SCOPE:
            raise InvalidValue(name, f"at most {MAX_SCOPE} values")
        return found

    return convert


@attrs.define(frozen=True)
class AnswerRule:
    """When a question arrives, the highest-priority enabled rule that matches it answers
    with its template (ties: the older rule). A rule matches on any of its keywords (each
    from the start of a word: `envio` matches `envíos`) or on its pattern; empty scopes
    mean every account, item or category."""

    name: str
    template_id: int
    keywords: tuple[str, ...] = attrs.field(default=(), converter=_keywords)
    pattern: str | None = None
    priority: int = 0
    account_ids: tuple[int, ...] = attrs.field(default=(), converter=_scope("account_ids"))
    item_ids: tuple[str, ...] = attrs.field(default=(), converter=_scope("item_ids"))
    category_ids: tuple[str, ...] = attrs.field(default=(), converter=_scope("category_ids"))
    active_hours: ActiveHours | None = None
    mode: RuleMode = attrs.field(default=RuleMode.LIVE, converter=RuleMode)
    enabled: bool = True
    id: int | None = None
    created_at: datetime | None = attrs.field(default=None, validator=aware, eq=False)

    def __attrs_post_init__(self) -> None:
        text_within("name", self.name, 100)
        if not self.keywords and not self.pattern:
            raise InvalidValue("keywords", "a rule needs keywords or a pattern")
        if self.keywords and self.pattern:
            raise InvalidValue("pattern", "give keywords or a pattern, not both")
        if not -1000 <= self.priority <= 1000:
            raise InvalidValue("priority", "must be between -1000 and 1000")
        if self.pattern is not None:
            compile_pattern(self.pattern)

    @cached_property
    def _matcher(self) -> re.Pattern[str]:
        if self.pattern is not None:
            return compile_pattern(self.pattern)
        words = sorted((normalise(k) for k in self.keywords), key=len, reverse=True)
        return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")")

    def matches_text(self, text: str) -> bool:
        return self._matcher.search(normalise(text[:MAX_TEXT_LENGTH])) is not None

    def covers(self, account_id: int, item_id: str, category_id: str | None) -> bool:
        """Whether the question's account, item and the item's category are in scope (a
        category scope needs the category: a listing not stored yet is out of it)."""
        return (
            (not self.account_ids or account_id in self.account_ids)
            and (not self.item_ids or item_id in self.item_ids)
            and (not self.category_ids or category_id in self.category_ids)
        )

    def active_at(self, moment: datetime, zone: ZoneInfo) -> bool:
        return self.enabled and (
            self.active_hours is None or self.active_hours.contains(moment, zone)
        )


def by_priority(rules: Iterable[AnswerRule]) -> Sequence[AnswerRule]:
    """Rules in the order they are tried: priority, highest first; then the older first."""
    return sorted(rules, key=lambda rule: (-rule.priority, rule.id or 0))
