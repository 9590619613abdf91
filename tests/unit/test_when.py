"""The Chinese time-phrase parser, on fixed clocks. Every expected value is worked out by hand
from a calendar (June 2025: the 10th is a Tuesday; December 2025: the 20th is a Saturday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.shared.dates import format_when, time_left
from handlers.shared.when import (
    Deadline,
    Recurrence,
    Unclear,
    is_far,
    next_occurrence,
    parse_deadline,
    reminder_offsets,
)

SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, m: int, d: int, hour: int = 18, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=SH)


JUNE = sh(2025, 6, 10, 10)  # Tuesday 10:00
DEC = sh(2025, 12, 20, 15)  # Saturday 15:00
LEAP = sh(2024, 2, 10, 9)  # Saturday 09:00, February of a leap year
JULY = sh(2025, 7, 15, 9)  # Tuesday 09:00, a 31-day month

# (now, text, expected time, date_only)
PHRASES = [
    # absolute dates and times
    (JUNE, "6月30日18:00", sh(2025, 6, 30), False),
    (JUNE, "6月30日18点", sh(2025, 6, 30), False),
    (JUNE, "6/30 18:00", sh(2025, 6, 30), False),
    (JUNE, "2025-06-30", sh(2025, 6, 30), True),
    (JUNE, "2025/6/30", sh(2025, 6, 30), True),
    (JUNE, "2025年6月30日", sh(2025, 6, 30), True),
    (JUNE, "6月30号下午6点", sh(2025, 6, 30), False),
    (JUNE, "6月30号下午6点半", sh(2025, 6, 30, 18, 30), False),
    (JUNE, "6.30", sh(2025, 6, 30), True),
    (JUNE, "６月３０日１８：００", sh(2025, 6, 30), False),
    (JUNE, "7月1日18时前", sh(2025, 7, 1), False),
    (JUNE, "12月31日前", sh(2025, 12, 31), True),
    (JUNE, "截止时间：7月15日", sh(2025, 7, 15), True),
    (JUNE, "7月15日 上午9点30分", sh(2025, 7, 15, 9, 30), False),
    # Chinese numerals
    (JUNE, "八月二日", sh(2025, 8, 2), True),
    (JUNE, "八月二号", sh(2025, 8, 2), True),
    (JUNE, "十二月三十一日", sh(2025, 12, 31), True),
    (JUNE, "二〇二五年七月一日", sh(2025, 7, 1), True),
    (JUNE, "明天十二点半", sh(2025, 6, 11, 12, 30), False),
    (JUNE, "明天两点", sh(2025, 6, 11, 14), False),
    (JUNE, "后天九点一刻", sh(2025, 6, 12, 9, 15), False),
    # relative days and parts of the day
    (JUNE, "明天", sh(2025, 6, 11), True),
    (JUNE, "明天下午三点", sh(2025, 6, 11, 15), False),
    (JUNE, "后天上午10点", sh(2025, 6, 12, 10), False),
    (JUNE, "大后天", sh(2025, 6, 13), True),
    (JUNE, "今晚", sh(2025, 6, 10, 20), False),
    (JUNE, "今晚8点", sh(2025, 6, 10, 20), False),
    (JUNE, "今晚十点半", sh(2025, 6, 10, 22, 30), False),
    (JUNE, "今天下班前", sh(2025, 6, 10), True),
    (JUNE, "下班前", sh(2025, 6, 10), True),
    (JUNE, "明早", sh(2025, 6, 11, 9), False),
    (JUNE, "明天上午", sh(2025, 6, 11, 12), False),
    (JUNE, "中午12点", sh(2025, 6, 10, 12), False),
    (JUNE, "明天中午1点", sh(2025, 6, 11, 13), False),
    (JUNE, "明天凌晨2点", sh(2025, 6, 11, 2), False),
    (JUNE, "明天早上8点", sh(2025, 6, 11, 8), False),
    (JUNE, "明天晚上9点", sh(2025, 6, 11, 21), False),
    (JUNE, "明天晚上12点", sh(2025, 6, 12, 0), False),
    (JUNE, "下午6点半", sh(2025, 6, 10, 18, 30), False),
    (JUNE, "18:30", sh(2025, 6, 10, 18, 30), False),
    (JUNE, "3天后", sh(2025, 6, 13), True),
    (JUNE, "三天后", sh(2025, 6, 13), True),
    (JUNE, "两周后", sh(2025, 6, 24), True),
    (JUNE, "1个月后", sh(2025, 7, 10), True),
    (JUNE, "2小时后", sh(2025, 6, 10, 12), False),
    (JUNE, "30分钟后", sh(2025, 6, 10, 10, 30), False),
    (DEC, "两周后", sh(2026, 1, 3), True),
    # weeks: bare = the coming one, 本/这 = this Monday–Sunday week, 下 = next week
    (JUNE, "周五", sh(2025, 6, 13), True),
    (JUNE, "本周五", sh(2025, 6, 13), True),
    (JUNE, "这周五", sh(2025, 6, 13), True),
    (JUNE, "下周五", sh(2025, 6, 20), True),
    (JUNE, "下个星期五", sh(2025, 6, 20), True),
    (JUNE, "下下周一", sh(2025, 6, 23), True),
    (JUNE, "星期三", sh(2025, 6, 11), True),
    (JUNE, "礼拜三", sh(2025, 6, 11), True),
    (JUNE, "星期天", sh(2025, 6, 15), True),
    (JUNE, "周五17点", sh(2025, 6, 13, 17), False),
    (JUNE, "周五5点", sh(2025, 6, 13, 17), False),
    (JUNE, "周二下午", sh(2025, 6, 10), False),  # today, 下午 = end of the day
    (JUNE, "周二 9点", sh(2025, 6, 17, 9), False),  # today 9:00 has passed: next Tuesday
    (DEC, "周五", sh(2025, 12, 26), True),
    (DEC, "下周五", sh(2025, 12, 26), True),  # on a Saturday, next week's Friday is 6 days on
    (DEC, "周六", sh(2025, 12, 20), True),
    (DEC, "周六上午10点", sh(2025, 12, 27, 10), False),
    # month ends and starts, days of the month
    (JUNE, "月底", sh(2025, 6, 30), True),
    (JUNE, "本月底", sh(2025, 6, 30), True),
    (JUNE, "下月底", sh(2025, 7, 31), True),
    (JULY, "月底", sh(2025, 7, 31), True),
    (JULY, "下个月底", sh(2025, 8, 31), True),
    (LEAP, "月底", sh(2024, 2, 29), True),
    (LEAP, "月末", sh(2024, 2, 29), True),
    (LEAP, "下月底", sh(2024, 3, 31), True),
    (DEC, "月底", sh(2025, 12, 31), True),
    (DEC, "下月底", sh(2026, 1, 31), True),
    (DEC, "2月底", sh(2026, 2, 28), True),
    (JUNE, "下月初", sh(2025, 7, 1), True),
    (DEC, "下月初", sh(2026, 1, 1), True),
    (JUNE, "下个月5号", sh(2025, 7, 5), True),
    (JUNE, "下个月31号", sh(2025, 7, 31), True),
    (DEC, "下个月5号", sh(2026, 1, 5), True),
    (JUNE, "20号", sh(2025, 6, 20), True),
    (JUNE, "5号", sh(2025, 7, 5), True),  # the 5th has passed this month
    (JUNE, "年底", sh(2025, 12, 31), True),
    # year rollover: more than 60 days ago means next year
    (DEC, "1月5日", sh(2026, 1, 5), True),
    (DEC, "10月1日", sh(2026, 10, 1), True),
    (DEC, "12月31日", sh(2025, 12, 31), True),
    (DEC, "2026年1月5日", sh(2026, 1, 5), True),
]


@pytest.mark.parametrize(("now", "text", "expected", "date_only"), PHRASES)
def test_phrases(now: datetime, text: str, expected: datetime, date_only: bool) -> None:
    result = parse_deadline(text, now)
    assert isinstance(result, Deadline), result
    assert result.at == expected
    assert result.date_only is date_only
    assert result.recurrence is None


def test_the_table_is_big_enough() -> None:
    assert len(PHRASES) >= 50


# Holidays, from the State Council's notices. 2025: 国庆+中秋 10月1日(周三)–8日, 中秋 is 10月6日,
# 10月11日(周六) 上班; 端午 5月31日–6月2日. 2026: 元旦 1月1日(周四)–3日, 1月4日(周日) 上班;
# 春节 2月15日(周日)–23日(周一), 2月14日(周六) 上班; 清明 4月4日(周六)–6日(周一); 五一
# 5月1日(周五)–5日(周二); 端午 6月19日(周五)–21日; 中秋 9月25日(周五)–27日; 国庆 10月1日
# (周四)–7日(周三). test_workdays checks chinese_calendar agrees.
SEP30 = sh(2025, 9, 30, 10)  # Tuesday 10:00, the last workday before 国庆 2025
SEP30_LATE = sh(2025, 9, 30, 19)  # the same day after end_of_day
OCT3 = sh(2025, 10, 3, 10)  # in the middle of the 国庆 days off

# (now, text, expected time, date_only)
HOLIDAYS = [
    (JUNE, "国庆前", sh(2025, 9, 30), True),
    (JUNE, "国庆之前", sh(2025, 9, 30), True),
    (JUNE, "十一前", sh(2025, 9, 30), True),
    (JUNE, "国庆节后", sh(2025, 10, 9), True),
    (JUNE, "十一假期后", sh(2025, 10, 9), True),
    (JUNE, "国庆假期结束后", sh(2025, 10, 9), True),
    (JUNE, "国庆节后第一天上班", sh(2025, 10, 9), True),
    (JUNE, "国庆前下午3点", sh(2025, 9, 30, 15), False),
    (JUNE, "国庆节", sh(2025, 10, 1), True),
    (JUNE, "十一假期", sh(2025, 10, 1), True),
    (JUNE, "中秋节", sh(2025, 10, 6), True),  # the day named 中秋, inside the 国庆 days off
    (JUNE, "中秋前", sh(2025, 9, 30), True),
    (JUNE, "端午节前", sh(2026, 6, 18), True),  # 2025's (5月31日) is over
    (JUNE, "端午后", sh(2026, 6, 22), True),
    (JUNE, "2026年国庆节前", sh(2026, 9, 30), True),
    (JUNE, "节后", sh(2025, 10, 9), True),
    (SEP30, "国庆前", sh(2025, 9, 30), True),  # today, before end_of_day
    (SEP30_LATE, "国庆前", sh(2026, 9, 30), True),  # today's has passed: next year's
    (OCT3, "国庆后", sh(2025, 10, 9), True),
    (OCT3, "节后", sh(2025, 10, 9), True),
    (DEC, "元旦前", sh(2025, 12, 31), True),
    (DEC, "元旦前上午10点", sh(2025, 12, 31, 10), False),
    (DEC, "元旦后", sh(2026, 1, 4), True),  # a make-up Sunday
    (DEC, "节前", sh(2025, 12, 31), True),
    (DEC, "节后第一天上班", sh(2026, 1, 4), True),
    (DEC, "春节前", sh(2026, 2, 14), True),  # a make-up Saturday
    (DEC, "春节放假前", sh(2026, 2, 14), True),
    (DEC, "年前", sh(2026, 2, 14), True),
    (DEC, "过年后", sh(2026, 2, 24), True),
    (DEC, "春节收假后", sh(2026, 2, 24), True),
    (DEC, "春节", sh(2026, 2, 15), True),
    (DEC, "清明前", sh(2026, 4, 3), True),
    (DEC, "清明节后", sh(2026, 4, 7), True),
    (DEC, "五一前", sh(2026, 4, 30), True),
    (DEC, "劳动节后", sh(2026, 5, 6), True),
    (DEC, "中秋前", sh(2026, 9, 24), True),
    (DEC, "国庆放假前", sh(2026, 9, 30), True),
    (DEC, "国庆后", sh(2026, 10, 8), True),
    # 十一 as a number is not National Day
    (JUNE, "十一月5日", sh(2025, 11, 5), True),
    (JUNE, "11号", sh(2025, 6, 11), True),
    (JUNE, "十一号前", sh(2025, 6, 11), True),
    (JUNE, "十一点", sh(2025, 6, 10, 11), False),
    (JUNE, "十一点前", sh(2025, 6, 10, 11), False),
    (JUNE, "十二月三十一日前", sh(2025, 12, 31), True),
    (JUNE, "周五一起交", sh(2025, 6, 13), True),  # not 五一
]


@pytest.mark.parametrize(("now", "text", "expected", "date_only"), HOLIDAYS)
def test_holidays(now: datetime, text: str, expected: datetime, date_only: bool) -> None:
    result = parse_deadline(text, now)
    assert isinstance(result, Deadline), result
    assert (result.at, result.date_only) == (expected, date_only)


@pytest.mark.parametrize(
    ("text", "what", "phrase"),
    [
        ("6月30日18:00 项目入场报名截止", "项目入场报名截止", "6月30日18:00"),
        ("请于6月20日前提交项目方案", "提交项目方案", "6月20日"),
        ("截止时间：7月15日 项目报名", "项目报名", "7月15日"),
        ("项目结项报告，明天下午三点前交", "项目结项报告，交", "明天下午三点"),
        ("报名 下周五截止", "报名", "下周五"),
        ("6.30 交材料", "交材料", "6.30"),
        ("20号前提交", "提交", "20号"),
        ("12月31日前", "", "12月31日"),
        ("6月30日前完成每日一报", "完成每日一报", "6月30日"),
        ("国庆前提交总结", "提交总结", "国庆前"),
        ("请于节后第一天上班前提交", "提交", "节后第一天上班"),
        ("张国庆 6月30日前提交材料", "张国庆 提交材料", "6月30日"),  # a name, not the holiday
    ],
)
def test_what_and_phrase(text: str, what: str, phrase: str) -> None:
    result = parse_deadline(text, JUNE)
    assert isinstance(result, Deadline), result
    assert (result.what, result.phrase) == (what, phrase)


def test_end_of_day_is_configurable() -> None:
    result = parse_deadline("明天 交表", JUNE, end_of_day=time(17, 30))
    assert isinstance(result, Deadline)
    assert (result.at, result.date_only) == (sh(2025, 6, 11, 17, 30), True)


# (now, text, recurrence, first occurrence, what)
RECURRING = [
    (
        JUNE,
        "每月5日 提交月报",
        Recurrence("monthly", 5, time(18), None),
        sh(2025, 7, 5),
        "提交月报",
    ),
    (
        JUNE,
        "每月5号 提交月报",
        Recurrence("monthly", 5, time(18), None),
        sh(2025, 7, 5),
        "提交月报",
    ),
    (
        JUNE,
        "每月5日 提交月报 到12月底",
        Recurrence("monthly", 5, time(18), date(2025, 12, 31)),
        sh(2025, 7, 5),
        "提交月报",
    ),
    (
        JUNE,
        "每月5日 提交月报 至2025年12月",
        Recurrence("monthly", 5, time(18), date(2025, 12, 31)),
        sh(2025, 7, 5),
        "提交月报",
    ),
    (
        JUNE,
        "每周五 周报 截止到2025年12月31日",
        Recurrence("weekly", 4, time(18), date(2025, 12, 31)),
        sh(2025, 6, 13),
        "周报",
    ),
    (JUNE, "每月底", Recurrence("monthly", -1, time(18), None), sh(2025, 6, 30), ""),
    (LEAP, "每月底 交账", Recurrence("monthly", -1, time(18), None), sh(2024, 2, 29), "交账"),
    (JUNE, "每月31日", Recurrence("monthly", 31, time(18), None), sh(2025, 6, 30), ""),
    (JUNE, "每月10日", Recurrence("monthly", 10, time(18), None), sh(2025, 6, 10), ""),
    (JUNE, "每周五下午5点", Recurrence("weekly", 4, time(17), None), sh(2025, 6, 13, 17), ""),
    (JUNE, "每周一", Recurrence("weekly", 0, time(18), None), sh(2025, 6, 16), ""),
    (JUNE, "每周二上午9点", Recurrence("weekly", 1, time(9), None), sh(2025, 6, 17, 9), ""),
    (
        JUNE,
        "每天上午9点 打卡",
        Recurrence("daily", None, time(9), None),
        sh(2025, 6, 11, 9),
        "打卡",
    ),
    (JUNE, "每天上午11点", Recurrence("daily", None, time(11), None), sh(2025, 6, 10, 11), ""),
    (
        DEC,
        "每月5日 到3月底",
        Recurrence("monthly", 5, time(18), date(2026, 3, 31)),
        sh(2026, 1, 5),
        "",
    ),
]


@pytest.mark.parametrize(("now", "text", "recurrence", "first", "what"), RECURRING)
def test_recurring(
    now: datetime, text: str, recurrence: Recurrence, first: datetime, what: str
) -> None:
    result = parse_deadline(text, now)
    assert isinstance(result, Deadline), result
    assert (result.recurrence, result.at, result.what) == (recurrence, first, what)


def test_recurring_phrase_joins_its_parts() -> None:
    result = parse_deadline("每月5号 提交月报 到12月底", JUNE)
    assert isinstance(result, Deadline)
    assert result.phrase == "每月5号 到12月底"
    assert result.date_only


def test_next_occurrence_follows_short_months_and_stops_at_the_end() -> None:
    monthly_31 = Recurrence("monthly", 31, time(18), date(2025, 8, 15))
    assert next_occurrence(monthly_31, sh(2025, 6, 30)) == sh(2025, 7, 31)
    assert next_occurrence(monthly_31, sh(2025, 7, 31)) is None
    monthly_31 = Recurrence("monthly", 31, time(18), None)
    assert next_occurrence(monthly_31, sh(2025, 7, 31)) == sh(2025, 8, 31)
    assert next_occurrence(monthly_31, sh(2025, 8, 31)) == sh(2025, 9, 30)
    weekly = Recurrence("weekly", 4, time(17), None)
    assert next_occurrence(weekly, sh(2025, 6, 13, 17)) == sh(2025, 6, 20, 17)


# (now, text, words the reason must contain, understood)
UNCLEAR = [
    (JUNE, "", "没有找到时间", None),
    (JUNE, "   ", "没有找到时间", None),
    (JUNE, "大家辛苦了", "没有找到时间", None),
    (JUNE, "下下下下周", "“下下下下周”看不懂", None),
    (JUNE, "下下下周五交", "“下下下周五”看不懂", None),
    (JUNE, "下周", "“下周”是哪一天", None),
    (JUNE, "2月30日", "没有2月30日这一天", None),
    (JUNE, "31号", "6月没有“31号”这一天", None),
    (JUNE, "13月1日", "不是有效的日期", None),
    (JUNE, "明天25点", "“25点”不是有效的时间", None),
    (JUNE, "2025年6月1日", "已经过去了", sh(2025, 6, 1)),
    (JUNE, "上周五", "已经过去了", sh(2025, 6, 6)),
    (JUNE, "今天早上8点", "已经过去了", sh(2025, 6, 10, 8)),
    (DEC, "本周五", "已经过去了", sh(2025, 12, 19)),
    (DEC, "今天下午3点", "已经过去了", sh(2025, 12, 20, 15)),  # exactly now is not ahead
    (JUNE, "昨天", "已经过去了", sh(2025, 6, 9, 18)),
    (JUNE, "前天下午三点交表", "已经过去了", sh(2025, 6, 8, 15)),
    (JUNE, "昨晚", "已经过去了", sh(2025, 6, 9, 20)),
    (JUNE, "大前天", "已经过去了", sh(2025, 6, 7, 18)),
    (JUNE, "6月5日", "是指明年吗", sh(2026, 6, 5)),  # 5 days ago: probably a slip
    (DEC, "11月30日", "是指明年吗", sh(2026, 11, 30)),
    (DEC, "13:00", "是指明天", sh(2025, 12, 21, 13)),
    (JUNE, "每月5日 到2025年5月", "结束日期", None),
    (JUNE, "每月32日", "不是有效的日期", None),
    # holidays: never guessed for a year not published yet
    (sh(2026, 3, 1, 10), "春节前", "2027年春节的放假安排尚未公布", None),
    (sh(2026, 10, 9, 10), "国庆后", "2027年国庆节的放假安排尚未公布", None),
    (sh(2026, 12, 1, 10), "节前", "2027年的放假安排尚未公布", None),
    (JUNE, "2027年国庆节", "2027年国庆节的放假安排尚未公布", None),
    (JUNE, "2005年清明前", "2005年没有清明节假期", None),
    (OCT3, "国庆节", "已经过去了", sh(2025, 10, 1)),
    (JUNE, "三年前的报告", "没有找到时间", None),
]


@pytest.mark.parametrize(("now", "text", "words", "understood"), UNCLEAR)
def test_unclear(now: datetime, text: str, words: str, understood: datetime | None) -> None:
    result = parse_deadline(text, now)
    assert isinstance(result, Unclear), result
    assert words in result.reason
    assert result.understood == understood


def test_unclear_past_shows_how_it_was_understood() -> None:
    result = parse_deadline("6月5日", JUNE)
    assert isinstance(result, Unclear)
    assert "2026年6月5日（周五）18:00" in result.reason


def test_no_time_shows_examples() -> None:
    result = parse_deadline("收到", JUNE)
    assert isinstance(result, Unclear)
    assert "例如" in result.reason and "下周五" in result.reason


@pytest.mark.parametrize(
    ("text", "far"), [("2028年1月1日", True), ("2027年12月1日", False), ("明天", False)]
)
def test_is_far(text: str, far: bool) -> None:
    result = parse_deadline(text, DEC)
    assert isinstance(result, Deadline)
    assert is_far(result, DEC) is far


@pytest.mark.parametrize(
    ("now", "dt", "expected"),
    [
        (JUNE, sh(2025, 6, 30), "6月30日（周一）18:00"),
        (JUNE, sh(2025, 6, 11, 15), "明天（6月11日 周三）15:00"),
        (JUNE, sh(2025, 6, 10), "今天（6月10日 周二）18:00"),
        (JUNE, sh(2025, 6, 12, 9, 5), "后天（6月12日 周四）09:05"),
        (JUNE, sh(2025, 6, 9, 18), "昨天（6月9日 周一）18:00"),
        (sh(2025, 5, 31, 10), sh(2025, 6, 1, 15), "明天（6月1日 周日）15:00"),
        (DEC, sh(2026, 1, 5), "2026年1月5日（周一）18:00"),
        (DEC, sh(2025, 12, 21, 9), "明天（12月21日 周日）09:00"),
        (JUNE, datetime(2025, 6, 30, 10, tzinfo=UTC), "6月30日（周一）18:00"),
    ],
)
def test_format_when(now: datetime, dt: datetime, expected: str) -> None:
    assert format_when(dt, now) == expected


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (timedelta(days=2, hours=3), "还剩 2 天 3 小时"),
        (timedelta(days=2), "还剩 2 天"),
        (timedelta(hours=3, minutes=20), "还剩 3 小时 20 分钟"),
        (timedelta(hours=2), "还剩 2 小时"),
        (timedelta(minutes=45), "还剩 45 分钟"),
        (timedelta(seconds=30), "还剩 1 分钟"),
        (timedelta(0), "已过期"),
        (timedelta(minutes=-1), "已过期"),
    ],
)
def test_time_left(left: timedelta, expected: str) -> None:
    assert time_left(JUNE + left, JUNE) == expected


D, H, M = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("提前 3天,1天,2小时", [3 * D, D, 2 * H]),
        ("提前3天、1天和2小时", [3 * D, D, 2 * H]),
        ("提前 2小时，3天", [3 * D, 2 * H]),
        ("提前一周", [7 * D]),
        ("提前30分钟", [30 * M]),
        ("提前 三天 两小时提醒", [3 * D, 2 * H]),
        ("提前1天,1天", [D]),
    ],
)
def test_reminder_offsets(text: str, expected: list[timedelta]) -> None:
    assert reminder_offsets(text) == expected


@pytest.mark.parametrize(
    ("text", "words"), [("提前 3天, 好多", "“好多”看不懂"), ("提前", "没有写")]
)
def test_reminder_offsets_unclear(text: str, words: str) -> None:
    result = reminder_offsets(text)
    assert isinstance(result, Unclear)
    assert words in result.reason


# --- what a new user ran into ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "what"),
    [
        ("明天下午三點 繁體字", sh(2025, 6, 11, 15), "繁體字"),  # the item keeps its characters
        ("下週五 交材料", sh(2025, 6, 20), "交材料"),
        ("截止時間：6月30日 18點 報名", sh(2025, 6, 30), "報名"),
    ],
)
def test_traditional_characters_are_read_as_simplified(
    text: str, expected: datetime, what: str
) -> None:
    result = parse_deadline(text, JUNE)
    assert isinstance(result, Deadline), result
    assert (result.at, result.what) == (expected, what)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("每年9月1日 年报", "每年"),
        ("每两周周五 双周报", "每两周"),
        ("每隔3天 交日志", "每隔3天"),
        ("隔周五 交材料", "隔周"),
        ("每2个月 交报表", "每2个月"),
    ],
)
def test_repeats_the_bot_does_not_keep_are_refused_not_made_one_off(text: str, named: str) -> None:
    result = parse_deadline(text, JUNE)
    assert isinstance(result, Unclear), result
    assert f"暂不支持“{named}”" in result.reason and "每周五" in result.reason


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("每周五 周报 到今年年底", date(2025, 12, 31)),
        ("每周五 周报 到明年3月", date(2026, 3, 31)),
        ("每天 日报 到年底", date(2025, 12, 31)),  # 年底 ends the repeat, it is not the date
    ],
)
def test_relative_years_end_a_repeat(text: str, until: date) -> None:
    result = parse_deadline(text, JUNE)
    assert isinstance(result, Deadline) and result.recurrence is not None, result
    assert result.recurrence.until == until and "到" not in result.what


@pytest.mark.parametrize("text", ["每周五 提交周报 到去年", "每周五 提交周报 到2024年12月"])
def test_an_end_in_the_past_is_refused(text: str) -> None:
    result = parse_deadline(text, JUNE)
    assert isinstance(result, Unclear) and "已经过去了" in result.reason, result


def test_a_holiday_phrase_that_names_none_says_which_it_was_taken_as() -> None:
    result = parse_deadline("节后 交材料", sh(2026, 9, 1, 9))
    assert isinstance(result, Deadline), result
    assert result.at == sh(2026, 9, 28) and result.note == "“节后”按中秋节后第一个工作日计算。"
    named = parse_deadline("国庆后 交材料", sh(2026, 9, 1, 9))
    assert isinstance(named, Deadline) and named.note is None  # the words say it already


def test_new_years_day_is_1_january_before_its_arrangement_is_out() -> None:
    result = parse_deadline("元旦前 交材料", sh(2026, 12, 30, 9))
    assert isinstance(result, Deadline), result
    assert result.at == sh(2026, 12, 31)
    after = parse_deadline("元旦后 交材料", sh(2026, 12, 30, 9))
    assert isinstance(after, Deadline), after
    if after.note is not None:  # 2027's arrangement not published: Monday–Friday
        assert "尚未公布" in after.note and after.at == sh(2027, 1, 4)
