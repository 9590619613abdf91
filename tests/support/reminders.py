"""Deadline reminders falling due soon, and one more run of the reminder job, for tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.core.config import CoreConfig
from handlers.core.context import Services
from handlers.core.feature import Runtime
from handlers.core.ports import SystemClock
from handlers.deadlines.reminders import run_reminders
from storage.database import create_engine, session_factory
from storage.deadlines import Deadline, DeadlineReminder
from storage.uow import SessionFactory, UnitOfWork
from tests.support.clock import SHANGHAI
from tests.support.people import ADMIN


async def another_reminder_run(database_url: str) -> None:
    """One more run of the reminder job, as the scheduler makes every second."""
    engine = create_engine(database_url)
    try:
        config = CoreConfig(frozenset({ADMIN.id}), SHANGHAI)
        runtime = Runtime(session_factory(engine), SystemClock(SHANGHAI), config, Services())
        await run_reminders(runtime)
    finally:
        await engine.dispose()


async def due_soon(
    sessions: SessionFactory, deadlines: int, within: timedelta, now: datetime | None = None
) -> None:
    """``deadlines`` deadlines for every group, each with one reminder falling due in turn over
    the next ``within`` after ``now`` (so both processes' jobs find reminders due)."""
    now = now or datetime.now(SHANGHAI)
    async with UnitOfWork(sessions) as uow:
        groups = list(await uow.groups.all())
        for number in range(deadlines):
            due = now + timedelta(days=1)
            row = Deadline(
                what=f"事项{number}", due_at=due, leads=[3600], targets_label="全部",
                created_by=ADMIN.id, created_by_name="admin", created_at=now, cancelled=False,
            )  # fmt: skip
            fire = now + within * (number + 1) / deadlines
            rows = [
                DeadlineReminder(
                    group_id=g.id, due_at=due, lead=3600, fire_at=fire, state="pending"
                )
                for g in groups
            ]
            await uow.deadlines.add(row, [g.id for g in groups], rows)
        await uow.commit()
