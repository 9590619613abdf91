"""Collection rounds, the pure part: reading a schedule such as ``每周五 17:00 截止 周一 12:00``
with the shared deadline parser (``handlers.shared.when``), and planning one round's moments.

- The start is a repeat the deadline parser understands (每天 / 每周五 / 每月5日 / 每月底, a
  time of day); the close is a one-off time read from the round's start (周一 12:00 is the
  Monday after that Friday). The window must be at least an hour and shorter than the repeat.
- Days off (China's calendar with 调休, ``handlers.shared.workdays``): a start on a day off moves
  to the next working day at the same time, and the close keeps its distance from the start;
  a close on a day off moves to the next working day at the same time.
- Nudges: at one third and two thirds of the waking working time in the window (08:00–22:00
  on working days), so they skip nights and days off; none in a window with less than an
  hour of it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from handlers.shared.when import Recurrence, Unclear, next_occurrence, parse_deadline
from handlers.shared.workdays import MORNING, NIGHT, is_workday, next_workday

COLLECT_USAGE = (
    "/collect [市州] 每周五 17:00 截止 周一 12:00 — 设置本市州的定期进展征集；"
    "/collect 查看当前设置；/collect 取消 停止征集。\n"
    "开始时间可以是 每天 / 每周五 / 每月5日 / 每月底 加时刻，截止时间从开始算起"
    "（周一 12:00、明天 18:00、3天后）。\n例如：/collect 每周五 17:00 截止 周一 12:00"
)
_SPLIT = re.compile(r"\s*(?:截止|截至)(?:时间)?\s*[:：]?\s*")
MIN_WINDOW = timedelta(hours=1)
MIN_WAKING_MINUTES = 60  # a window with less waking working time than this gets no nudge


@dataclass(frozen=True)
class Schedule:
    rule: Recurrence
    start_phrase: str  # as understood: 每周五 17:00
    close_phrase: str  # as written: 周一 12:00


@dataclass(frozen=True)
class RoundPlan:
    starts_at: datetime
    closes_at: datetime
    nudges: tuple[datetime, ...]
    moved_from: datetime | None  # the start as scheduled, when it fell on a day off


def rule_data(rule: Recurrence) -> dict[str, Any]:
    until = rule.until.isoformat() if rule.until else None
    return asdict(rule) | {"at": rule.at.isoformat("minutes"), "until": until}


def rule_of(data: dict[str, Any]) -> Recurrence:
    until = data.get("until")
    return Recurrence(
        kind=data["kind"],
        day=data.get("day"),
        at=time.fromisoformat(data["at"]),
        until=date.fromisoformat(until) if until else None,
    )


def _repeat_length(rule: Recurrence) -> timedelta:
    return timedelta(days={"daily": 1, "weekly": 7}.get(rule.kind, 28))


def close_after(close_phrase: str, start: datetime) -> datetime | str:
    """The close a phrase names, read from the round's ``start``; or why it cannot be."""
    close = parse_deadline(close_phrase, start)
    if isinstance(close, Unclear):
        return f"截止时间看不懂：{close.reason}"
    if close.recurrence is not None:
        return "截止时间请写开始后的某个时间（例如 周一 12:00），不要写重复。"
    if close.what:
        return f"截止时间里“{close.what}”看不懂。"
    return close.at


def read_schedule(text: str, now: datetime) -> Schedule | str:
    """``每周五 17:00 截止 周一 12:00`` → a schedule; or a short Chinese reason."""
    parts = _SPLIT.split(text.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        return "请写开始时间和截止时间，中间用“截止”隔开。"
    start = parse_deadline(parts[0], now)
    if isinstance(start, Unclear):
        return f"开始时间看不懂：{start.reason}"
    if start.recurrence is None:
        return "开始时间要重复：每天、每周五、每月5日或每月底，再加时刻，例如 每周五 17:00。"
    if start.what:
        return f"开始时间里“{start.what}”看不懂。"
    close_phrase = parts[1].strip()
    close = close_after(close_phrase, start.at)
    if isinstance(close, str):
        return close
    window = close - start.at
    if window < MIN_WINDOW:
        return "截止时间要在开始之后至少 1 小时。"
    if window >= _repeat_length(start.recurrence):
        return "截止时间要在下一轮开始之前。"
    return Schedule(start.recurrence, start.phrase, close_phrase[:64])


def _on_workday(moment: datetime) -> datetime:
    """The same time on the next working day, when ``moment`` falls on a day off."""
    if is_workday(moment.date()):
        return moment
    return datetime.combine(next_workday(moment.date()), moment.timetz())


def plan_round(schedule: Schedule, after: datetime) -> RoundPlan | None:
    """The first round starting after ``after`` (in its zone); None when the repeat has ended."""
    nominal = after
    for _ in range(8):  # an occurrence whose close cannot be read is skipped
        found = next_occurrence(schedule.rule, nominal)
        if found is None:
            return None
        nominal = found
        close = close_after(schedule.close_phrase, nominal)
        if isinstance(close, str):
            continue
        start = _on_workday(nominal)
        closes_at = _on_workday(close + (start - nominal))
        moved = nominal if start != nominal else None
        return RoundPlan(start, closes_at, nudge_moments(start, closes_at), moved)
    return None


def _waking_spans(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end] on working days between 08:00 and 22:00."""
    spans = []
    day = start.astimezone(zone).date()
    while day <= end.astimezone(zone).date():
        if is_workday(day):
            first = max(start, datetime.combine(day, MORNING, zone))
            last = min(end, datetime.combine(day, NIGHT, zone))
            if first < last:
                spans.append((first, last))
        day += timedelta(days=1)
    return spans


def nudge_moments(start: datetime, close: datetime) -> tuple[datetime, ...]:
    """One third and two thirds into the window's waking working time."""
    zone = start.tzinfo
    assert zone is not None
    spans = _waking_spans(start, close, zone)
    total = sum((b - a for a, b in spans), timedelta())
    if total < timedelta(minutes=MIN_WAKING_MINUTES):
        return ()
    moments = []
    for share in (total / 3, total * 2 / 3):
        for first, last in spans:
            if share < last - first:
                moment = (first + share).replace(second=0, microsecond=0)
                if start < moment < close:
                    moments.append(moment)
                break
            share -= last - first
    return tuple(dict.fromkeys(moments))
