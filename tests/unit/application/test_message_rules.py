"""Automatic messages on the in-memory adapters (§8): a sale's event meets the rules once
per rule and order, after the rule's delay; a dry run logs what it would send; whatever
MercadoLibre or the rules refuse is logged with the reason."""

from __future__ import annotations

import attrs
import pytest

from application import jobs
from application.errors import Unavailable, ValidationFailed
from application.messages.create_message_rule import CreateMessageRule
from application.messages.get_message_rule_log import GetMessageRuleLog
from application.messages.rule_commands import MessageRuleInput
from application.messages.rule_trigger import MessageRuleTrigger
from application.messages.send_rule_message import SendRuleMessage
from application.orders.record_orders import OrderReads
from application.queries import Paging
from application.templates.commands import TemplateInput
from application.templates.create_template import CreateTemplate
from domain.message_rules import RunStatus
from domain.messages import MessageSend
from domain.shipments import ShipmentStatus
from tests.unit.application.message_world import BUYER, MessageWorld


@pytest.fixture
async def world() -> MessageWorld:
    return await MessageWorld().start()


async def template(world: MessageWorld, text: str, kind: str = "message") -> int:
    made = await CreateTemplate(world.uow, world.clock)(
        TemplateInput(name=f"t{len(text)}{kind}", kind=kind, text=text)
    )
    assert made.id is not None
    return made.id


async def rule(world: MessageWorld, event: str, template_id: int, **changes) -> int:
    made = await CreateMessageRule(world.uow, world.clock)(
        attrs.evolve(MessageRuleInput("r", event, template_id), **changes)
    )
    assert made.id is not None
    return made.id


async def shipped(world: MessageWorld, order, status=ShipmentStatus.SHIPPED) -> list:
    """The shipment read as shipped, stored, and met by the rules; the jobs queued."""
    async with world.uow() as uow:
        shipment = await uow.shipments.get(order.shipping_id)
        shipment = attrs.evolve(
            shipment, status=status, order_ids=(order.id,), last_updated=world.clock.now()
        )
        await uow.shipments.upsert([shipment])
        account = await uow.accounts.get(world.account_id)
        await MessageRuleTrigger(world.clock)(uow, OrderReads(shipments=(shipment,)), account)
        await uow.commit()
    return [j for j in world.queue.jobs if isinstance(j, jobs.SendRuleMessage)]


def runner(world: MessageWorld) -> SendRuleMessage:
    return SendRuleMessage(world.uow, world.send, world.clock)


async def test_a_shipped_sale_gets_its_message_once_after_the_delay(world):
    world.clock.advance(1)
    order = await world.sale()
    rule_id = await rule(
        world,
        "shipped",
        await template(world, "Hola {buyer_first_name}, ¡ya salió!"),
        delay_seconds=600,
    )
    world.clock.advance(1)

    queued = await shipped(world, order)
    assert await shipped(world, order) == queued, "notified twice, met once"
    assert len(queued) == 1 and world.queue.queued[-1].delay_seconds == 600
    run = await runner(world)(queued[0].run_id)
    again = await runner(world)(queued[0].run_id)

    assert run.status is RunStatus.SENT and run.text == "Hola Ana, ¡ya salió!"
    assert again.status is RunStatus.SENT and world.held(order) == ["Hola Ana, ¡ya salió!"]
    log = await GetMessageRuleLog(world.uow)(rule_id, Paging(0, 10))
    assert [r.status for r in log.items] == [RunStatus.SENT] and log.items[0].send_id is not None


async def test_a_run_whose_message_went_out_before_a_crash_is_finished_not_sent_again(world):
    """The worker died after MercadoLibre took the message and its send was stored, before
    the run was finished: the job runs again and finishes the run with that send."""
    world.clock.advance(1)
    order = await world.sale()
    await rule(world, "shipped", await template(world, "Ya salió"))
    world.clock.advance(1)
    [job] = await shipped(world, order)
    first = await runner(world)(job.run_id)
    async with world.uow() as uow:  # as if the run had never been finished
        run = await uow.message_rule_runs.get(job.run_id)
        await uow.message_rule_runs.save(
            attrs.evolve(run, status=RunStatus.DUE, send_id=None, text=None, finished_at=None)
        )
        await uow.commit()

    again = await runner(world)(job.run_id)

    assert again.status is RunStatus.SENT and again.send_id == first.send_id
    assert world.held(order) == ["Ya salió"] and world.posts() == 1


