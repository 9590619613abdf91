"""An outbox sender alone in its own process, on aiogram's networking (the multi-process test).

    python -m tests.support.sender_process DATABASE_URL API_BASE

Prints "ready" once set up and waits for a line on standard input (so that several start
together), delivers until no delivery is pending or sending, then prints how many messages
this process delivered.
"""

from __future__ import annotations

import asyncio
import sys
from zoneinfo import ZoneInfo

from bot.transports.aiogram_transport import AiogramMessenger, create_bot
from handlers.core.model import Delivered, Outgoing
from handlers.core.ports import SystemClock
from handlers.core.ratelimit import RateLimitedMessenger, RateLimiter
from handlers.core.sender import Sender
from storage.database import create_engine, session_factory
from storage.uow import SessionFactory, UnitOfWork
from tests.support.fake_bot_api import DEFAULT_TOKEN
from tests.support.waiting import eventually


class Counting(AiogramMessenger):
    delivered = 0

    async def perform(self, action: Outgoing) -> Delivered:
        result = await super().perform(action)
        self.delivered += 1
        return result


async def _settled(sessions: SessionFactory) -> bool:
    async with UnitOfWork(sessions) as uow:
        return not await uow.outbox.unsettled()


async def main(url: str, api_base: str) -> int:
    engine = create_engine(url)
    sessions = session_factory(engine)
    bot = create_bot(DEFAULT_TOKEN, api_base)
    counting = Counting(bot)
    messenger = RateLimitedMessenger(counting, RateLimiter())
    sender = Sender(sessions, messenger, SystemClock(ZoneInfo("Asia/Shanghai")), poll=0.2)
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    await eventually(
        lambda: _settled(sessions), "every delivery to settle", timeout=300, every=0.2
    )
    stop.set()
    await running
    await bot.session.close()
    await engine.dispose()
    return counting.delivered


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1], sys.argv[2])))
