"""Chinese deadline phrases → times: ``parse_deadline``, ``next_occurrence``, ``reminder_offsets``,
``format_when``, ``time_left`` and ``is_far``. Pure functions: ``now`` (aware) is always passed in
and every result is in its zone (Asia/Shanghai for the bot).

How phrases are understood:

* A date without a time of day means the end of that working day (``end_of_day``, 18:00) and
  ``date_only`` is true; 下班前 means the same. A period without an hour: 早上 09:00, 上午 and
  中午 12:00, 下午 ``end_of_day``, 晚上 / 今晚 / 明晚 20:00.
* Hours: 下午/晚上 add 12 (晚上12点 is the next day's 0:00); 中午1点 is 13:00; an hour 1–6 written
  with 点 and no period is in the afternoon (两点 = 14:00, 周五5点 = 17:00); 18:30 is taken as is.
* Weekdays: 周五 / 星期五 / 礼拜五 is the coming Friday: today when its time is still ahead,
  otherwise next week. 本周五 / 这周五 is the Friday of this Monday–Sunday week, 下周五 of next
  week, 下下周五 of the week after. 20号 is the coming 20th; 月初 the coming 1st.
* 月底 / 月末 is the last day of this month, 下月底 of next month, 12月底 of December; 年底 is
  31 December; 下月初 the 1st of next month; N天后 / N周后 / N个月后 count from today, N小时后 and
  N分钟后 from now.
* Past: a time already past that names its year, day or week (2025年6月30日, 今天中午, 昨天,
  本周五, 月底) gives ``Unclear`` with ``understood`` = that time. A month and day without a
  year that is earlier than today moves to next year silently when it is more than 60 days ago
  (1月5日 written in December); within 60 days it is probably a slip, so ``Unclear`` asks, with
  ``understood`` = next year. A bare clock time (18:00) already past today asks too, with
  ``understood`` = tomorrow.
* Recurrences: 每天 / 每周五 / 每月5日 / 每月底, an optional time and an optional end anywhere in
  the text (到12月底, 至2025年12月, 截止到2025年12月31日; inclusive). ``at`` is the first
  occurrence after now; 每月31日 falls on the last day of shorter months. 每天 without a time
  yields to a date elsewhere in the text (6月30日前完成每日一报 is one deadline).
* Holidays (China's official arrangement, ``handlers.workdays``): 元旦, 春节 / 过年, 清明,
  五一 / 劳动节, 端午, 中秋, 国庆 / 十一 (only as 十一前 / 十一后 / 十一假期: 十一月, 十一号
  and 十一点 are numbers). 国庆前 / 国庆之前 / 国庆放假前 is the last workday before its days
  off (a 调休 Saturday counts); 国庆后 / 国庆收假后 / 国庆节后第一天上班 the first workday
  after them; the bare name (国庆节; weak, as 张国庆 is a person) the first day off under that
  name (中秋节 2025 is 10月6日, inside the 国庆 days off). 年前 / 年后 mean 春节前 / 春节后;
  节前 / 节后 the next holiday of any kind. Without a year, 前 and 后 take the first such
  workday whose time is still ahead, the bare name the first holiday not over yet;
  2026年国庆前 takes that year's. A time after the phrase applies (国庆前下午3点). A year whose
  arrangement is not published (2027 in chinese_calendar 1.11) gives ``Unclear``: no guess.
* More than two years ahead is still a ``Deadline``; ``is_far`` tells the caller to confirm.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from handlers.workdays import (
    HolidayPeriod,
    calendar_covers,
    holiday_periods,
    next_workday,
    previous_workday,
)


@dataclass(frozen=True)
class Recurrence:
    kind: Literal["daily", "weekly", "monthly"]
    day: int | None  # weekly: 0=Monday..6; monthly: 1..31, or -1 for 月底
    at: time  # local time of day
    until: date | None  # last day an occurrence may fall on


@dataclass(frozen=True)
class Deadline:
    at: datetime  # aware; for a recurrence, its first occurrence after now
    what: str  # the rest of the message: what is due
    phrase: str  # the part of the text understood as the time
    date_only: bool  # no time of day was given: ``at`` is that day's end_of_day
    recurrence: Recurrence | None = None


@dataclass(frozen=True)
class Unclear:
    reason: str  # a short Chinese explanation for the user
    understood: datetime | None = None  # how it was understood, when ambiguous or past


EXAMPLES = "例如：6月30日18:00、明天下午三点、下周五、月底、八月二日"
WEEKDAYS = "一二三四五六日"
_CN = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_WIDE = str.maketrans("０１２３４５６７８９：／．－　", "0123456789:/.- ")
NUM = r"(?:\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_WD = r"(?P<wd>[一二三四五六日天1-7])"
PERIOD = r"凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜间|晚"
_HOUR = (
    rf"(?P<h>{NUM})(?:[:：](?P<mm>\d{{2}})"
    rf"|[点时](?:(?P<half>半)|(?P<q>[一三])刻|(?P<mc>{NUM})分?|整)?)"
)
_CLOCK = re.compile(rf"(?:(?P<p>{PERIOD})\s*)?{_HOUR}|(?P<off>下班(?:之?前)?)")
_AFTER = re.compile(
    rf"\s*(?:的\s*)?(?:(?:(?P<p>{PERIOD})\s*)?{_HOUR}|(?P<off>下班(?:之?前)?)"
    r"|(?P<po>早上|上午|中午|下午|晚上))"
)
_PERIOD_DEFAULT = {"早上": time(9), "上午": time(12), "中午": time(12), "晚上": time(20)}
_EVENING = ("傍晚", "晚上", "夜里", "夜间", "晚")
_PREFIX = re.compile(r"(?:(?:截止|截至)(?:时间|日期)?\s*[:：]?|请?\s*[于在])\s*$")
_SUFFIX = re.compile(r"\s*(?:之前|以前|前|为止|截止|截至)")
_GIBBERISH = re.compile(r"[下上]{3,}个?(?:周|星期|礼拜|月)[一二三四五六日天1-7]?")
_VAGUE = re.compile(r"(?:下下?个?|本|这个?)(?:周|星期|礼拜|月)")
_RECUR = re.compile(
    rf"每个?(?:(?P<daily>天|日)|(?:周|星期|礼拜){_WD}|月(?:(?P<md>{NUM})\s*[日号]|(?P<me>底|末)))"
)
_UNTIL = re.compile(
    rf"(?:一直到|直到|截止到|截至|到|至)\s*(?:(?:(?P<y>\d{{4}})\s*年\s*)?(?P<m>{NUM})\s*月"
    rf"\s*(?:(?P<d>{NUM})\s*[日号]?|(?P<end>底|末))?|(?P<ye>年底|年末))"
)


def _num(s: str | None) -> int | None:
    """12, 十二, 两, 三十一, 二〇二五 → int; None when it is not a number."""
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = _CN.get(tens, -1) if tens else 1
        o = _CN.get(ones, -1) if ones else 0
        return None if t < 0 or o < 0 else t * 10 + o
    value = 0
    for c in s:
        if c not in _CN:
            return None
        value = value * 10 + _CN[c]
    return value


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month(today: date, months: int, day: int) -> date:
    """``day`` (−1 = last) of the month ``months`` after today's, clamped to its length."""
    y, m = divmod(today.year * 12 + today.month - 1 + months, 12)
    last = _last_day(y, m + 1)
    return date(y, m + 1, last if day == -1 else min(day, last))


