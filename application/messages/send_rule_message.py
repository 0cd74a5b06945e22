from __future__ import annotations

from application.errors import (
    ApplicationError,
    NotFound,
    RateLimited,
    Unavailable,
)
from application.messages.commands import SendMessageCommand
from application.messages.conversation import conversation_id, order_and_account
from application.messages.errors import ConversationClosed
from application.messages.send_message import SendMessage
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.templates.values import order_values
from domain.message_rules import MessageRuleRun, RuleMode, RunStatus
from domain.messages import MessageSend, SendStatus
from domain.templates import MissingVariables


class SendRuleMessage:
    """Send the message of a rule that met an order's event (the `send_rule_message` job),
    once its delay is over: the rule's template rendered for the order, through
    SendMessage (so every check of a message by hand holds: MercadoLibre's rules, a
    blocked conversation, a cancelled order, exactly once). A dry run renders and logs
    the text and sends nothing. Every outcome is logged on the run: sent (with its send),
    dry_run, or failed with the reason (a rule removed or disabled, a variable without a
    value, a conversation that takes no message). Idempotent: a run that ended is left
    alone, and a run whose message went out (its send recorded as sent, the run not yet
    finished: a worker killed between the two, or two jobs of one run) is finished with
    that send, never sent again. Raises Unavailable or RateLimited, leaving the run due,
    for the job to retry; also while another message to the conversation is on its way."""

    def __init__(self, uow: UnitOfWorkFactory, send: SendMessage, clock: Clock) -> None:
        self._uow = uow
        self._send = send
        self._clock = clock

    async def __call__(self, run_id: int) -> MessageRuleRun:
        async with self._uow() as uow:
            run = await uow.message_rule_runs.get(run_id)
            if run.status is not RunStatus.DUE:
                return run
            try:
                rule = await uow.message_rules.get(run.rule_id)
            except NotFound:
                rule = None
        if rule is None or not rule.applies_to(run.account_id):
            return await self._finish(
                run, RunStatus.FAILED, error="the rule was removed or disabled"
            )
        if rule.mode is RuleMode.DRY_RUN:
            return await self._dry_run(run, rule.template_id)
        try:
            earlier = await self._sent_before(run)
            if earlier is not None:
                run.send_id = earlier.id
                return await self._finish(run, RunStatus.SENT, text=earlier.text)
            sent = await self._send(
                SendMessageCommand(
                    run.order_id,
                    template_id=rule.template_id,
                    account_id=run.account_id,
                    rule_id=rule.id,
                )
            )
        except (Unavailable, RateLimited):
            raise
        except ConversationClosed as closed:
            if closed.rule == "being_sent":  # ours (a retry settles it) or one by hand
                raise Unavailable(f"{closed}; the automatic message waits for it") from closed
            return await self._finish(run, RunStatus.FAILED, error=str(closed))
        except ApplicationError as refused:
            return await self._finish(run, RunStatus.FAILED, error=str(refused))
        run.send_id = sent.send.id
        return await self._finish(run, RunStatus.SENT, text=sent.send.text)

    async def _sent_before(self, run: MessageRuleRun) -> MessageSend | None:
        """This run's message, if a send of the rule to the order is recorded as sent."""
        async with self._uow() as uow:
            order, _ = await order_and_account(uow, run.order_id, run.account_id)
            sends = await uow.message_sends.of_conversation(run.account_id, conversation_id(order))
        return next(
            (
                s
                for s in sends
                if s.rule_id == run.rule_id
                and s.order_id == run.order_id
                and s.status is SendStatus.SENT
            ),
            None,
        )

    async def _dry_run(self, run: MessageRuleRun, template_id: int) -> MessageRuleRun:
        async with self._uow() as uow:
            order, account = await order_and_account(uow, run.order_id, run.account_id)
            template = await uow.templates.get(template_id)
            values = await order_values(uow, account, order)
        try:
            text = template.render(values)
        except MissingVariables as missing:
            return await self._finish(run, RunStatus.FAILED, error=str(missing))
        return await self._finish(run, RunStatus.DRY_RUN, text=text)

    async def _finish(
        self,
        run: MessageRuleRun,
        status: RunStatus,
        text: str | None = None,
        error: str | None = None,
    ) -> MessageRuleRun:
        async with self._uow() as uow:
            current = await uow.message_rule_runs.get(run.id or 0)
            if current.status is RunStatus.DUE:
                current.send_id = run.send_id
                current.finish(status, self._clock.now(), text, error)
                await uow.message_rule_runs.save(current)
                await uow.commit()
        return current
