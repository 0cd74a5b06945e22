"""What every table shares: the metadata with its naming convention, and the column
that ties a row to its account."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, MetaData

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
