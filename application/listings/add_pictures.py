from __future__ import annotations

import attrs

from application.accounts.usable import usable_account
from application.errors import Conflict, FieldProblem, ValidationFailed
from application.listings.observed import store_observed
from application.listings.views import ListingWithStock, with_stock
from application.listings.written import stored_after_write
from application.ports.clock import Clock
from application.ports.listing_gateway import ListingChanges, ListingGateway
from application.ports.picture_gateway import PictureGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.listings import Listing, ListingStatus
from domain.pictures import is_picture_id, is_video_id

MAX_PICTURES_PER_CALL = 12  # the most a category lets a listing show (§4.2, MLA3530)


@attrs.define(frozen=True)
class AddPicturesCommand:
    """Pictures (uploaded ids, POST /pictures) to add after the listing's own, and/or the
    YouTube `video_id` to link."""

    item_id: str
    picture_ids: tuple[str, ...] = ()
    video_id: str | None = None


class AddPictures:
    """Add pictures to a listing without dropping the others (§4.8: POST
    /items/{id}/pictures, one per picture): the listing's pictures stay, in their order,
    and its variations keep theirs. A picture it already shows is not linked again, so a
    repeat of the same request changes nothing. The video goes by PUT (§4.3). The
    listing is then read back and stored."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        listings: ListingGateway,
        pictures: PictureGateway,
        clock: Clock,
        safety_stock: int = 0,
    ) -> None:
        self._uow = uow
        self._listings = listings
        self._pictures = pictures
        self._clock = clock
        self._safety_stock = safety_stock

    async def __call__(self, command: AddPicturesCommand) -> ListingWithStock:
        """Raises ValidationFailed (nothing sent) for bad ids or nothing to add;
        NotFound for a listing not in the local copy; Conflict for a closed or removed
        one; ValidationFailed with MercadoLibre's causes for a picture it refuses."""
        _check(command)
        async with self._uow() as uow:
            stored = await uow.listings.get(command.item_id)
            await usable_account(uow, stored.account_id)
        if stored.removed_at is not None or stored.status is ListingStatus.CLOSED:
            raise Conflict(
                f"{command.item_id} is {'removed' if stored.removed_at else 'closed'}: "
                "its pictures cannot change"
            )
        account_id = stored.account_id
        current = await self._listings.get_listing(account_id, command.item_id)
        shown = {picture.id for picture in current.pictures}
        for picture_id in dict.fromkeys(command.picture_ids):
            if picture_id not in shown:
                await self._pictures.add_picture(account_id, command.item_id, picture_id)
        if command.video_id is not None and command.video_id != current.video_id:
            await self._listings.update_listing(
                account_id, command.item_id, ListingChanges(video_id=command.video_id)
            )
        written = await self._listings.get_listing(account_id, command.item_id)
        return await stored_after_write(self._listings, account_id, written, self._store)

    async def _store(self, listing: Listing) -> ListingWithStock:
        async with self._uow() as uow:
            await store_observed(uow, [listing], self._safety_stock, self._clock.now())
            result = await with_stock(uow, listing)
            await uow.commit()
        return result


def _check(command: AddPicturesCommand) -> None:
    problems = [
        FieldProblem(f"picture_ids[{index}]", "must be a picture id from POST /pictures")
        for index, picture_id in enumerate(command.picture_ids)
        if not is_picture_id(picture_id)
    ]
    if len(command.picture_ids) > MAX_PICTURES_PER_CALL:
        problems.append(
            FieldProblem("picture_ids", f"at most {MAX_PICTURES_PER_CALL} pictures at a time")
        )
    if command.video_id is not None and not is_video_id(command.video_id):
        problems.append(FieldProblem("video_id", "must be a YouTube video id (11 characters)"))
    if not command.picture_ids and command.video_id is None:
        problems.append(FieldProblem("picture_ids", "give picture_ids, a video_id, or both"))
    if problems:
        raise ValidationFailed(problems, "the pictures cannot be added")
