"""China's working calendar: official holidays and 调休 make-up workdays (``chinese_calendar``),
and where a deadline reminder should go. Pure functions, no I/O.

The official arrangement is published year by year; for a year ``chinese_calendar`` does not
cover, ``is_workday`` falls back to Monday–Friday and ``calendar_covers`` tells the caller so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache

import chinese_calendar

MORNING = time(8)  # quiet hours end
NIGHT = time(22)  # quiet hours start
LATE_EVENING = time(21)  # the last decent time the evening before


@dataclass(frozen=True)
class HolidayPeriod:
    name: str  # chinese_calendar's English name, e.g. "National Day"
    first: date  # the first official day off under that name
    last: date  # the last one


@cache
def _covered_years() -> range:
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def calendar_covers(day: date) -> bool:
    """Whether the official arrangement for ``day``'s year is known."""
    return day.year in _covered_years()


def is_workday(day: date) -> bool:
    """A working day in China (调休 make-up days included); Monday–Friday when not covered."""
    if calendar_covers(day):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def working_minutes(
    start: datetime, end: datetime, zone: tzinfo, opens: time = time(9), closes: time = time(18)
) -> int:
    """Minutes of working hours (``opens``–``closes`` on workdays, in ``zone``) between two
    moments: how long a ticket has waited, as a desk counts it."""
    start, end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if is_workday(day):
            first = max(start, datetime.combine(day, opens, zone))
            last = min(end, datetime.combine(day, closes, zone))
            total += max(0.0, (last - first).total_seconds())
        day += timedelta(days=1)
    return int(total // 60)


def working_moment(
    start: datetime, minutes: int, zone: tzinfo, opens: time = time(9), closes: time = time(18)
) -> datetime:
    """The moment ``minutes`` of working hours after ``start`` (the inverse of
    ``working_minutes``): when a ticket filed at ``start`` will have waited that long."""
    start = start.astimezone(zone)
    left = timedelta(minutes=minutes)
    day = start.date()
    for _ in range(800):  # a little over two years of calendar; always enough in practice
        if is_workday(day):
            first = max(start, datetime.combine(day, opens, zone))
            last = datetime.combine(day, closes, zone)
            if first < last:
                if first + left <= last:
                    return first + left
                left -= last - first
        day += timedelta(days=1)
    return datetime.combine(day, opens, zone)


def previous_workday(day: date) -> date:
    """The nearest workday strictly before ``day``."""
    day -= timedelta(days=1)
    while not is_workday(day):
        day -= timedelta(days=1)
    return day


def next_workday(day: date) -> date:
    """The nearest workday strictly after ``day``."""
    day += timedelta(days=1)
    while not is_workday(day):
        day += timedelta(days=1)
    return day


@cache
def holiday_periods(name: str | None = None) -> tuple[HolidayPeriod, ...]:
    """The official days off named ``name`` (every holiday when None), one period per holiday
    and year, in order. Days of one holiday more than 30 days apart start a new period."""
    days = sorted((d, n) for d, n in chinese_calendar.holidays.items() if name in (None, n))
    periods: list[HolidayPeriod] = []
    latest: dict[str, int] = {}  # holiday name → index of its latest period
    for day, n in days:
        i = latest.get(n)
        if i is not None and (day - periods[i].last).days <= 30:
            periods[i] = replace(periods[i], last=day)
        else:
            latest[n] = len(periods)
            periods.append(HolidayPeriod(n, day, day))
    return tuple(periods)


def _out_of_quiet_hours(at: datetime, due: datetime, zone: tzinfo) -> datetime:
    """Rule 1: [22:00, 08:00) moves to the next 08:00, or to 21:00 the evening before it when
    that 08:00 would not be before ``due``."""
    if MORNING <= at.time() < NIGHT:
        return at
    day = at.date() + timedelta(days=int(at.time() >= NIGHT))
    morning = datetime.combine(day, MORNING, zone)
    if morning < due:
        return morning
    return datetime.combine(day - timedelta(days=1), LATE_EVENING, zone)


def reminder_time(
    fire_at: datetime, due_at: datetime, now: datetime, workdays_only: bool, zone: tzinfo
) -> datetime:
    """Where a reminder meant for ``fire_at`` goes (in ``zone``): out of quiet hours and,
    when ``workdays_only``, onto the nearest earlier workday at the same time, or else 08:00 of
    the next workday. It must fall strictly between ``now`` and ``due_at``; when nothing does,
    ``fire_at`` stays as it is."""
    fire, due, now = (d.astimezone(zone) for d in (fire_at, due_at, now))
    at = _out_of_quiet_hours(fire, due, zone)
    candidates = [at]
    if workdays_only and not is_workday(at.date()):
        candidates = [
            datetime.combine(previous_workday(at.date()), at.time(), zone),
            datetime.combine(next_workday(at.date()), MORNING, zone),
        ]
    return next((c for c in candidates if now < c < due), fire)
