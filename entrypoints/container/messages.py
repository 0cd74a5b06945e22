"""Use cases of post-sale messages (§8)."""

from __future__ import annotations

from dependency_injector import providers

from application.messages.create_message_rule import CreateMessageRule
from application.messages.delete_message_rule import DeleteMessageRule
from application.messages.download_attachment import DownloadAttachment
from application.messages.get_conversation import GetConversation
from application.messages.get_message_rule_log import GetMessageRuleLog
from application.messages.list_message_rules import ListMessageRules
from application.messages.list_options import ListMessageOptions
from application.messages.list_unread import ListStoredUnread, ListUnread
from application.messages.mark_read import MarkConversationRead
from application.messages.read_unread_messages import ReadUnreadMessages
from application.messages.record_messages import RecordMessages
from application.messages.rule_trigger import MessageRuleTrigger, TriggeringRecorder
from application.messages.send_message import SendMessage
from application.messages.send_rule_message import SendRuleMessage
from application.messages.settle_message import SettleMessage
from application.messages.update_message_rule import UpdateMessageRule
from application.messages.upload_attachment import UploadAttachment
from entrypoints.container.analytics import AnalyticsUseCases
from entrypoints.container.orders import OrderUseCases

O = OrderUseCases  # noqa: E741
uow = O.unit_of_work.provider
gateway = O.message_gateway


class MessageUseCases(AnalyticsUseCases):
    record_messages = providers.Factory(RecordMessages, gateway, O.clock)
    get_conversation = providers.Factory(GetConversation, uow, gateway)
    send_message = providers.Factory(SendMessage, uow, gateway, O.clock)
    settle_message = providers.Factory(SettleMessage, uow, gateway, O.clock)
    upload_attachment = providers.Factory(UploadAttachment, uow, gateway)
    download_attachment = providers.Factory(DownloadAttachment, uow, gateway)
    list_message_options = providers.Factory(ListMessageOptions, uow, gateway)
    list_unread = providers.Factory(ListUnread, uow, gateway)
    list_stored_unread = providers.Factory(ListStoredUnread, uow)
    mark_conversation_read = providers.Factory(MarkConversationRead, uow, gateway)
    read_unread_messages = providers.Factory(ReadUnreadMessages, uow, list_unread)

    list_message_rules = providers.Factory(ListMessageRules, uow)
    create_message_rule = providers.Factory(CreateMessageRule, uow, O.clock)
    update_message_rule = providers.Factory(UpdateMessageRule, uow)
    delete_message_rule = providers.Factory(DeleteMessageRule, uow)
    message_rule_log = providers.Factory(GetMessageRuleLog, uow)
    send_rule_message = providers.Factory(SendRuleMessage, uow, send_message, O.clock)
    message_rule_trigger = providers.Factory(MessageRuleTrigger, O.clock)
    # The sales' recorders of the notifications, meeting the automatic-message rules.
    record_orders_for_rules = providers.Factory(
        TriggeringRecorder, O.record_orders, message_rule_trigger
    )
    record_payments_for_rules = providers.Factory(
        TriggeringRecorder, O.record_payments, message_rule_trigger
    )
    record_shipments_for_rules = providers.Factory(
        TriggeringRecorder, O.record_shipments, message_rule_trigger
    )