@dataclass(frozen=True)
class _Day:
    day: date
    period: str | None = None  # implied by 今晚 / 明早
    roll: Callable[[date], date | Unclear] | None = None  # where to go when that moment passed
    ask: str | None = None  # ask back even though understood


Resolved = _Day | datetime | Unclear


def _month_day(m: re.Match[str], now: datetime) -> Resolved:
    """6月30日, 2025年6月30日, 2025-06-30, 6/30, 6.30, 八月二日."""
    return _dated(_num(m["y"]), _num(m["m"]), _num(m["d"]), now, m.group().strip())


def _dated(
    year: int | None, month: int | None, day: int | None, now: datetime, text: str
) -> Resolved:
    """A month and day (−1 = its last day), with the year rule of the module docstring."""
    today = now.date()
    if month is None or day is None or not 1 <= month <= 12:
        return Unclear(f"“{text}”不是有效的日期。{EXAMPLES}")
    y = year or today.year
    end_of_month = day == -1
    if end_of_month:
        day = _last_day(y, month)
    elif not 1 <= day <= _last_day(y, month):
        return Unclear(f"没有{month}月{day}日这一天，请检查日期。")
    if year is not None or date(y, month, day) >= today:
        return _Day(date(y, month, day))
    ago = (today - date(y, month, day)).days
    if end_of_month:
        day = _last_day(y + 1, month)
    elif day > _last_day(y + 1, month):
        return Unclear(f"{y + 1}年没有{month}月{day}日，请检查日期。")
    if ago > 60:
        return _Day(date(y + 1, month, day))
    return _Day(date(y + 1, month, day), ask=f"“{text}”已经过去了，是指明年吗？")


