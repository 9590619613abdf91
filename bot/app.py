"""The composition root: builds the database, the core and its services from settings.

Nothing is created at import time; transports and tests call ``build_app``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from handlers.dispatch import Core
from handlers.faq_knowledge import FaqKnowledge, IndexBuilder, sync_bundled
from handlers.notices import delivery_settled
from handlers.ports import Clock, Messenger, SystemClock
from handlers.ratelimit import RateLimitedMessenger, RateLimiter
from handlers.reminders import run_reminders
from handlers.sender import Sender
from knowledge_base.engine import Index
from knowledge_base.entries import load_bundled
from storage.database import create_engine, session_factory, upgrade
from storage.outbox import wake_on_commit
from storage.uow import SessionFactory, UnitOfWork

log = logging.getLogger(__name__)

# Scheduler jobs have fixed ids (never two of one) and carry no arguments.
REMINDER_JOB = "deadline-reminders"
REMINDER_EVERY = 1  # seconds: a reminder reaches the outbox at most about this late
FAQ_REFRESH_JOB = "faq-refresh"
FAQ_REFRESH_EVERY = 10  # seconds: FAQ edits made through another process apply here this late
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

    def sender(self, messenger: RateLimitedMessenger) -> Sender:
        """An outbox sender on ``messenger``; features hear when their deliveries settle."""
        return Sender(self.sessions, messenger, self.core.clock, {"notice": delivery_settled})

    async def remind(self) -> None:
        """The reminder job (it carries no arguments): queue the deadline reminders now due."""
        await run_reminders(self.sessions, self.core.clock)

    async def refresh_faq(self) -> None:
        """The FAQ job: pick up knowledge edited through another process."""
        try:
            await self.core.knowledge.refresh(self.sessions)
        except Exception:
            log.exception("FAQ refresh failed; the next run retries")

    def scheduler(self) -> AsyncIOScheduler:
        """APScheduler (in-memory, this process only), both jobs at start and then: due
        deadline reminders are queued every second (one indexed query when nothing is due),
        FAQ edits made through other processes are picked up every 10 s. The database is the
        source of truth, so a run that is late or missed is simply made up by the next; none
        is dropped (no misfire grace limit, coalesced)."""
        scheduler = AsyncIOScheduler(timezone=self.settings.timezone)
        jobs = (
            (self.remind, REMINDER_JOB, REMINDER_EVERY),
            (self.refresh_faq, FAQ_REFRESH_JOB, FAQ_REFRESH_EVERY),
        )
        for job, ident, seconds in jobs:
            scheduler.add_job(
                self._tracked(job),
                "interval",
                seconds=seconds,
                id=ident,
                name=ident,
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
    settings: Settings, clock: Clock | None = None, index_builder: IndexBuilder = Index.build
) -> App:
    """Migrate the database, sync and index the FAQ knowledge, and assemble the core.

    jieba and the FAQ index load here, once, not on the first message."""
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    clock = clock or SystemClock(ZoneInfo(settings.timezone))
    sessions = session_factory(engine)
    knowledge = FaqKnowledge(index_builder)
    async with UnitOfWork(sessions) as uow:
        await sync_bundled(uow, load_bundled(), clock.now())
        await uow.commit()
        await knowledge.reload(uow)
    core = Core(sessions, settings.core_config(), clock, knowledge=knowledge)
    return App(settings, engine, sessions, core)
