"""How the bot writes times: 6月30日（周一）18:00 with 今天/明天 when near, 6月1日 09:00 in
lists, 还剩 2 天 3 小时. Every time is shown in the zone of ``now`` (or the one given)."""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

WEEKDAYS = "一二三四五六日"


def month_day(moment: datetime) -> str:
    """6月1日 (not 06月01日)."""
    return f"{moment.month}月{moment.day}日"


def short_when(moment: datetime | None, zone: tzinfo) -> str:
    """6月1日 09:00, for lists and reports."""
    if moment is None:
        return "—"
    local = moment.astimezone(zone)
    return f"{month_day(local)} {local:%H:%M}"


def format_when(dt: datetime, now: datetime) -> str:
    """6月30日（周一）18:00; 明天（6月11日 周三）15:00; the year when it is not this year's."""
    dt = dt.astimezone(now.tzinfo)
    day = dt.date()
    ymd = month_day(dt)
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
