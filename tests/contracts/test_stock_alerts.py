"""StockAlertRepository contract: thresholds per account or listing, and raised alerts
kept once per level until re-armed (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from application.errors import Conflict
from domain.stock_alerts import LowStockAlert, StockThreshold

from .builders import given_account

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def alert(account_id: int, item_id: str, variation_id: int | None, publishable: int = 1):
    return LowStockAlert(account_id, item_id, variation_id, 5, publishable, NOW)


async def test_thresholds_are_set_replaced_read_and_deleted_per_account_and_listing(uow_factory):
    account = await given_account(uow_factory)
    other = await given_account(uow_factory, seller_id=2)
    async with uow_factory() as uow:
        await uow.stock_alerts.set_threshold(StockThreshold(account.id, 3, updated_at=NOW))
        await uow.stock_alerts.set_threshold(StockThreshold(account.id, 9, "MLA1", NOW))
        await uow.stock_alerts.set_threshold(StockThreshold(account.id, 4, "MLA1", NOW))
        await uow.stock_alerts.set_threshold(StockThreshold(other.id, 7, updated_at=NOW))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.stock_alerts.thresholds(account.id) == {
            None: StockThreshold(account.id, 3, None, NOW),
            "MLA1": StockThreshold(account.id, 4, "MLA1", NOW),
        }
        assert await uow.stock_alerts.delete_threshold(account.id, None)
        assert not await uow.stock_alerts.delete_threshold(account.id, None)
        await uow.commit()
    async with uow_factory() as uow:
        assert list(await uow.stock_alerts.thresholds(account.id)) == ["MLA1"]
        assert list(await uow.stock_alerts.thresholds(other.id)) == [None]


async def test_a_threshold_of_an_unknown_account_is_a_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.stock_alerts.set_threshold(StockThreshold(999, 3))


async def test_an_alert_is_raised_once_per_level_until_it_is_rearmed(uow_factory):
    account = await given_account(uow_factory)
    other = await given_account(uow_factory, seller_id=2)
    first = [alert(account.id, "MLA1", None), alert(account.id, "MLA2", 17000000001)]
    async with uow_factory() as uow:
        assert await uow.stock_alerts.raise_alerts(first) == first
        await uow.stock_alerts.raise_alerts([alert(other.id, "MLA9", None)])
        await uow.commit()

    again = [alert(account.id, "MLA1", None, 0), alert(account.id, "MLA2", 17000000002)]
    async with uow_factory() as uow:
        assert await uow.stock_alerts.raise_alerts(again) == [again[1]]
        await uow.commit()
    async with uow_factory() as uow:
        raised = await uow.stock_alerts.raised(account.id)
        assert raised == {a.key: a for a in (*first, again[1])}
        assert raised[("MLA1", None)].publishable == 1, "the first crossing is kept"
        assert await uow.stock_alerts.count_raised() == {account.id: 3, other.id: 1}
        assert await uow.stock_alerts.rearm(account.id, [("MLA1", None), ("MLA3", None)]) == 1
        assert await uow.stock_alerts.rearm(other.id, [("MLA2", 17000000001)]) == 0
        await uow.commit()
    async with uow_factory() as uow:
        assert set(await uow.stock_alerts.raised(account.id)) == {
            ("MLA2", 17000000001),
            ("MLA2", 17000000002),
        }
        assert await uow.stock_alerts.raise_alerts([first[0]]) == [first[0]], "re-armed"
