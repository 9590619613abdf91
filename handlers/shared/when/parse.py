"""Reading a deadline phrase: ``parse_deadline``, ``next_occurrence``, ``is_far``,
``reminder_offsets``."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Literal

from handlers.shared.dates import format_when
from handlers.shared.when.phrases import (
    _AFTER,
    _CLOCK,
    _EVENING,
    _FAMILIES,
    _GIBBERISH,
    _PERIOD_DEFAULT,
    _PREFIX,
    _RECUR,
    _SUFFIX,
    _UNSUPPORTED_RECUR,
    _UNTIL,
    _VAGUE,
    _WIDE,
    EXAMPLES,
    NUM,
    Deadline,
    Recurrence,
    Resolved,
    Unclear,
    _dated,
    _Day,
    _last_day,
    _num,
    _weekday_index,
)
from knowledge_base.normalize import to_simplified


def _clock(
    m: re.Match[str], period: str | None, end_of_day: time
) -> tuple[time, int, bool] | Unclear:
    """(time of day, days to add, date_only) from a clock match; 24点 is the next day's 0:00."""
    groups = m.groupdict()
    if groups["off"]:
        return end_of_day, 0, True
    if groups.get("po"):
        return _PERIOD_DEFAULT.get(groups["po"], end_of_day), 0, False
    hour, p = _num(m["h"]), m["p"] or period
    minute = (
        30 if m["half"] else 15 if m["q"] == "一" else 45 if m["q"] else _num(m["mc"] or m["mm"])
    )
    if hour is None or hour > 24 or (minute or 0) > 59:
        return Unclear(f"“{m.group().strip()}”不是有效的时间。{EXAMPLES}")
    if p in _EVENING or p == "下午":
        hour += 12 if hour < 12 or (hour == 12 and p != "下午") else 0
    elif (p == "中午" and hour < 6) or (p is None and not m["mm"] and 1 <= hour <= 6):
        hour += 12
    elif p == "凌晨" and hour == 12:
        hour = 0
    return time(hour % 24, minute or 0), hour // 24, False


def _find_date(text: str, now: datetime) -> tuple[re.Match[str], Resolved] | None:
    """The earliest (then longest) date phrase; weak patterns only when nothing else matches."""
    found = [
        (weak, m.start(), -len(m.group()), i, m)
        for i, (pattern, _, weak) in enumerate(_FAMILIES)
        if (m := pattern.search(text))
    ]
    if not found:
        return None
    *_, i, m = min(found)
    return m, _FAMILIES[i][1](m, now)


def _at(day: date, t: time, now: datetime, extra: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=extra), t, tzinfo=now.tzinfo)


def _rest(text: str, spans: list[tuple[int, int]]) -> str:
    """The text outside the spans, with fillers such as 截止时间： and 前 around them removed."""
    parts, pos = [], 0
    simple = to_simplified(text)  # the same length: parse_deadline made sure
    for start, end in sorted(spans):
        if p := _PREFIX.search(simple, pos, start):
            start = p.start()
        if s := _SUFFIX.match(simple, end):
            end = s.end()
        parts.append(text[pos:start])
        pos = end
    parts.append(text[pos:])
    rest = ""
    for part in (" ".join(p.split()) for p in parts):
        gap = "" if not rest or not part or rest[-1] in "，,、；;：:（(" else " "
        rest += gap + part
    return rest.strip(" ，,。.：:；;、")


