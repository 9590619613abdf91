"""CI: make sure the PostgreSQL test database exists, or fail loudly.

Usage: python .ci/ensure_postgres.py postgresql+asyncpg://postgres@127.0.0.1:5432/shanlin_test
"""

import asyncio
import sys

import asyncpg


async def main(url: str) -> int:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    server, _, database = dsn.rpartition("/")
    try:
        admin = await asyncpg.connect(f"{server}/postgres", timeout=10)
    except Exception as error:  # any failure means CI cannot test PostgreSQL
        print(f"CI: PostgreSQL is unreachable at {server}: {error}", file=sys.stderr)
        return 1
    try:
        exists = await admin.fetchval("select 1 from pg_database where datname = $1", database)
        if not exists:
            await admin.execute(f'create database "{database}"')
        version = await admin.fetchval("show server_version")
    finally:
        await admin.close()
    print(f"CI: PostgreSQL {version} ready, database {database}")
    return 0


sys.exit(asyncio.run(main(sys.argv[1])))
