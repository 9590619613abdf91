"""China's working calendar and where reminders go. Expected values come from the State
Council's 2025 and 2026 holiday notices, e.g. 2026: 元旦 1月1日–3日 (1月4日 周日 上班), 春节
2月15日–23日 (2月14日 周六、2月28日 周六 上班), 国庆 10月1日–7日 (9月20日 周日、10月10日 周六
上班); the first test checks chinese_calendar agrees with them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.shared.workdays import (
    calendar_covers,
    holiday_periods,
    is_workday,
    next_workday,
    previous_workday,
    reminder_time,
    working_minutes,
    working_moment,
)

SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, m: int, d: int, hour: int = 18, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=SH)


def test_the_2026_notice_matches_chinese_calendar() -> None:
    days_off = {
        "New Year's Day": (date(2026, 1, 1), date(2026, 1, 3)),
        "Spring Festival": (date(2026, 2, 15), date(2026, 2, 23)),
        "Tomb-sweeping Day": (date(2026, 4, 4), date(2026, 4, 6)),
        "Labour Day": (date(2026, 5, 1), date(2026, 5, 5)),
        "Dragon Boat Festival": (date(2026, 6, 19), date(2026, 6, 21)),
        "Mid-autumn Festival": (date(2026, 9, 25), date(2026, 9, 27)),
        "National Day": (date(2026, 10, 1), date(2026, 10, 7)),
    }
    for name, (first, last) in days_off.items():
        period = holiday_periods(name)[-1]
        assert (period.first, period.last) == (first, last), name
        assert not any(is_workday(first + timedelta(d)) for d in range((last - first).days + 1))


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 10, 1), False),  # National Day, a Thursday
        (date(2026, 10, 7), False),  # its last day, a Wednesday
        (date(2026, 10, 8), True),
        (date(2026, 9, 20), True),  # Sunday, 调休 make-up day for National Day
        (date(2026, 10, 10), True),  # Saturday, make-up day
        (date(2026, 2, 14), True),  # Saturday, make-up day for Spring Festival
        (date(2026, 2, 16), False),  # 除夕, a Monday
        (date(2026, 2, 28), True),  # Saturday, make-up day
        (date(2026, 1, 4), True),  # Sunday, make-up day for New Year's Day
        (date(2026, 6, 13), False),  # an ordinary Saturday
        (date(2026, 6, 15), True),  # an ordinary Monday
        (date(2025, 10, 6), False),  # Mid-autumn 2025, inside the National Day days off
        (date(2027, 1, 1), True),  # not published: Monday–Friday, so a Friday works
        (date(2027, 1, 2), False),  # a Saturday
        (date(2003, 12, 31), True),  # before the data: a Wednesday
    ],
)
def test_is_workday(day: date, workday: bool) -> None:
    assert is_workday(day) is workday


@pytest.mark.parametrize(
    ("day", "covered"),
    [(date(2026, 12, 31), True), (date(2004, 1, 1), True), (date(2027, 1, 1), False)],
)
def test_calendar_covers(day: date, covered: bool) -> None:
    assert calendar_covers(day) is covered


def test_neighbouring_workdays_skip_holidays_and_keep_make_up_days() -> None:
    assert previous_workday(date(2026, 2, 15)) == date(2026, 2, 14)  # a make-up Saturday
    assert next_workday(date(2026, 2, 23)) == date(2026, 2, 24)
    assert previous_workday(date(2026, 10, 1)) == date(2026, 9, 30)
    assert next_workday(date(2026, 1, 3)) == date(2026, 1, 4)  # a make-up Sunday
    assert next_workday(date(2026, 6, 19)) == date(2026, 6, 22)  # 端午 Fri–Sun


NOW = sh(2026, 6, 1, 9)  # Monday 09:00, well before everything below
LATER = sh(2026, 12, 31)

# (fire_at, due_at, now, workdays_only, expected)
CASES = [
    # daytime stays
    (sh(2026, 6, 15, 10), LATER, NOW, False, sh(2026, 6, 15, 10)),
    (sh(2026, 6, 15, 8), LATER, NOW, False, sh(2026, 6, 15, 8)),
    (sh(2026, 6, 15, 21, 59), LATER, NOW, False, sh(2026, 6, 15, 21, 59)),
    (sh(2026, 6, 13, 10), LATER, NOW, False, sh(2026, 6, 13, 10)),  # weekends allowed
    # quiet hours
    (sh(2026, 6, 15, 22), LATER, NOW, False, sh(2026, 6, 16, 8)),
    (sh(2026, 6, 15, 23, 30), LATER, NOW, False, sh(2026, 6, 16, 8)),
    (sh(2026, 6, 16, 0), LATER, NOW, False, sh(2026, 6, 16, 8)),
    (sh(2026, 6, 16, 5), LATER, NOW, False, sh(2026, 6, 16, 8)),
    (sh(2026, 6, 16, 7, 59), LATER, NOW, False, sh(2026, 6, 16, 8)),
    # 08:00 would not be before the deadline: 21:00 the evening before
    (sh(2026, 6, 15, 23), sh(2026, 6, 16, 8), NOW, False, sh(2026, 6, 15, 21)),
    (sh(2026, 6, 16, 3), sh(2026, 6, 16, 7), NOW, False, sh(2026, 6, 15, 21)),
    # … unless 21:00 has passed too: the odd hour is kept
    (sh(2026, 6, 15, 23), sh(2026, 6, 16, 7), sh(2026, 6, 15, 21, 30), False, sh(2026, 6, 15, 23)),
    # workdays only: the nearest earlier workday, same time
    (sh(2026, 6, 13, 10), LATER, NOW, True, sh(2026, 6, 12, 10)),  # Saturday → Friday
    (sh(2026, 6, 13, 23, 30), LATER, NOW, True, sh(2026, 6, 12, 8)),  # Sat night → Fri 08:00
    (sh(2026, 6, 14, 23, 30), LATER, NOW, True, sh(2026, 6, 15, 8)),  # Sun night → Mon 08:00
    (sh(2026, 10, 3, 15), LATER, NOW, True, sh(2026, 9, 30, 15)),  # National Day → Sep 30
    (sh(2026, 10, 10, 10), LATER, NOW, True, sh(2026, 10, 10, 10)),  # make-up Saturday
    (sh(2026, 9, 20, 10), LATER, NOW, True, sh(2026, 9, 20, 10)),  # make-up Sunday
    (sh(2026, 2, 20, 9), LATER, sh(2026, 2, 1), True, sh(2026, 2, 14, 9)),  # 春节 → Sat 14th
    (sh(2026, 6, 15, 10), LATER, NOW, True, sh(2026, 6, 15, 10)),  # a workday stays
    # earlier would be in the past: 08:00 of the next workday …
    (sh(2026, 10, 5, 10), sh(2026, 10, 9), sh(2026, 10, 2, 12), True, sh(2026, 10, 8, 8)),
    # … unless that is not before the deadline either: the original time
    (sh(2026, 10, 5, 10), sh(2026, 10, 8, 8), sh(2026, 10, 2, 12), True, sh(2026, 10, 5, 10)),
    # 2027 is not published: Monday–Friday
    (sh(2027, 1, 2, 10), sh(2027, 3, 1), NOW, True, sh(2027, 1, 1, 10)),
    (sh(2027, 1, 1, 10), sh(2027, 3, 1), NOW, True, sh(2027, 1, 1, 10)),
    # a reminder already past or not before the deadline is left alone
    (sh(2026, 6, 15, 10), sh(2026, 6, 15, 9), NOW, False, sh(2026, 6, 15, 10)),
    (sh(2026, 5, 30, 10), LATER, NOW, True, sh(2026, 5, 30, 10)),
]


@pytest.mark.parametrize(("fire_at", "due_at", "now", "workdays_only", "expected"), CASES)
def test_reminder_time(
    fire_at: datetime, due_at: datetime, now: datetime, workdays_only: bool, expected: datetime
) -> None:
    assert reminder_time(fire_at, due_at, now, workdays_only, SH) == expected


def test_reminder_time_is_computed_and_returned_in_the_zone_given() -> None:
    fire = datetime(2026, 6, 15, 15, tzinfo=UTC)  # 23:00 in Shanghai
    result = reminder_time(fire, LATER.astimezone(UTC), NOW.astimezone(UTC), False, SH)
    assert result == sh(2026, 6, 16, 8)
    assert result.tzinfo == SH
    kept = reminder_time(fire, fire + timedelta(hours=1), sh(2026, 6, 15, 21, 30), False, SH)
    assert kept == fire and kept.tzinfo == SH


def test_quiet_hours_follow_the_zone_the_bot_runs_in() -> None:
    """With TIMEZONE set elsewhere, 23:00 there (not in Shanghai) is moved to 08:00 there."""
    urumqi = ZoneInfo("Asia/Urumqi")  # two hours behind Shanghai
    fire = datetime(2026, 6, 15, 23, tzinfo=urumqi)
    due = datetime(2026, 6, 17, 12, tzinfo=urumqi)
    now = datetime(2026, 6, 15, 9, tzinfo=urumqi)
    assert reminder_time(fire, due, now, False, urumqi) == datetime(2026, 6, 16, 8, tzinfo=urumqi)
    in_shanghai = reminder_time(fire, due, now, False, SH)  # 01:00 there: also quiet
    assert in_shanghai == datetime(2026, 6, 16, 8, tzinfo=SH)
    early = datetime(2026, 6, 15, 21, 30, tzinfo=urumqi)  # 23:30 in Shanghai, fine in Urumqi
    assert reminder_time(early, due, now, False, urumqi) == early
    assert reminder_time(early, due, now, False, SH) == datetime(2026, 6, 16, 8, tzinfo=SH)


def test_working_minutes_count_only_working_hours_of_workdays() -> None:
    friday_five = datetime(2026, 6, 12, 17, tzinfo=SH)  # Friday 17:00
    monday_ten = datetime(2026, 6, 15, 10, tzinfo=SH)  # Monday 10:00
    assert working_minutes(friday_five, monday_ten, SH) == 120  # 17–18 and 9–10
    night = datetime(2026, 6, 15, 20, tzinfo=SH)
    assert working_minutes(night, night + timedelta(hours=12), SH) == 0  # 20:00–08:00
    assert working_minutes(monday_ten, monday_ten + timedelta(minutes=45), SH) == 45
    # 端午 2026: 6月19日 (Friday) is a day off
    assert (
        working_minutes(
            datetime(2026, 6, 19, 9, tzinfo=SH), datetime(2026, 6, 19, 18, tzinfo=SH), SH
        )
        == 0
    )


def test_an_hour_of_working_time_ends_where_the_desk_counts_it() -> None:
    friday_five_thirty = datetime(2026, 6, 18, 17, 30, tzinfo=SH)  # Thursday before 端午
    # 17:30–18:00, then Friday 19 June is a day off and the weekend too: Monday 09:30
    assert working_moment(friday_five_thirty, 60, SH) == datetime(2026, 6, 22, 9, 30, tzinfo=SH)
    evening = datetime(2026, 6, 15, 20, tzinfo=SH)
    assert working_moment(evening, 60, SH) == datetime(2026, 6, 16, 10, tzinfo=SH)
    for start in (friday_five_thirty, evening, datetime(2026, 6, 15, 10, 7, tzinfo=SH)):
        assert working_minutes(start, working_moment(start, 60, SH), SH) == 60