async def test_a_message_on_its_way_to_the_conversation_makes_the_run_wait_not_fail(world):
    world.clock.advance(1)
    order = await world.sale()
    await rule(world, "shipped", await template(world, "Ya salió"))
    world.clock.advance(1)
    [job] = await shipped(world, order)
    async with world.uow() as uow:  # a message typed by hand, its outcome not known yet
        await uow.message_sends.add(
            MessageSend(world.account_id, order.pack_id, order.id, BUYER, "Hola", world.clock.now())
        )
        await uow.commit()

    with pytest.raises(Unavailable, match="waits"):
        await runner(world)(job.run_id)
    async with world.uow() as uow:
        assert (await uow.message_rule_runs.get(job.run_id)).status is RunStatus.DUE


async def test_a_dry_run_logs_the_text_and_sends_nothing(world):
    world.clock.advance(1)
    order = await world.sale()
    await rule(
        world,
        "delivered",
        await template(world, "¿Llegó bien, {buyer_first_name}?"),
        mode="dry_run",
    )
    world.clock.advance(1)

    [job] = await shipped(world, order, ShipmentStatus.DELIVERED)
    run = await runner(world)(job.run_id)

    assert run.status is RunStatus.DRY_RUN and run.text == "¿Llegó bien, Ana?"
    assert world.held(order) == [] and world.posts() == 0


async def test_refusals_and_removed_rules_are_logged_with_the_reason(world):
    world.clock.advance(1)
    blocked = await world.sale()
    gone = await world.sale()
    rule_id = await rule(world, "shipped", await template(world, "Ya salió"))
    world.clock.advance(1)
    world.gateway.block(blocked.pack_id, "blocked_by_mediation")

    [first] = await shipped(world, blocked)
    refused = await runner(world)(first.run_id)
    async with world.uow() as uow:
        await uow.message_rules.delete(rule_id)
        await uow.commit()
    jobs_now = await shipped(world, gone)

    assert refused.status is RunStatus.FAILED and "blocked_by_mediation" in (refused.error or "")
    assert jobs_now == [first], "a removed rule meets no new order"


async def test_a_sale_older_than_the_rule_and_other_events_are_not_met(world):
    order = await world.sale()
    world.clock.advance(60)
    await rule(world, "delivered", await template(world, "Gracias"))
    await rule(world, "shipped", await template(world, "Salió"), account_ids=(world.account_id,))

    async with world.uow() as uow:
        shipment = await uow.shipments.get(order.shipping_id)
        old = attrs.evolve(
            shipment,
            status=ShipmentStatus.SHIPPED,
            order_ids=(order.id,),
            last_updated=world.clock.now().replace(year=2020),
        )
        account = await uow.accounts.get(world.account_id)
        met = await MessageRuleTrigger(world.clock)(uow, OrderReads(shipments=(old,)), account)
    assert met == 0


async def test_a_rule_must_name_a_message_template_and_a_known_event(world):
    answer = await template(world, "Sí", kind="answer")
    with pytest.raises(ValidationFailed) as refused:
        await rule(world, "sold", answer, delay_seconds=-1, account_ids=(404,))
    fields = {p.field for p in refused.value.problems}
    assert fields == {"event", "template_id", "account_ids"}


async def test_the_sweep_finds_due_rule_messages_and_pending_sends(world):
    from application.operations.requeue_lost_work import RequeueLostWork
    from domain.messages import MessageSend

    world.clock.advance(1)
    order = await world.sale()
    await rule(world, "shipped", await template(world, "Salió"))
    world.clock.advance(1)
    [job] = await shipped(world, order)
    async with world.uow() as uow:
        send = await uow.message_sends.add(
            MessageSend(world.account_id, 99, order.id, 5001, "Hola", world.clock.now())
        )
        await uow.commit()
    world.queue.clear()
    world.clock.advance(120)

    sweep = RequeueLostWork(world.uow, world.queue, world.clock)
    counts = await sweep(("message_sends", "rule_messages"))

    assert counts == {"message_sends": 1, "rule_messages": 1}
    assert set(world.queue.jobs) == {job, jobs.SettleMessage(send.id)}
