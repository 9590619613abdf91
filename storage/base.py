"""What every storage module shares: the declarative base, aware UTC datetimes, and
INSERT … ON CONFLICT helpers that work on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Integer, MetaData, TypeDecorator, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Set while a read-only unit of work opens its transaction: on SQLite a plain (deferred) BEGIN,
# which takes no write lock (see storage/uow.py).
READ_ONLY: ContextVar[bool] = ContextVar("shanlin_read_only", default=False)
# session.info key of a read-only unit of work's session: any write raises WriteNeeded.
READ_ONLY_SESSION = "shanlin_read_only"


class WriteNeeded(Exception):
    """A read-only unit of work tried to write: re-run the work in a writing one."""


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored in UTC and read back aware on every database (SQLite would
    otherwise drop the zone and compare wall-clock strings)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the Clock")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Model(Base):
    """A table keyed by an integer ``id``: every table but ``versions`` (keyed by name)."""

    __abstract__ = True

    # sort_order: first in each table, as in the migrations
    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


Row = TypeVar("Row", bound=Model)


async def added(session: AsyncSession, row: Row) -> Row:
    """``row``, added and flushed: it has its id from here on."""
    session.add(row)
    await session.flush()
    return row


async def by_id(
    session: AsyncSession, model: type[Row], row_id: int, *, lock: bool = False
) -> Row | None:
    """The row of ``model`` with this id; with ``lock``, locked (on PostgreSQL: that table's
    row only, not the rows joined to it) until the transaction ends."""
    query = select(model).where(model.id == row_id)
    return await session.scalar(query.with_for_update(of=model) if lock else query)


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    key: str | Sequence[str],
    values: dict[str, Any],
    update_columns: tuple[str, ...] = (),
) -> None:
    """INSERT … ON CONFLICT (key): concurrent first sightings must not race on a unique key."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values)
    columns = [key] if isinstance(key, str) else list(key)
    if update_columns:
        changes = {column: statement.excluded[column] for column in update_columns}
        statement = statement.on_conflict_do_update(index_elements=columns, set_=changes)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=columns)
    await session.execute(statement)


async def insert_new(
    session: AsyncSession,
    model: type[DeclarativeBase],
    key: str | Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """Many rows in few statements (INSERT … ON CONFLICT (key) DO NOTHING, 100 at a time):
    rows whose key (a unique column or columns) is already there are left alone."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    columns = [key] if isinstance(key, str) else list(key)
    for start in range(0, len(rows), 100):
        statement = dialect.insert(model).values(list(rows[start : start + 100]))
        await session.execute(statement.on_conflict_do_nothing(index_elements=columns))


async def insert_if_new(
    session: AsyncSession,
    model: type[DeclarativeBase],
    key: str | Sequence[str],
    values: dict[str, Any],
) -> bool:
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING: True if the row is new, False if a row
    with that key was already there. No exception, no savepoint, no cursor left open: a unique
    key decides "first time or repeat" without a failed statement."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    columns = [key] if isinstance(key, str) else list(key)
    primary = model.__mapper__.primary_key[0]
    statement = (
        dialect.insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=columns)
        .returning(primary)
    )
    return (await session.execute(statement)).first() is not None
