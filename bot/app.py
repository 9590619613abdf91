"""The composition root: builds the database, the core and its services from settings.

Nothing is created at import time; transports and tests call ``build_app``.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from handlers.dispatch import Core
from handlers.ports import Clock, SystemClock
from storage.database import create_engine, session_factory, upgrade
from storage.uow import SessionFactory


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    core: Core

    async def close(self) -> None:
        await self.engine.dispose()


async def build_app(settings: Settings, clock: Clock | None = None) -> App:
    """Migrate the database and assemble the core."""
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    clock = clock or SystemClock(ZoneInfo(settings.timezone))
    sessions = session_factory(engine)
    core = Core(sessions, settings.core_config(), clock)
    return App(settings, engine, sessions, core)
