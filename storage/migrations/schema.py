"""What the migrations build again and again, written once.

Every table has an integer key ``id`` (constraint ``pk_<table>``); a reference is an integer
column pointing at another table's ``id`` (``fk_<table>_<column>_<target>``); a unique
constraint is named after its first column (``uq_<table>_<column>``), an index after all of
its columns (``ix_<table>_<columns>``). The names are spelled out here rather than left to the
models' naming convention, so that a migration keeps building the schema it always built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op


@dataclass(frozen=True)
class Ref:
    """An integer column holding the ``id`` of a row of ``target``."""

    name: str
    target: str
    ondelete: str  # "CASCADE" or "SET NULL"
    null: bool = False


def moment(name: str, *, null: bool = False) -> sa.Column[Any]:
    """A point in time, stored with its zone."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=null)


def person(id_column: str, name_column: str, *, null: bool = False) -> tuple[sa.Column[Any], ...]:
    """A Telegram user: their id, and the name shown for them at the time."""
    return (
        sa.Column(id_column, sa.BigInteger(), nullable=null),
        sa.Column(name_column, sa.String(255), nullable=null),
    )


def message(prefix: str = "") -> tuple[sa.Column[Any], ...]:
    """A Telegram message: its chat's id and its id in that chat (``<prefix>chat_id``,
    ``<prefix>message_id``)."""
    return (
        sa.Column(f"{prefix}chat_id", sa.BigInteger(), nullable=False),
        sa.Column(f"{prefix}message_id", sa.BigInteger(), nullable=False),
    )


def table(
    name: str,
    *columns: sa.Column[Any] | Ref,
    unique: Sequence[Sequence[str]] = (),
    indexes: Sequence[Sequence[str]] = (),
) -> sa.Table:
    """Table ``name``: its key ``id``, then ``columns`` in order, each reference with its named
    foreign key; one named unique constraint for each set of columns in ``unique``, one plain
    index for each in ``indexes``."""
    built: list[sa.Column[Any]] = []
    keys: list[sa.ForeignKeyConstraint] = []
    for column in columns:
        if isinstance(column, Ref):
            built.append(sa.Column(column.name, sa.Integer(), nullable=column.null))
            keys.append(
                sa.ForeignKeyConstraint(
                    [column.name],
                    [f"{column.target}.id"],
                    name=op.f(f"fk_{name}_{column.name}_{column.target}"),
                    ondelete=column.ondelete,
                )
            )
        else:
            built.append(column)
    created = op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        *built,
        *keys,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        *(sa.UniqueConstraint(*names, name=op.f(f"uq_{name}_{names[0]}")) for names in unique),
    )
    add_indexes(name, *indexes)
    return created


def unique_where(name: str, table: str, columns: Sequence[str], where: str) -> None:
    """A unique index over the rows for which ``where`` (SQL) holds, on SQLite and PostgreSQL."""
    condition = sa.text(where)
    op.create_index(
        name, table, list(columns), unique=True, sqlite_where=condition, postgresql_where=condition
    )


def add_indexes(table: str, *column_sets: Sequence[str]) -> None:
    """One plain index on each set of columns, named ``ix_<table>_<columns>``."""
    for names in column_sets:
        op.create_index(op.f(f"ix_{table}_{'_'.join(names)}"), table, list(names))


def drop_tables(*names: str) -> None:
    """Drop the tables in this order (their indexes go with them)."""
    for name in names:
        op.drop_table(name)


def add_flag(table: str, name: str, *, default: bool) -> None:
    """A NOT NULL boolean column; the rows already there take ``default``."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(
            sa.Column(
                name,
                sa.Boolean(),
                nullable=False,
                server_default=sa.true() if default else sa.false(),
            )
        )


def drop_columns(table: str, *names: str) -> None:
    with op.batch_alter_table(table) as batch:
        for name in names:
            batch.drop_column(name)