def parse_deadline(text: str, now: datetime, end_of_day: time = time(18, 0)) -> Deadline | Unclear:
    """The deadline in a message such as ``6月30日18:00 项目入场报名截止`` (rules: see above).
    Traditional characters are read as simplified ones (下週五, 三點); the item keeps them."""
    simple = to_simplified(text)
    if len(simple) != len(text):  # a conversion that changed the length: keep it whole
        text = simple
    norm = simple.translate(_WIDE)
    if not norm.strip():
        return Unclear(f"没有找到时间。{EXAMPLES}")
    if g := _GIBBERISH.search(norm):
        return Unclear(f"“{g.group()}”看不懂，请写具体日期。{EXAMPLES}")
    if unsupported := _UNSUPPORTED_RECUR.search(norm):
        return Unclear(
            f"暂不支持“{unsupported.group()}”这样的重复。可以重复的有：每天、每周五、每月5日、"
            "每月底（可加“到12月底”）；其他的请设为一次性截止，到期后再设下一次。"
        )
    r = _RECUR.search(norm)  # 每天 without a time yields to a date: 6月30日前完成每日一报
    if r and (not r["daily"] or _AFTER.match(norm, r.end()) or not _dated_apart(norm, r, now)):
        return _recurring(text, norm, r, now, end_of_day)
    if found := _find_date(norm, now):
        return _dated_deadline(text, norm, *found, now, end_of_day)
    if c := _CLOCK.search(norm):
        clock = _clock(c, None, end_of_day)
        if isinstance(clock, Unclear):
            return clock
        at = _at(now.date(), clock[0], now, clock[1])
        phrase = text[c.start() : c.end()]
        if at <= now:
            when = format_when(at + timedelta(days=1), now)
            return Unclear(f"今天的“{phrase}”已经过了，是指{when}吗？", at + timedelta(days=1))
        return Deadline(at, _rest(text, [c.span()]), phrase, clock[2])
    if v := _VAGUE.search(norm):
        return Unclear(f"“{v.group()}”是哪一天？请写具体日期。{EXAMPLES}")
    return Unclear(f"没有找到时间。{EXAMPLES}")


def _dated_apart(norm: str, r: re.Match[str], now: datetime) -> bool:
    """Whether the text has a date of its own besides the repeat's end (每天 日报 到年底 has
    none: 年底 ends the repeat)."""
    found = _find_date(norm, now)
    if found is None:
        return False
    until = _UNTIL.search(norm, r.end())
    return until is None or not until.start() <= found[0].start() < until.end()


def _dated_deadline(
    text: str, norm: str, m: re.Match[str], day: Resolved, now: datetime, end_of_day: time
) -> Deadline | Unclear:
    """A date phrase, the time of day right after it, and the past rules."""
    if isinstance(day, Unclear):
        return day
    start, end = m.span()
    if isinstance(day, datetime):
        at, date_only = day, False
    else:
        c = _AFTER.match(norm, end)
        if c:
            clock = _clock(c, day.period, end_of_day)
            if isinstance(clock, Unclear):
                return clock
            t, extra, date_only = clock
            end = c.end()
        else:
            t, extra = _PERIOD_DEFAULT.get(day.period or "", end_of_day), 0
            date_only = day.period is None
        at = _at(day.day, t, now, extra)
        if at <= now and day.roll:
            rolled = day.roll(day.day)
            if isinstance(rolled, Unclear):
                return rolled
            at = _at(rolled, t, now, extra)
        if day.ask:
            return Unclear(f"{day.ask}（理解为{format_when(at, now)}）", at)
    phrase = text[start:end].strip()
    if at <= now:
        return Unclear(f"“{phrase}”已经过去了（{format_when(at, now)}），请确认时间。", at)
    note = day.note if isinstance(day, _Day) else None
    return Deadline(at, _rest(text, [(start, end)]), phrase, date_only, note=note)


