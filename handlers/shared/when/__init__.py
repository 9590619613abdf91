"""Chinese deadline phrases → times: ``parse_deadline``, ``next_occurrence``,
``reminder_offsets`` and ``is_far`` (``handlers.shared.dates`` writes times back). Pure
functions: ``now`` (aware) is always passed in and every result is in its zone.

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

from handlers.shared.when.parse import is_far, next_occurrence, parse_deadline, reminder_offsets
from handlers.shared.when.phrases import EXAMPLES, PERIOD, Deadline, Recurrence, Unclear

__all__ = [
    "EXAMPLES",
    "PERIOD",
    "Deadline",
    "Recurrence",
    "Unclear",
    "is_far",
    "next_occurrence",
    "parse_deadline",
    "reminder_offsets",
]