# Days from today named by the first character of 今天, 明天, 后天, 昨天, 前天.
_DAY_OFFSETS = {"今": 0, "明": 1, "后": 2, "昨": -1, "前": -2}


def _relative_day(m: re.Match[str], now: datetime) -> Resolved:
    """今天 明天 后天 大后天 今晚 明早 …; 昨天 and 前天 too (they are past, and asked about)."""
    word = m.group()
    offset = _DAY_OFFSETS[word.removeprefix("大")[0]]
    if word.startswith("大"):  # 大后天, 大前天: one day further
        offset += 1 if offset > 0 else -1
    period = "晚上" if word[1] in "晚夜" else "早上" if word[1] == "早" else None
    return _Day(now.date() + timedelta(days=offset), period)


def _counted(m: re.Match[str], now: datetime) -> Resolved:
    """3天后, 两周后, 1个月后 (days, counted from today); 2小时后, 30分钟后 (from now)."""
    n, unit = _num(m["n"]), m["unit"]
    if n is None:
        return Unclear(f"“{m.group()}”看不懂。{EXAMPLES}")
    if unit in ("小时", "钟头"):
        return now + timedelta(hours=n)
    if unit == "分钟":
        return now + timedelta(minutes=n)
    if unit == "月":
        return _Day(_month(now.date(), n, now.day))
    return _Day(now.date() + timedelta(days=n * (1 if unit in "天日" else 7)))


def _weekday_index(s: str) -> int:
    """一..六, 日/天, 1..7 → 0=Monday..6=Sunday."""
    return 6 if s in "日天7" else ("一二三四五六".index(s) if s in "一二三四五六" else int(s) - 1)


def _weekday(m: re.Match[str], now: datetime) -> Resolved:
    """周五 (the coming one), 本周五 / 这周五, 下周五, 下下周五, 上周五."""
    wd = _weekday_index(m["wd"])
    today = now.date()
    rel = (m["rel"] or "").rstrip("个")
    if not rel:
        day = today + timedelta(days=(wd - today.weekday()) % 7)
        return _Day(day, roll=lambda d: d + timedelta(days=7))
    weeks = {"上": -1, "本": 0, "这": 0, "下": 1, "下下": 2}[rel]
    return _Day(today + timedelta(days=7 * weeks + wd - today.weekday()))


def _month_edge(m: re.Match[str], now: datetime) -> Resolved:
    """月底 / 月末 / 月初 with 本 / 下 / 下下 / 上 (月初 alone: the coming 1st), 12月底, 年底."""
    today, groups = now.date(), m.groupdict()
    if "ye" in groups:
        return _Day(date(today.year, 12, 31))
    edge = 1 if m["e"] == "初" else -1
    if "mo" in groups:
        return _dated(_num(m["y"]), _num(m["mo"]), edge, now, m.group())
    rel = (m["rel"] or "").rstrip("个")
    if not rel and edge == 1:
        return _Day(_month(today, int(today.day > 1), 1), roll=lambda d: _month(d, 1, 1))
    months = {"": 0, "上": -1, "本": 0, "这": 0, "下": 1, "下下": 2}[rel]
    return _Day(_month(today, months, edge))


def _month_numbered(m: re.Match[str], now: datetime) -> Resolved:
    """本月20号, 下个月5号 (that month); 20号 alone is the coming 20th."""
    today, day = now.date(), _num(m["d"])
    rel = (m.groupdict().get("rel") or "").rstrip("个")
    months = {"": int(day is not None and day < today.day), "本": 0, "这": 0, "下": 1, "下下": 2}
    month = _month(today, months[rel], 1)
    if day is None or not 1 <= day <= _last_day(month.year, month.month):
        return Unclear(f"{month.month}月没有“{m.group()}”这一天，请检查日期。")
    roll = None if rel else (lambda d: _month(d, 1, d.day))
    return _Day(month.replace(day=day), roll=roll)


