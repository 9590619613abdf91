"""Run the real bot (aiogram or PTB networking stack) against the fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.runner import run_bot
from bot.settings import Settings
from tests.support.fake_bot_api import Call, FakeBotAPI

SENDS = ("sendMessage", "sendDocument", "sendPhoto", "copyMessage")


@asynccontextmanager
async def running_bot(settings: Settings, api: FakeBotAPI, framework: str) -> AsyncIterator[None]:
    """Start ``shanlin run``'s coroutine on ``framework`` and stop it cleanly afterwards."""
    configured = settings.model_copy(update={"framework": framework, "telegram_api_base": api.url})
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(configured, stop))
    try:
        # started = its three command menus are registered (polling starts right after;
        # updates pushed meanwhile wait in the server's queue, as on Telegram)
        await api.wait_for("setMyCommands", count=3, timeout=60)  # a loaded machine is slow
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def replies_after(
    api: FakeBotAPI, before: int, count: int, settle: float = 0.3
) -> list[Call]:
    """Wait for ``count`` messages beyond the first ``before``; then make sure no more come."""
    await api.wait_for(lambda c: c.method in SENDS, count=before + count, timeout=10)
    await asyncio.sleep(settle)
    return api.sent_messages()[before:]
