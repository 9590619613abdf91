"""The part of the settings the core and the features need (no secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CoreConfig:
    provincial_admins: frozenset[int]
    timezone: ZoneInfo
    desk_chat_id: int | None = None
    end_of_day: time = time(18, 0)  # a deadline given as a date alone means this time
    desk_hours: tuple[time, time] = (time(9, 0), time(18, 0))  # the desk's working hours
