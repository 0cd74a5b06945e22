"""What every analytics read shares: the accounts it covers and the days it spans.

Only connected accounts count (as for orders, application.orders.scope). Days are local
days of the seller's site; with several accounts, "today" is the local date of the
first of them (sites of one seller group are in neighbouring time zones)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from application.errors import FieldProblem, NotFound, ValidationFailed
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import AccountStatus
from domain.sites import site

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years of days in one read
# The days a read may name: MercadoLibre sold nothing before 1999, and far from the
# calendar's edges a day before or after always exists.
EARLIEST_DAY = date(1999, 1, 1)
LATEST_DAY = date(9000, 12, 31)


@attrs.define(frozen=True)
class Scope:
    account_ids: tuple[int, ...]
    zones: dict[int, ZoneInfo]
    first: date
    last: date
    today: date

    @property
    def zone(self) -> ZoneInfo:
        return next(iter(self.zones.values()), ZoneInfo("UTC"))

    def start(self) -> datetime:
        """The first instant of the first day, in the scope's zone."""
        return datetime.combine(self.first, time(), self.zone)

    def end(self) -> datetime:
        """The first instant after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone)


async def scope_of(
    uow: UnitOfWork,
    now: datetime,
    account_id: int | None,
    first: date | None,
    last: date | None,
    default_days: int = DEFAULT_DAYS,
) -> Scope:
    """The accounts and days a read covers. Raises NotFound for an account that is not
    connected, ValidationFailed for days that are backwards or too many."""
    accounts = [a for a in await uow.accounts.list() if a.status is not AccountStatus.DISCONNECTED]
    if account_id is not None:
        accounts = [a for a in accounts if a.id == account_id]
        if not accounts:
            raise NotFound("account", account_id)
    far = [
        FieldProblem(name, f"must be between {EARLIEST_DAY} and {LATEST_DAY}")
        for name, day in (("from", first), ("to", last))
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY
    ]
    if far:  # the calendar's edges, where a day before or after does not exist
        raise ValidationFailed(far)
    zones = {a.id: site(a.site_id).zone for a in accounts if a.id is not None}
    zone = next(iter(zones.values()), ZoneInfo("UTC"))
    today = now.astimezone(zone).date()
    last = last or today
    first = first or last - timedelta(days=default_days - 1)
    problems = []
    if first > last:
        problems.append(FieldProblem("from", "must not be after 'to'"))
    elif (last - first).days + 1 > MAX_DAYS:
        problems.append(FieldProblem("from", f"spans more than {MAX_DAYS} days with 'to'"))
    if problems:
        raise ValidationFailed(problems)
    return Scope(tuple(zones), zones, first, last, today)
