from __future__ import annotations

from application.errors import (
    FieldProblem,
    ValidationFailed,
)
from application.listings.validation import Problems
from application.ports.listing_gateway import (
    CategoryPrediction,
    ListingGateway,
)
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import AccountStatus
from domain.errors import InvalidValue
from domain.sites import site


class PredictCategory:
    """The category predictor, through a connected account (preferably of that site)."""

    def __init__(self, uow: UnitOfWorkFactory, listings: ListingGateway) -> None:
        self._uow = uow
        self._listings = listings

    async def __call__(self, site_id: str, title: str) -> list[CategoryPrediction]:
        problems = Problems()
        try:
            site(site_id)
        except InvalidValue as error:
            problems.add("site_id", error.reason)
        if not title or not title.strip():
            problems.add("title", "must not be empty")
        elif len(title) > 200:
            problems.add("title", "at most 200 characters")
        problems.check("cannot predict a category")
        async with self._uow() as uow:
            accounts = await uow.accounts.list(AccountStatus.ACTIVE)
        if not accounts:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "account",
                        "connect a MercadoLibre account first: the predictor is called "
                        "with an account's token",
                    )
                ],
                "cannot predict a category",
            )
        account = next((a for a in accounts if a.site_id == site_id), accounts[0])
        assert account.id is not None
        return await self._listings.predict_category(account.id, site_id, title.strip())
