"""The composition root: builds the database, the core and its services from settings.

Nothing is created at import time; transports and tests call ``build_app``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.features import FEATURES
from bot.settings import Settings
from handlers.core.context import Services
from handlers.core.dispatch import Core
from handlers.core.feature import Feature, Job, Runtime
from handlers.core.ports import Clock, Messenger, SystemClock
from handlers.core.ratelimit import RateLimitedMessenger, RateLimiter
from handlers.core.sender import Sender
from storage.database import create_engine, session_factory, upgrade
from storage.outbox import wake_on_commit
from storage.uow import SessionFactory

log = logging.getLogger(__name__)

# At shutdown, a job run in progress may finish within this many seconds before it is cancelled.
JOB_SETTLE_SECONDS = 10


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    core: Core
    limiter: RateLimiter = field(default_factory=RateLimiter)  # one set of budgets per process
    # Scheduler job runs in progress (APScheduler cancels them at shutdown; we let them finish).
    job_runs: set[asyncio.Task[object]] = field(default_factory=set)

    async def close(self) -> None:
        await self.engine.dispose()

    @property
    def runtime(self) -> Runtime:
        core = self.core
        return Runtime(self.sessions, core.clock, core.config, core.services)

    def sender(self, messenger: RateLimitedMessenger) -> Sender:
        """An outbox sender on ``messenger``; features hear when their deliveries settle."""
        return Sender(self.sessions, messenger, self.core.clock, self.core.features.settled)

    async def run_job(self, job: Job) -> None:
        """One run of a feature's scheduled job."""
        await job.run(self.runtime)

    async def run_jobs(self) -> None:
        """Run every scheduled job once, now (the scripted demo, after each line)."""
        for job in self.core.features.jobs:
            await self.run_job(job)

    async def next_due(self) -> datetime | None:
        """The earliest moment one of the jobs will have work, of those that can tell (a clock
        that jumps, the demo's /wait, stops at each)."""
        moments = [
            await job.next_due(self.runtime) for job in self.core.features.jobs if job.next_due
        ]
        return min((moment for moment in moments if moment is not None), default=None)

    def scheduler(self) -> AsyncIOScheduler:
        """APScheduler (in-memory, this process only) with every feature's jobs, each run at
        start and then every period (the deadline reminders every second, the FAQ refresh
        every 10 s). The database is the source of truth, so a run that is late or missed is
        simply made up by the next; none is dropped (no misfire grace limit, coalesced)."""
        scheduler = AsyncIOScheduler(timezone=self.settings.timezone)
        for job in self.core.features.jobs:
            scheduler.add_job(
                self._tracked(partial(self.run_job, job)),
                "interval",
                seconds=job.every_seconds,
                id=job.id,
                name=job.id,
                next_run_time=datetime.now(UTC),
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
                replace_existing=True,
            )
        return scheduler

    def _tracked(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """The job, with each run known to ``job_runs`` while it lasts."""

        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self.job_runs.add(task)
            try:
                await job()
            finally:
                self.job_runs.discard(task)

        return run

    async def _stop(self, scheduler: AsyncIOScheduler) -> None:
        """Stop starting job runs, let the ones in progress finish (a reminder run half-way
        through its transaction would otherwise be cancelled and logged as an error), stop."""
        scheduler.pause()
        if self.job_runs:
            await asyncio.wait(set(self.job_runs), timeout=JOB_SETTLE_SECONDS)
        scheduler.shutdown(wait=False)

    @asynccontextmanager
    async def delivering(self, messenger: Messenger) -> AsyncIterator[RateLimitedMessenger]:
        """The framework's messenger within the rate budgets, for direct replies; the outbox
        sender runs on it until the block ends (then finishes what is on its way)."""
        limited = RateLimitedMessenger(messenger, self.limiter)
        sender = self.sender(limited)
        wake_on_commit(self.sessions, sender.wake)
        stop = asyncio.Event()
        running = asyncio.create_task(sender.run(stop))
        scheduler = self.scheduler()
        scheduler.start()
        try:
            yield limited
        finally:
            await self._stop(scheduler)
            stop.set()
            await running


async def build_app(
    settings: Settings,
    clock: Clock | None = None,
    services: Services | None = None,
    features: Sequence[Feature] = FEATURES,
) -> App:
    """Migrate the database, assemble the core and start its features (the FAQ syncs its
    knowledge here and indexes it as the bot begins taking updates, or for the first message
    that needs it)."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        clock = clock or SystemClock(ZoneInfo(settings.timezone))
        sessions = session_factory(engine)
        core = Core(sessions, settings.core_config(), clock, features, services)
        app = App(settings, engine, sessions, core)
        for feature in core.features.all:
            if feature.on_start is not None:
                await feature.on_start(app.runtime)
    except BaseException:
        await engine.dispose()
        raise
    return app