def _recurring(
    text: str, norm: str, r: re.Match[str], now: datetime, end_of_day: time
) -> Deadline | Unclear:
    """每天 / 每周五 / 每月5日 / 每月底, an optional time right after, an optional end date."""
    kind: Literal["daily", "weekly", "monthly"]
    spans, end = [r.span()], r.end()
    if r["daily"]:
        kind, day = "daily", None
    elif r["wd"]:
        kind, day = "weekly", _weekday_index(r["wd"])
    else:
        kind, day = "monthly", -1 if r["me"] else _num(r["md"])
        if day is None or not (day == -1 or 1 <= day <= 31):
            return Unclear(f"“{r.group()}”不是有效的日期。{EXAMPLES}")
    t, date_only = end_of_day, True
    if c := _AFTER.match(norm, end):
        clock = _clock(c, None, end_of_day)
        if isinstance(clock, Unclear):
            return clock
        t, date_only = clock[0], clock[2]
        spans = [(r.start(), c.end())]
    until = None
    if u := _UNTIL.search(norm, spans[0][1]):
        last = _until(u, now)
        if isinstance(last, Unclear):
            return last
        until = last
        spans.append(u.span())
    rec = Recurrence(kind, day, t, until)
    first = next_occurrence(rec, now)
    if first is None:
        last_day = f"{until.year}年{until.month}月{until.day}日" if until else ""
        if until is not None and until < now.date():
            return Unclear(f"结束日期{last_day}已经过去了，请检查结束日期。")
        return Unclear(f"到结束日期{last_day}为止一次也没有，请检查结束日期。")
    phrase = " ".join(text[a:b].strip() for a, b in spans)
    return Deadline(first, _rest(text, spans), phrase, date_only, rec)


_RELATIVE_YEARS = {"今年": 0, "明年": 1, "去年": -1, "前年": -2}


def _until(u: re.Match[str], now: datetime) -> date | Unclear:
    """到12月底, 至2025年12月 (its last day), 截止到2025年12月31日, 到年底, 到明年3月, 到去年."""
    year = _num(u["y"]) if u["y"] else None
    if u["ry"]:
        year = now.year + _RELATIVE_YEARS[u["ry"]]
    if u["ye"] or (u["m"] is None and year is not None):
        return date(year or now.year, 12, 31)
    day = _num(u["d"]) if u["d"] else -1
    resolved = _dated(year, _num(u["m"]), day, now, u.group())
    if isinstance(resolved, Unclear):
        return resolved
    return resolved.day if isinstance(resolved, _Day) else resolved.date()


def next_occurrence(rec: Recurrence, after: datetime) -> datetime | None:
    """The first occurrence strictly after ``after`` (in its zone), or None past ``until``."""
    day = after.date()
    for _ in range(64):
        last = _last_day(day.year, day.month)
        if (
            rec.kind == "daily"
            or (rec.kind == "weekly" and day.weekday() == rec.day)
            or (
                rec.kind == "monthly"
                and day.day == (last if rec.day == -1 else min(rec.day or 1, last))
            )
        ):
            if rec.until and day > rec.until:
                return None
            at = _at(day, rec.at, after)
            if at > after:
                return at
        day += timedelta(days=1)
    return None


def is_far(deadline: Deadline, now: datetime) -> bool:
    """More than two years ahead: the caller should ask to confirm."""
    limit = now.replace(year=now.year + 2, day=min(now.day, 28) if now.month == 2 else now.day)
    return deadline.at > limit


_OFFSET = re.compile(rf"(?P<n>{NUM}|\d+)\s*个?\s*(?P<unit>天|日|周|星期|礼拜|小时|钟头|分钟|分)")


def reminder_offsets(text: str) -> list[timedelta] | Unclear:
    """``提前 3天,1天,2小时`` / ``提前3天、1天和2小时`` / ``提前一周``, longest first."""
    body = re.sub(r"^\s*提前\s*[:：]?\s*|\s*提醒\s*$", "", text.translate(_WIDE))
    items = [p for p in re.split(r"[,，、;；和及与\s]+", body) if p]
    unit_of = {"天": 1440, "日": 1440, "周": 10080, "星期": 10080, "礼拜": 10080}
    offsets: set[timedelta] = set()
    for item in items:
        m = _OFFSET.fullmatch(item)
        n = _num(m["n"]) if m else None
        if m is None or not n:
            return Unclear(f"“{item}”看不懂。例如：提前 3天,1天,2小时")
        minutes = unit_of.get(m["unit"], 60 if m["unit"] in ("小时", "钟头") else 1)
        offsets.add(timedelta(minutes=n * minutes))
    if not offsets:
        return Unclear("没有写提前多久。例如：提前 3天,1天,2小时")
    return sorted(offsets, reverse=True)