_HOLIDAY_NAMES = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "过年": "Spring Festival",
    "年": "Spring Festival",
    "清明": "Tomb-sweeping Day",
    "五一劳动节": "Labour Day",
    "五一": "Labour Day",
    "劳动节": "Labour Day",
    "端午": "Dragon Boat Festival",
    "中秋": "Mid-autumn Festival",
    "十一国庆": "National Day",
    "国庆": "National Day",
    "十一": "National Day",
}
_HOLIDAY_CN = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}


def _holiday_day(period: HolidayPeriod, kind: str) -> date:
    """pre: the last workday before the days off; post: the first one after; on: the first day."""
    if kind == "pre":
        return previous_workday(period.first)
    return next_workday(period.last) if kind == "post" else period.first


def _no_arrangement(year: int, name: str | None) -> Unclear:
    holiday = _HOLIDAY_CN.get(name or "", "")
    if calendar_covers(date(year, 1, 1)):
        return Unclear(f"{year}年没有{holiday}假期，请写具体日期。")
    return Unclear(f"{year}年{holiday}的放假安排尚未公布，请写具体日期。")


def _holiday(m: re.Match[str], now: datetime) -> Resolved:
    """国庆前, 国庆节后, 节后第一天上班, 年前, 2026年春节, 国庆节: the official arrangement."""
    groups = m.groupdict()
    word = groups.get("hol") or groups.get("nian")
    name = _HOLIDAY_NAMES[word] if word else None
    kind = "pre" if groups.get("pre") else "post" if groups.get("post") else "on"
    periods = holiday_periods(name)
    days = [(p.last, _holiday_day(p, kind)) for p in periods]
    if (year := _num(groups.get("y"))) is not None:
        picked = [day for last, day in days if last.year == year]
        return _Day(picked[0]) if picked else _no_arrangement(year, name)
    today = now.date()
    # on: the first holiday not over yet; pre / post: the first such workday from today on
    ahead = sorted({day for last, day in days if (last if kind == "on" else day) >= today})
    unpublished = _no_arrangement(max(now.year, periods[-1].last.year + 1), name)
    if not ahead:
        return unpublished

    def roll(day: date) -> date | Unclear:
        return next((d for d in ahead if d > day), unpublished)

    return _Day(ahead[0], roll=None if kind == "on" else roll)


