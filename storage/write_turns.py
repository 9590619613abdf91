"""On SQLite, the write transactions of one process take turns, in the order they asked.

SQLite has one write lock per database file, and a connection waiting for it polls with
growing sleeps (up to 100 ms apart): one that has waited a while loses the lock, again and
again, to transactions that asked after it. Under a burst of updates the deadline reminder run
waited over a second that way. Within a process, units of work that may write queue here
first, first come first served, and meet SQLite's own wait only against other processes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker

# As long as SQLite's busy timeout: a turn never comes this late unless something is wrong
# (the unit of work fails as "database is locked" would, and the core re-runs it).
TURN_TIMEOUT_S = 5.0

_TURNS: weakref.WeakKeyDictionary[Any, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _turns(sessions: async_sessionmaker[Any]) -> asyncio.Lock | None:
    """The queue of the sessions' SQLite database in this event loop (None: not SQLite)."""
    engine = sessions.kw.get("bind")
    if engine is None or engine.dialect.name != "sqlite":
        return None
    loop = asyncio.get_running_loop()
    found = _TURNS.get(engine.sync_engine)
    if found is None or found[0] is not loop:
        found = (loop, asyncio.Lock())
        _TURNS[engine.sync_engine] = found
    return found[1]


async def wait_for_turn(sessions: async_sessionmaker[Any]) -> asyncio.Lock | None:
    """Wait for this process's turn to write to the sessions' SQLite database; the held lock
    (release it when the transaction ends), or None where there are no turns to take."""
    turns = _turns(sessions)
    if turns is None:
        return None
    try:
        await asyncio.wait_for(turns.acquire(), TURN_TIMEOUT_S)
    except TimeoutError:
        locked = sqlite3.OperationalError("database is locked (waited for this process's turn)")
        raise OperationalError("BEGIN IMMEDIATE", None, locked) from None
    return turns
