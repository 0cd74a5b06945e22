"""Use cases of orders, payments, shipments and packs (§5, §6)."""

from __future__ import annotations

from dependency_injector import providers

from application.orders.add_order_note import AddOrderNote
from application.orders.delete_order_note import DeleteOrderNote
from application.orders.get_order import GetOrder
from application.orders.get_order_shipment import GetOrderShipment
from application.orders.list_order_notes import ListOrderNotes
from application.orders.list_orders import ListOrders
from application.orders.mark_ready_to_ship import MarkReadyToShip
from application.orders.print_labels import PrintLabels
from application.orders.print_shipment_labels import PrintShipmentLabels
from application.orders.quote_free_shipping import QuoteFreeShipping
from application.orders.quote_shipping import QuoteShipping
from application.orders.reconcile_orders import ReconcileOrders
from application.orders.record_orders import RecordOrders, RecordPayments, RecordShipments
from application.orders.update_order_note import UpdateOrderNote
from application.orders.update_tracking import UpdateTracking
from entrypoints.container.questions import QuestionUseCases

Q = QuestionUseCases
uow = Q.unit_of_work.provider
gateway = Q.order_gateway


class OrderUseCases(QuestionUseCases):
    record_orders = providers.Factory(RecordOrders, gateway, Q.clock)
    record_payments = providers.Factory(RecordPayments, gateway, Q.clock)
    record_shipments = providers.Factory(RecordShipments, gateway, Q.clock)
    reconcile_orders = providers.Factory(
        ReconcileOrders,
        uow,
        gateway,
        Q.clock,
        runs=Q.sync_runs,
        backfill_days=Q.settings.provided.orders_backfill_days,
    )
    list_orders = providers.Factory(ListOrders, uow)
    get_order = providers.Factory(GetOrder, uow)
    get_order_shipment = providers.Factory(GetOrderShipment, uow, gateway)
    print_labels = providers.Factory(PrintLabels, uow, gateway)
    print_shipment_labels = providers.Factory(PrintShipmentLabels, uow, gateway)
    list_order_notes = providers.Factory(ListOrderNotes, uow, gateway)
    add_order_note = providers.Factory(AddOrderNote, uow, gateway)
    update_order_note = providers.Factory(UpdateOrderNote, uow, gateway)
    delete_order_note = providers.Factory(DeleteOrderNote, uow, gateway)
    mark_ready_to_ship = providers.Factory(MarkReadyToShip, uow, gateway)
    update_tracking = providers.Factory(UpdateTracking, uow, gateway, Q.clock)
    quote_shipping = providers.Factory(QuoteShipping, uow, gateway)
    quote_free_shipping = providers.Factory(QuoteFreeShipping, uow, gateway)