_REL = r"(?P<rel>下下个?|下个?|上个?|本|这个?)"
_YEAR = r"(?:(?P<y>\d{4}|[零〇一二三四五六七八九]{4})\s*年\s*)"
_CN_YMD = rf"{_YEAR}?(?P<m>{NUM})\s*月\s*(?P<d>{NUM})\s*[日号]?"
_ISO = r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"
_SLASH = r"(?<![\d/.])(?P<y>)(?P<m>\d{1,2})[/.](?P<d>\d{1,2})(?![\d/.%]|\s*[万千百元倍])"
_DAYS = (
    r"大后天|后天|明天|明日|明儿|今天|今日|今儿|今晚|今早|明晚|明早|今夜|明夜"
    r"|大前天|前天|昨天|昨日|昨儿|昨晚|昨夜"
)
_UNIT = r"(?P<unit>天|日|周|星期|礼拜|月|小时|钟头|分钟)"
_COUNT = rf"(?P<n>{NUM})\s*个?\s*{_UNIT}(?:之?后|以后|之?内|以内)"
_HOLIDAY_GUARD = r"(?<![\d零〇一二两三四五六七八九十百第周期拜])"  # not 三十一, 周五一起
# 年前 / 节后 only at the start or after one of these
_OPENING = r"(?<![^\s，,。；;：:、（(在于请到是要])"
_HOLIDAY_WORD = "五一劳动节|五一|劳动节|元旦|春节|过年|清明|端午|中秋|十一国庆|国庆"
_HOLIDAY = (
    rf"(?:{_YEAR}?{_HOLIDAY_GUARD}(?P<hol>{_HOLIDAY_WORD}|十一)节?"
    rf"|{_OPENING}(?P<nian>年)|{_OPENING}过?节(?:假日)?)"
    r"(?:(?P<pre>(?:假期|长假|放假|假)?(?:之前|以前|前))"
    r"|(?P<post>(?:假期|长假|假)?(?:结束|收假|过)?(?:之后|以后|后)"
    r"(?:第一天上班|上班第一天|第一个工作日|上班)?))"
)
_HOLIDAY_BARE = (  # 十一 alone is a number: only 十一假期 / 十一长假 / 十一黄金周
    rf"{_YEAR}?{_HOLIDAY_GUARD}(?P<hol>{_HOLIDAY_WORD}|十一(?=假期|小?长假|黄金周))节?"
    r"(?:假期|小?长假|黄金周)?"
)
_FAMILIES: list[tuple[re.Pattern[str], Callable[[re.Match[str], datetime], Resolved], bool]] = [
    (re.compile(pattern), resolver, weak)  # weak: used only when no other family matches
    for pattern, resolver, weak in [
        (_CN_YMD, _month_day, False),
        (_ISO, _month_day, False),
        (_SLASH, _month_day, True),
        (_DAYS, _relative_day, False),
        (_COUNT, _counted, False),
        (rf"{_REL}?(?:周|星期|礼拜){_WD}", _weekday, False),
        (rf"{_YEAR}?(?P<mo>{NUM})\s*月(?P<e>底|末|初)", _month_edge, False),
        (rf"{_REL}?月(?P<e>底|末|初)", _month_edge, False),
        (r"(?P<ye>年底|年末)", _month_edge, False),
        (_HOLIDAY, _holiday, False),
        (_HOLIDAY_BARE, _holiday, True),  # weak: 国庆 may be a name (张国庆)
        (rf"{_REL}月(?P<d>{NUM})\s*[日号]", _month_numbered, False),
        (
            rf"(?<![月\d零〇一二两三四五六七八九十/.-])(?P<d>{NUM})\s*[日号]",
            _month_numbered,
            False,
        ),
    ]
]


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
    for start, end in sorted(spans):
        if p := _PREFIX.search(text, pos, start):
            start = p.start()
        if s := _SUFFIX.match(text, end):
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
    """The deadline in a message such as ``6月30日18:00 项目入场报名截止`` (rules: see above)."""
    norm = text.translate(_WIDE)
    if not norm.strip():
        return Unclear(f"没有找到时间。{EXAMPLES}")
    if g := _GIBBERISH.search(norm):
        return Unclear(f"“{g.group()}”看不懂，请写具体日期。{EXAMPLES}")
    r = _RECUR.search(norm)  # 每天 without a time yields to a date: 6月30日前完成每日一报
    if r and (not r["daily"] or _AFTER.match(norm, r.end()) or not _find_date(norm, now)):
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
    return Deadline(at, _rest(text, [(start, end)]), phrase, date_only)


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
        return Unclear(f"到结束日期{last_day}为止一次也没有，请检查结束日期。")
    phrase = " ".join(text[a:b].strip() for a, b in spans)
    return Deadline(first, _rest(text, spans), phrase, date_only, rec)


def _until(u: re.Match[str], now: datetime) -> date | Unclear:
    """到12月底, 至2025年12月 (its last day), 截止到2025年12月31日, 到年底."""
    if u["ye"]:
        return date(now.year, 12, 31)
    day = _num(u["d"]) if u["d"] else -1
    resolved = _dated(_num(u["y"]), _num(u["m"]), day, now, u.group())
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
    body = re.sub(r"^\s*提前\s*|\s*提醒\s*$", "", text.translate(_WIDE))
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


def format_when(dt: datetime, now: datetime) -> str:
    """6月30日（周一）18:00; 明天（6月11日 周三）15:00; the year when it is not this year's."""
    dt = dt.astimezone(now.tzinfo)
    day = dt.date()
    ymd = f"{day.month}月{day.day}日"
    if day.year != now.year:
        ymd = f"{day.year}年{ymd}"
    weekday = "周" + WEEKDAYS[day.weekday()]
    near = {-1: "昨天", 0: "今天", 1: "明天", 2: "后天"}.get((day - now.date()).days)
    if near:
        return f"{near}（{ymd} {weekday}）{dt:%H:%M}"
    return f"{ymd}（{weekday}）{dt:%H:%M}"


def time_left(dt: datetime, now: datetime) -> str:
    """还剩 2 天 3 小时 / 还剩 3 小时 20 分钟 / 还剩 45 分钟 / 已过期."""
    seconds = (dt - now).total_seconds()
    if seconds <= 0:
        return "已过期"
    minutes = math.ceil(seconds / 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"还剩 {days} 天" + (f" {hours} 小时" if hours else "")
    if hours:
        return f"还剩 {hours} 小时" + (f" {mins} 分钟" if mins else "")
    return f"还剩 {mins} 分钟"
