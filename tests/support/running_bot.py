"""Run the real bot (aiogram or PTB networking stack) against the fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from unittest import mock

from bot import runner
from bot.app import App, build_app
from bot.runner import run_bot
from bot.settings import Settings
from bot.transports.translate import to_incoming
from handlers.core.model import Incoming
from handlers.core.ports import Clock
from handlers.core.ratelimit import RateLimiter
from handlers.core.replies import ChatQueues
from tests.support.fake_bot_api import Call, FakeBotAPI
from tests.support.indexes import app_services
from tests.support.virtual_time import FastForward
from tests.support.waiting import eventually, until_outbox_settled

SENDS = ("sendMessage", "sendDocument", "sendPhoto", "copyMessage")


class _Handled:
    """How many updates the core of a bot running in this process has finished with, and the
    queues its direct replies wait in (the transports hand them over after the commit)."""

    def __init__(self) -> None:
        self.count = 0
        self.queues: set[ChatQueues] = set()

    @property
    def replies_waiting(self) -> int:
        return sum(queue.pending for queue in self.queues)


_RUNNING: dict[FakeBotAPI, tuple[_Handled, Settings]] = {}


@asynccontextmanager
async def running_bot(
    settings: Settings,
    api: FakeBotAPI,
    framework: str,
    *,
    clock: Clock | None = None,
    limiter: RateLimiter | None = None,
    fast_budgets: bool = False,
) -> AsyncIterator[None]:
    """Start ``shanlin run``'s coroutine on ``framework`` and stop it cleanly afterwards;
    on ``clock`` (the tests move it) and ``limiter`` (budgets on faster time) when given.

    With ``fast_budgets`` its rate budgets (one message a second per chat, …) keep their order
    and spacing on a clock that moves on instead of sleeping (``FastForward``): for the tests
    whose subject is not the budgets and that would otherwise wait seconds for them."""
    configured = settings.model_copy(update={"framework": framework, "telegram_api_base": api.url})
    handled = _Handled()
    handle = ChatQueues.handle

    async def counted(queues: ChatQueues, update: Incoming) -> None:
        handled.queues.add(queues)
        try:
            await handle(queues, update)
        finally:
            handled.count += 1

    async def build(settings: Settings) -> App:  # the tests' shared FAQ indexes
        app = await build_app(settings, clock, services=app_services())
        if limiter is not None:
            app.limiter = limiter
        elif fast_budgets:
            time = FastForward()
            app.limiter = RateLimiter(time.clock, time.skip)
        return app

    menus = len(api.calls_to("setMyCommands", ok=True))  # a bot that ran before set some
    stop = asyncio.Event()
    with (
        mock.patch.object(ChatQueues, "handle", counted),
        mock.patch.object(runner, "build_app", build),
    ):
        task = asyncio.create_task(run_bot(configured, stop))
        _RUNNING[api] = (handled, configured)
        try:
            # started = its three command menus are registered (polling starts right after;
            # updates pushed meanwhile wait in the server's queue, as on Telegram)
            await api.wait_for("setMyCommands", count=menus + 3, timeout=60)
            yield
        finally:
            del _RUNNING[api]
            stop.set()
            await asyncio.wait_for(task, timeout=60)


def _for_the_core(api: FakeBotAPI) -> int:
    """How many of the updates the bot fetched reach its core (others it ignores on arrival)."""
    fetched = [u for c in api.calls if c.ok and c.method == "getUpdates" for u in c.result]
    return sum(1 for update in fetched if to_incoming(update) is not None)


async def idle(api: FakeBotAPI) -> None:
    """Wait until the bot running on ``api`` has nothing left to do: every update pushed is
    fetched and confirmed, its core has finished with each (direct replies sent), and every
    delivery queued in its database has settled. Whatever it was going to send has arrived."""
    handled, settings = _RUNNING[api]
    await eventually(
        lambda: (
            not api.pending_updates
            and handled.count >= _for_the_core(api)
            and not handled.replies_waiting
        ),
        "the bot to fetch and handle every update and send its replies",
    )
    await until_outbox_settled(settings.database_url)
    assert handled.count == _for_the_core(api), "an update was handled twice"


async def replies_after(api: FakeBotAPI, before: int, count: int) -> list[Call]:
    """Wait for ``count`` messages beyond the first ``before``; then make sure no more come."""
    await api.wait_for(lambda c: c.method in SENDS, count=before + count, timeout=60)
    await idle(api)
    return api.sent_messages()[before:]
