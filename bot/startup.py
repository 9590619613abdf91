"""Reaching Telegram at start: retried with backoff while it cannot be reached (a network down,
a proxy not up yet), one log line per failed attempt; a token Telegram refuses stops the
process with one line naming BOT_TOKEN (retrying would not help)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

from bot.settings import SettingsError

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0  # seconds before the second attempt; doubled after each failure
MAX_DELAY = 60.0

# How to read a framework's error: the seconds Telegram asked to wait (0.0: none asked) when
# trying again may help (network, 5xx, 429), None when it would not (a bug, a bad request).
Transient = Callable[[BaseException], float | None]
Refused = Callable[[BaseException], bool]


async def until_reached(
    step: Callable[[], Awaitable[None]],
    *,
    where: str,
    transient: Transient,
    refused: Refused,
    stop: asyncio.Event,
) -> bool:
    """Run ``step`` until it succeeds (True) or ``stop`` is set while waiting (False)."""
    delay = FIRST_DELAY
    for attempt in itertools.count(1):
        try:
            await step()
        except Exception as error:
            if refused(error):
                raise SettingsError(
                    f"BOT_TOKEN: Telegram at {where} refused it ({type(error).__name__}): "
                    "check the token from @BotFather"
                ) from None
            asked = transient(error)
            if asked is None:
                raise
            wait = max(delay, asked)
            log.warning(
                "Telegram not reachable at %s (attempt %d: %s); retrying in %.0f s",
                where, attempt, describe(error), wait,
            )  # fmt: skip
        else:
            if attempt > 1:
                log.info("Telegram reached at %s (attempt %d)", where, attempt)
            return True
        if await _stopped_within(stop, wait):
            return False
        delay = min(delay * 2, MAX_DELAY)
    raise AssertionError("unreachable")


def describe(error: BaseException) -> str:
    """The error on one short line: its type and first words."""
    words = " ".join(str(error).split())
    return f"{type(error).__name__}: {words[:200]}" if words else type(error).__name__


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
