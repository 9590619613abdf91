"""Time for the rate limiter that never sleeps for real.

``run`` moves the clock from one sleeper's wake-up time to the next once the other tasks have
had their turn, so budgets can be checked over minutes of traffic in milliseconds; ``skip``
just moves the clock on (for tests that only need the waits gone). ``FastForward`` is for a
bot running in real time whose budgets should not make it wait.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable
from typing import Any


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def skip(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)

    async def run(self, *work: Awaitable[Any]) -> list[Any]:
        """Run ``work`` to the end, waking sleepers in time order."""
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(t.done() for t in tasks):
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if not self._sleepers:
                continue
            at, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            if not future.done():
                future.set_result(None)
        return [t.result() for t in tasks]


class FastForward:
    """Time for a rate limiter in a bot that otherwise runs in real time: the clock keeps pace
    with the real one, and each wait moves it on at once instead of sleeping. What consults the
    clock without waiting (the outbox sender holding back a message due later) sees that time
    pass as it really passes."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def clock(self) -> float:
        return time.monotonic() + self.ahead

    async def skip(self, seconds: float) -> None:
        self.ahead += max(seconds, 0.0)
        await asyncio.sleep(0)
