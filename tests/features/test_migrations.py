"""Migrations build exactly the schema the models describe, and can be re-run safely."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.database import alembic_config, create_engine, upgrade
from storage.models import Base


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection)
    return list(compare_metadata(context, Base.metadata))


def _downgrade_to_base(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_migrated_schema_matches_the_models(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine)
        await upgrade(engine)  # at every start: must be a no-op
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            regions = await connection.scalar(text("select count(*) from regions"))
            aliases = await connection.scalar(text("select count(*) from region_aliases"))
        assert regions == 21 and aliases is not None and aliases >= 21 * 4
    finally:
        await engine.dispose()


async def test_downgrade_and_upgrade_again(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_to_base)
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.scalar(text("select count(*) from regions")) == 21
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/wal.sqlite3")
    try:
        async with engine.connect() as connection:
            mode = await connection.scalar(text("PRAGMA journal_mode"))
        assert mode == "wal"
    finally:
        await engine.dispose()
