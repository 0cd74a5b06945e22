"""Use cases of questions and answers (§7) and of the templates answers and messages
share."""

from __future__ import annotations

from dependency_injector import providers

from application.questions.answer_question import AnswerQuestion
from application.questions.auto_answer_question import AutoAnswerQuestion
from application.questions.block_buyer import BlockBuyer
from application.questions.create_rule import CreateRule
from application.questions.delete_question import DeleteQuestion
from application.questions.delete_rule import DeleteRule
from application.questions.get_question import GetQuestion
from application.questions.get_question_stats import GetQuestionStats
from application.questions.get_rule_log import GetRuleLog
from application.questions.list_blocked_buyers import ListBlockedBuyers
from application.questions.list_questions import ListQuestions
from application.questions.list_rules import ListRules
from application.questions.reconcile_questions import ReconcileQuestions
from application.questions.record_questions import RecordQuestions
from application.questions.settle_answer import SettleAnswer
from application.questions.try_rules import TryRules
from application.questions.unblock_buyer import UnblockBuyer
from application.questions.update_rule import UpdateRule
from application.templates.create_template import CreateTemplate
from application.templates.delete_template import DeleteTemplate
from application.templates.get_template import GetTemplate
from application.templates.list_templates import ListTemplates
from application.templates.preview_template import PreviewTemplate
from application.templates.update_template import UpdateTemplate
from entrypoints.container.listings import ListingUseCases

L = ListingUseCases
uow = L.unit_of_work.provider
gateway = L.question_gateway


class QuestionUseCases(ListingUseCases):
    list_templates = providers.Factory(ListTemplates, uow)
    get_template = providers.Factory(GetTemplate, uow)
    create_template = providers.Factory(CreateTemplate, uow, L.clock)
    update_template = providers.Factory(UpdateTemplate, uow, L.clock)
    delete_template = providers.Factory(DeleteTemplate, uow)
    preview_template = providers.Factory(PreviewTemplate, uow)

    record_questions = providers.Factory(RecordQuestions, gateway, L.clock)
    reconcile_questions = providers.Factory(
        ReconcileQuestions, uow, gateway, record_questions, L.clock, runs=L.sync_runs
    )
    list_questions = providers.Factory(ListQuestions, uow, L.clock)
    get_question = providers.Factory(GetQuestion, uow, L.clock)
    answer_question = providers.Factory(AnswerQuestion, uow, gateway, L.clock)
    settle_answer = providers.Factory(SettleAnswer, uow, gateway, L.clock)
    auto_answer_question = providers.Factory(AutoAnswerQuestion, uow, gateway, L.clock)
    delete_question = providers.Factory(DeleteQuestion, uow, gateway, L.clock)
    block_buyer = providers.Factory(BlockBuyer, uow, gateway)
    unblock_buyer = providers.Factory(UnblockBuyer, uow, gateway)
    list_blocked_buyers = providers.Factory(ListBlockedBuyers, uow, gateway)
    question_stats = providers.Factory(GetQuestionStats, uow, gateway, L.clock)

    list_rules = providers.Factory(ListRules, uow)
    create_rule = providers.Factory(CreateRule, uow, L.clock)
    update_rule = providers.Factory(UpdateRule, uow)
    delete_rule = providers.Factory(DeleteRule, uow)
    rule_log = providers.Factory(GetRuleLog, uow)
    try_rules = providers.Factory(TryRules, uow, L.clock)
