"""Waiting for something to be true instead of sleeping for a fixed time."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

from storage.database import create_engine, session_factory
from storage.uow import SessionFactory, UnitOfWork

CHECK_EVERY = 0.01  # seconds between two looks at the condition (in this process)


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    what: str,
    timeout: float = 60.0,  # noqa: ASYNC109 - a test helper's plain deadline
    every: float = CHECK_EVERY,
) -> None:
    """Return as soon as ``condition()`` holds (looked at every ``every`` seconds); fail naming
    ``what`` if it still does not after ``timeout`` seconds (generous: a busy machine is slow,
    a broken bot never gets there)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"still waiting after {timeout}s for: {what}")
        await asyncio.sleep(every)


async def outbox_settled(sessions: SessionFactory) -> bool:
    """Whether no queued delivery is still pending or on its way."""
    async with UnitOfWork(sessions) as uow:
        return not await uow.outbox.unsettled()


async def until_outbox_settled(database_url: str, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Wait until every delivery queued in the database at ``database_url`` has settled
    (sent, failed or cancelled): from then on nothing queued is still to arrive."""
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        await eventually(
            lambda: outbox_settled(sessions), "every queued delivery to settle", timeout
        )
    finally:
        await engine.dispose()
