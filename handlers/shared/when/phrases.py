"""The pieces of Chinese time phrases: result types, numbers, and the day resolvers
(dates, weekdays, month edges, holidays). ``handlers.shared.when`` says how phrases read."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from handlers.shared.workdays import (
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
    note: str | None = None  # how it was read, when the words do not say: “节后”按中秋节后…


@dataclass(frozen=True)
class Unclear:
    reason: str  # a short Chinese explanation for the user
    understood: datetime | None = None  # how it was understood, when ambiguous or past


EXAMPLES = "例如：6月30日18:00、明天下午三点、下周五、月底、八月二日"
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
    rf"""(?:一直到|直到|截止到|截至|到|至)\s*
    (?:(?P<y>\d{{4}})\s*年\s* | (?P<ry>今年|明年|去年|前年))?  # a year
    (?:
        (?P<m>{NUM})\s*月\s*(?:(?P<d>{NUM})\s*[日号]? | (?P<end>底|末))?  # a month, its day or end
        | (?P<ye>年底|年末)
    )?
    (?<![到至])  # something after 到: a year, a month or 年底""",
    re.VERBOSE,
)
# Repeats the bot does not keep (yet): every year, every other week, every N days.
_UNSUPPORTED_RECUR = re.compile(
    r"每(?:一|个)?年|每(?:隔)?(?:两|二|2|三|3|四|4|[0-9]+|[一二三四五六七八九十]+)个?"
    r"(?:周|星期|礼拜|天|日|月)|每隔|隔(?:一)?(?:周|星期|礼拜)|双周|单周"
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
    note: str | None = None  # how it was read, when the words alone do not say (节后)


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
    guessed = _new_years_days(now, periods) if name == "New Year's Day" else []
    days += [(p.last, _holiday_day(p, kind)) for p in guessed]  # 元旦 is always 1 January
    # on: the first holiday not over yet; pre / post: the first such workday from today on
    ahead = sorted({day for last, day in days if (last if kind == "on" else day) >= today})
    unpublished = _no_arrangement(max(now.year, periods[-1].last.year + 1), name)
    if not ahead:
        return unpublished

    def roll(day: date) -> date | Unclear:
        return next((d for d in ahead if d > day), unpublished)

    note = None
    if any(_holiday_day(p, kind) == ahead[0] for p in guessed):
        year = ahead[0].year + (kind == "pre")
        note = f"{year}年元旦的放假安排尚未公布，暂按1月1日放假、周一至周五上班计算。"
    elif word is None:  # 节前 / 节后 name no holiday: say which one they were taken as
        holiday = next(p.name for p in periods if _holiday_day(p, kind) == ahead[0])
        edge = {"pre": "前最后一个工作日", "post": "后第一个工作日"}.get(kind, "")
        note = f"“{m.group()}”按{_HOLIDAY_CN.get(holiday, holiday)}{edge}计算。"
    return _Day(ahead[0], roll=None if kind == "on" else roll, note=note)


def _new_years_days(now: datetime, periods: tuple[HolidayPeriod, ...]) -> list[HolidayPeriod]:
    """1 January of the coming years whose arrangement is not published (just that day off;
    workdays then fall back to Monday–Friday)."""
    known = {p.first.year for p in periods}
    years = (now.year, now.year + 1)
    return [
        HolidayPeriod("New Year's Day", date(y, 1, 1), date(y, 1, 1))
        for y in years
        if y not in known and not calendar_covers(date(y, 1, 1))
    ]


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
