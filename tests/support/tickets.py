"""For the tickets' end-to-end tests: time that runs fast and can be moved by hand, the groups
bound to their regions before the bot starts, and one more run of the tickets' timers."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from bot.settings import Settings
from handlers.core.context import Services
from handlers.core.feature import Runtime
from handlers.tickets.timers import run_timers
from storage.database import create_engine, session_factory, upgrade
from storage.uow import UnitOfWork
from tests.support.clock import SHANGHAI


class FastTime:
    """One time for the bot under test, its rate budgets and the fake server's flood limits:
    it runs ``scale`` times faster than the wall clock (a desk's minute of budget passes in a
    second), and ``advance`` moves it on by hand (an hour of working time at once)."""

    def __init__(self, start: datetime, scale: float = 20.0) -> None:
        self.scale = scale
        self._start = start
        self._offset = timedelta()
        self._t0 = time.monotonic()

    def monotonic(self) -> float:
        """Seconds of this time since it was made (for the rate limiter and the server)."""
        return (time.monotonic() - self._t0) * self.scale + self._offset.total_seconds()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0) / self.scale)

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def advance(self, **delta: float) -> None:
        self._offset += timedelta(**delta)


def monday(hour: int, minute: int = 0) -> datetime:
    """Monday 1 June 2026, a working day, at ``hour``:``minute`` in Shanghai."""
    return datetime(2026, 6, 1, hour, minute, tzinfo=SHANGHAI)


async def bind_groups(database_url: str, groups: dict[int, tuple[str, str]]) -> None:
    """Groups the bot is in (chat id → title, region), bound before it starts."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with UnitOfWork(session_factory(engine)) as uow:
            regions = {r.name: r for r in await uow.regions.all()}
            for chat_id, (title, region) in groups.items():
                group = await uow.groups.ensure(chat_id, title, monday(8))
                group.region_id = regions[region].id
            await uow.commit()
    finally:
        await engine.dispose()


async def run_ticket_timers(settings: Settings, clock: FastTime) -> None:
    """One more run of the tickets' timers job on ``clock``, as the scheduler makes every
    minute (the pings and the digest it queues go out through the running bot's sender)."""
    engine = create_engine(settings.database_url)
    try:
        runtime = Runtime(session_factory(engine), clock, settings.core_config(), Services())
        await run_timers(runtime)
    finally:
        await engine.dispose()
