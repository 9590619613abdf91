"""On SQLite a process's writing units of work take turns in the order they asked, and a turn
that never comes fails as a lost lock wait does (the core then re-runs the update)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from storage import write_turns
from storage.database import create_engine, is_transient, session_factory
from storage.uow import UnitOfWork


async def test_writers_take_turns_first_come_first_served(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    sessions = session_factory(engine)
    order: list[int] = []

    async def write(number: int) -> None:
        async with UnitOfWork(sessions):
            order.append(number)
            await asyncio.sleep(0.01)  # still holding its turn when the others ask

    try:
        await asyncio.gather(*(write(number) for number in range(6)))
        assert order == list(range(6))
        # a reader holds no turn: a writer opened inside it does not wait for one
        async with UnitOfWork(sessions, read_only=True), UnitOfWork(sessions):
            pass
    finally:
        await engine.dispose()


async def test_a_turn_that_never_comes_fails_as_a_lost_lock_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write_turns, "TURN_TIMEOUT_S", 0.05)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    sessions = session_factory(engine)
    try:
        async with UnitOfWork(sessions):
            with pytest.raises(OperationalError) as lost:
                async with UnitOfWork(sessions):
                    pass
        assert is_transient(lost.value)
        async with UnitOfWork(sessions):  # the turn was given back
            pass
    finally:
        await engine.dispose()
