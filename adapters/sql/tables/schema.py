"""What every table shares: the metadata with its naming convention, and the column
that ties a row to its account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey, Index, MetaData

from adapters.sql.types import Id

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def account_id_column(*, nullable: bool = False, index: bool = True) -> Column:
    return Column("account_id", Id, ForeignKey("meli_accounts.id"), nullable=nullable, index=index)


def postgresql_index(name: str, *columns: str, **options: Any) -> Index:
    """An index that only PostgreSQL has (a trigram index, say): its migration creates it
    there alone, and `on_this_database` leaves it out of the comparison elsewhere."""
    return Index(name, *columns, info={"only_on": "postgresql"}, **options)


def on_this_database(dialect: str):
    """An alembic `include_object` for a database of `dialect`: compares every object but
    the indexes declared for another database (postgresql_index)."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        only_on = getattr(obj, "info", {}).get("only_on")
        return type_ != "index" or only_on is None or only_on == dialect

    return include
