"""Run the bot on the configured framework until SIGINT/SIGTERM (or ``stop`` is set)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from contextlib import suppress

from bot.app import build_app
from bot.settings import Settings, proxy_display
from storage.database import display_url

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    stop = stop or _stop_on_signals()
    app = await build_app(settings)
    proxy = settings.proxy()
    log.info(
        "starting on %s, database %s, Telegram at %s%s",
        settings.framework,
        display_url(settings.database_url),
        settings.telegram_api_base,
        f" through the proxy {proxy_display(proxy)}" if proxy else "",
    )
    try:
        if settings.framework == "ptb":
            from bot.transports import ptb_transport as transport
        else:
            from bot.transports import aiogram_transport as transport  # type: ignore[no-redef]
        _freeze_start_up()
        await transport.run_polling(
            app.core, settings.token(), settings.telegram_api_base, stop, app.delivering, proxy
        )
    finally:
        await app.close()
        log.info("stopped")


def _freeze_start_up() -> None:
    """What start-up built (the framework, the FAQ index, the dictionaries) lives as long as
    the process: keep it out of the garbage collector's full passes, which otherwise stop the
    event loop for up to a second under load."""
    gc.collect()
    gc.freeze()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
