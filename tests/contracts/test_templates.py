from __future__ import annotations

import attrs
import pytest

from application.errors import Conflict, NotFound
from domain.templates import TemplateKind

from .builders import a_template, given_account


async def test_an_added_template_gets_an_id_and_reads_back_as_stored(uow_factory):
    account = await given_account(uow_factory)
    template = a_template(account_id=account.id)
    async with uow_factory() as uow:
        added = await uow.templates.add(template)
        await uow.commit()

    assert added == attrs.evolve(template, id=added.id)
    async with uow_factory() as uow:
        assert await uow.templates.get(added.id) == added


async def test_a_template_name_is_taken_once_per_account(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.templates.add(a_template(account_id=account.id))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.templates.add(a_template(account_id=account.id, text="otro"))
        # The unit of work is still usable after the conflict.
        assert len(await uow.templates.list(account.id)) == 1


async def test_a_shared_template_name_is_taken_once_among_shared_templates(uow_factory):
    async with uow_factory() as uow:
        await uow.templates.add(a_template())
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.templates.add(a_template(text="otro"))


async def test_accounts_and_the_shared_templates_may_use_the_same_name(uow_factory):
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)
    async with uow_factory() as uow:
        for account_id in (first.id, second.id, None):
            await uow.templates.add(a_template(account_id=account_id))
        await uow.commit()

    async with uow_factory() as uow:
        assert [t.account_id for t in await uow.templates.list(first.id)] == [first.id, None]


async def test_an_account_sees_its_templates_and_the_shared_ones_by_name(uow_factory):
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)
    async with uow_factory() as uow:
        for name, account_id in [
            ("b", first.id),
            ("c", None),
            ("a", second.id),
            ("a", first.id),
            ("B", None),
        ]:
            await uow.templates.add(a_template(name=name, account_id=account_id))
        await uow.commit()

    async with uow_factory() as uow:
        mine = await uow.templates.list(first.id)
        shared = await uow.templates.list()

    assert [(t.name, t.account_id) for t in mine] == [
        ("B", None),
        ("a", first.id),
        ("b", first.id),
        ("c", None),
    ]
    assert [t.name for t in shared] == ["B", "c"]


async def test_a_saved_template_reads_back_changed(uow_factory):
    async with uow_factory() as uow:
        template = await uow.templates.add(a_template())
        await uow.commit()

    renamed = attrs.evolve(template, name="Envío", text="Tu pedido {order_id} salió.")
    async with uow_factory() as uow:
        await uow.templates.save(renamed)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.templates.get(template.id) == renamed


async def test_renaming_a_template_to_a_taken_name_raises_conflict(uow_factory):
    async with uow_factory() as uow:
        await uow.templates.add(a_template(name="uno"))
        second = await uow.templates.add(a_template(name="dos"))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.templates.save(attrs.evolve(second, name="uno"))
        assert (await uow.templates.get(second.id)).name == "dos"


async def test_unknown_templates_raise_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.templates.get(404)
        with pytest.raises(NotFound):
            await uow.templates.save(a_template(id=404))
        with pytest.raises(NotFound):
            await uow.templates.delete(404)


async def test_a_deleted_template_is_gone(uow_factory):
    async with uow_factory() as uow:
        template = await uow.templates.add(a_template())
        await uow.commit()

    async with uow_factory() as uow:
        await uow.templates.delete(template.id)
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.templates.get(template.id)
        assert await uow.templates.list() == []
        again = await uow.templates.add(a_template())
    assert again.id != template.id


async def test_a_template_of_an_unknown_account_is_refused_with_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.templates.add(a_template(account_id=404))


async def test_templates_list_by_kind(uow_factory):
    async with uow_factory() as uow:
        await uow.templates.add(a_template(name="m"))
        answer = await uow.templates.add(a_template(name="a", kind="answer", text="Sí"))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.templates.list(kind=TemplateKind.ANSWER) == [answer]
        assert [t.name for t in await uow.templates.list()] == ["a", "m"]
