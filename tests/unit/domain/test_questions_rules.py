"""Questions, templates and auto-answer rules keep §7's rules and stay safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.answer_rules import ActiveHours, AnswerRule, by_priority, compile_pattern
from domain.errors import InvalidTransition, InvalidValue
from domain.questions import Answer, AnswerAttempt, AnswerSource, AttemptStatus, Question
from domain.questions import QuestionStatus as S
from domain.templates import MissingVariables, Template

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
BUENOS_AIRES = ZoneInfo("America/Argentina/Buenos_Aires")


def question(**changes) -> Question:
    values = dict(
        id=1,
        account_id=1,
        seller_id=2,
        item_id="MLA1",
        text="¿Envío?",
        status=S.UNANSWERED,
        date_created=NOW - timedelta(hours=1),
    )
    values.update(changes)
    return Question(**values)


def test_a_read_never_undoes_what_a_newer_one_showed():
    """ref: mercadolibre-api.md §7 (search results have no last_updated)."""
    answered = question(status=S.ANSWERED, answer=Answer("Sí", date_created=NOW))
    assert not question().may_replace(answered), "an older search result"
    assert answered.may_replace(question())
    assert question(status=S.DELETED).may_replace(answered)
    later = question(last_updated=NOW + timedelta(seconds=1))
    assert later.may_replace(question(status=S.ANSWERED, last_updated=NOW))


def test_only_an_open_question_is_for_the_rules():
    """ref: mercadolibre-api.md §7 (hold, suspected_spam, deleted_from_listing)."""
    assert question().open_to_rules
    for closed in (
        question(hold=True),
        question(suspected_spam=True),
        question(deleted_from_listing=True),
        question(status=S.UNDER_REVIEW),
        question(status=S.ANSWERED, answer=Answer("Sí")),
    ):
        assert not closed.open_to_rules
    assert question().waited(NOW) == timedelta(hours=1)


def test_an_attempt_settles_once():
    attempt = AnswerAttempt(1, 1, "Sí", AnswerSource.HAND, NOW)
    assert attempt.holds_question
    attempt.settle(AttemptStatus.SENT, NOW)
    with pytest.raises(InvalidTransition):
        attempt.settle(AttemptStatus.FAILED, NOW)


def test_templates_refuse_unknown_variables_and_stray_braces_and_render_strictly():
    with pytest.raises(InvalidValue, match="unknown variable"):
        Template("x", "answer", "Hola {comprador}")
    with pytest.raises(InvalidValue, match="order_id"):
        Template("x", "answer", "Tu pedido {order_id}")
    with pytest.raises(InvalidValue, match="unmatched"):
        Template("x", "answer", "precio } especial")
    template = Template("x", "answer", "{{hola}} {item_title} a {price}")
    assert template.render({"item_title": "Zapatillas", "price": "$ 10"}) == (
        "{hola} Zapatillas a $ 10"
    )
    with pytest.raises(MissingVariables) as missing:
        template.render({"item_title": "Zapatillas", "price": " "})
    assert missing.value.names == ["price"]


def test_keywords_match_from_the_start_of_a_word_without_case_or_accents():
    rule = AnswerRule("envíos", 1, keywords=("envío", "factura a"))
    assert rule.matches_text("¿Hacen ENVIOS al interior?")
    assert rule.matches_text("¿Viene con Factura A?")
    assert not rule.matches_text("¿Lo reenvían?")
    assert AnswerRule("p", 1, pattern=r"\bgarant[ií]a\b").matches_text("¿Tiene GARANTÍA?")


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(a+)+b", "inside a repetition"),
        (r"(x*)*", "inside a repetition"),
        (r".*a.*b", "open-ended"),
        (r"(a)\1", "back-references"),
        (r"[", "not a valid"),
    ],
)
def test_unsafe_or_invalid_patterns_are_refused(pattern, reason):
    with pytest.raises(InvalidValue, match=reason):
        compile_pattern(pattern)


def test_active_hours_are_in_the_sites_time_zone_and_may_span_midnight():
    night = ActiveHours(("fri",), "22:00", "06:00")
    friday_23 = datetime(2026, 11, 28, 2, tzinfo=UTC)  # Friday 23:00 in Buenos Aires
    saturday_05 = datetime(2026, 11, 28, 8, tzinfo=UTC)  # Saturday 05:00 there
    assert night.contains(friday_23, BUENOS_AIRES)
    assert night.contains(saturday_05, BUENOS_AIRES), "the span belongs to Friday"
    assert not night.contains(datetime(2026, 11, 28, 15, tzinfo=UTC), BUENOS_AIRES)
    with pytest.raises(InvalidValue):
        ActiveHours(("someday",), "09:00", "18:00")


def test_rules_are_tried_by_priority_then_age():
    rules = [
        AnswerRule("a", 1, keywords=("a",), priority=1, id=3),
        AnswerRule("b", 1, keywords=("b",), priority=5, id=2),
        AnswerRule("c", 1, keywords=("c",), priority=5, id=1),
    ]
    assert [r.id for r in by_priority(rules)] == [1, 2, 3]
    with pytest.raises(InvalidValue, match="keywords or a pattern"):
        AnswerRule("none", 1)
