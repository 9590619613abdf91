"""What an update's figures may be, and how the bot says what it understood."""

from __future__ import annotations

import re
from datetime import tzinfo
from typing import Any

from handlers.shared.dates import month_day
from handlers.status.amounts import normalize
from handlers.status.messages import clip, signed_yuan, yuan
from storage.status_tables import StatusProject, StatusRecord

# Above these a figure is a slip of the unit (万 for 元), not a charity project's figure.
LIMITS = {
    "raised_yuan": (1_000_000_000, "已筹金额", "10亿元"),
    "target_yuan": (1_000_000_000, "目标金额", "10亿元"),
    "donations": (100_000_000, "捐赠人次", "1亿"),
    "beneficiaries": (100_000_000, "受益人数", "1亿"),
}
LABELS = {
    "raised_yuan": "已筹金额",
    "target_yuan": "目标金额",
    "donations": "捐赠人次",
    "beneficiaries": "受益人数",
    "stage": "阶段",
}
TOO_FAR_OVER = 20  # raised more than 20 times the target: a unit slipped
_NEGATIVE = re.compile(r"(?:[-−]|负)\s*\d[\d.]*\s*[万千亿元]?")
# Words that announce a figure, the field they announce, and the words after them (shown when
# the figure could not be read).
_ANNOUNCED = (
    ("raised_yuan", re.compile(r"(?:已筹|筹了|筹款|募集|已募)[^\s,，。;；/]{0,8}")),
    ("target_yuan", re.compile(r"目标[^\s,，。;；/]{0,8}")),
    ("donations", re.compile(r"捐赠[^\s,，。;；/]{0,8}")),
    ("beneficiaries", re.compile(r"(?:受益|惠及)[^\s,，。;；/]{0,8}")),
)
# A head count with no word saying whose (640人): donors or people helped cannot be told.
_BARE_COUNT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?万?(?:人次|人|名|位)")


def refusal(text: str, fields: dict[str, Any], project: StatusProject) -> str | None:
    """Why these figures cannot be recorded (negative or absurd), or None."""
    negative = _NEGATIVE.search(normalize(text))
    if negative:
        return f"⛔ 数字不能是负数：“{negative.group(0)}”。请改正后再发。"
    for name, (limit, label, said) in LIMITS.items():
        value = fields.get(name)
        if value is not None and value >= limit:
            return f"⛔ {label} {value:,} 不合理（超过{said}），请检查单位（万/元）后再发。"
    raised, target = fields.get("raised_yuan"), fields.get("target_yuan") or project.target_yuan
    if raised and target and raised > TOO_FAR_OVER * target:
        return (
            f"⛔ 已筹 {yuan(raised)} 是目标 {yuan(target)} 的 {raised // target} 倍，"
            "多半是单位写错了（万/元），请检查后再发。"
        )
    percent = fields.get("percent")
    if percent is not None and percent > 1000:
        return f"⛔ 完成 {percent:g}% 不合理，请检查后再发。"
    return None


def unread_parts(text: str, fields: dict[str, Any]) -> list[str]:
    """The announced figures that were not read: ``已筹一些`` when raised is missing."""
    clean = normalize(text)
    parts = []
    for name, pattern in _ANNOUNCED:
        if fields.get(name) is None:
            parts += [found.group(0) for found in pattern.finditer(clean)]
    return parts


def unclear_counts(text: str, fields: dict[str, Any], unread: list[str]) -> list[str]:
    """Head counts that say not whose (``640人``) when neither count was read, apart from
    those already named among the ``unread`` parts."""
    if fields.get("donations") is not None or fields.get("beneficiaries") is not None:
        return []
    counts = [found.group(0) for found in _BARE_COUNT.finditer(normalize(text))]
    return [count for count in counts if not any(count in part for part in unread)]


def stated(fields: dict[str, Any]) -> bool:
    return any(fields.get(name) is not None for name in (*LIMITS, "percent", "stage"))


def summary(
    project: StatusProject,
    record: StatusRecord,
    previous: StatusRecord | None,
    photos: int,
    unread: list[str],
    zone: tzinfo,
) -> str:
    """What the bot understood, the change since the last update, and what it flags."""
    target = record.target_yuan or project.target_yuan
    lines = [f"✅ 已记录进展：{project.name}（{project.region.name}）"]
    money = []
    if record.raised_yuan is not None:
        money.append(f"已筹 {yuan(record.raised_yuan)}")
    if target:
        money.append(("目标" if record.target_yuan else "登记目标") + f" {yuan(target)}")
    share = record.percent
    if share is None and record.raised_yuan is not None and target:
        share = 100 * record.raised_yuan / target
    if money:
        lines.append(" / ".join(money) + (f"（{share:.1f}%）" if share is not None else ""))
    elif share is not None:
        lines.append(f"完成 {share:g}%")
    counts = []
    if record.donations is not None:
        counts.append(f"捐赠 {record.donations:,} 人次")
    if record.beneficiaries is not None:
        counts.append(f"受益 {record.beneficiaries:,} 人")
    if counts:
        lines.append(" · ".join(counts))
    if record.stage:
        lines.append(f"阶段：{record.stage}")
    if photos:
        lines.append(f"📷 照片 {photos} 张")
    if previous is not None:
        lines.append(change_line(record, previous, zone))
    if record.raised_yuan is not None and target and record.raised_yuan > target:
        lines.append("⚠️ 已筹超过目标，已照常记录；如有误请点“更正”。")
    if unread:
        lines.append(
            "❓ 没读懂：" + "、".join(f"“{clip(part)}”" for part in unread) + "，可点“更正”补上。"
        )
    return "\n".join(lines)


def change_line(record: StatusRecord, previous: StatusRecord, zone: tzinfo) -> str:
    changes = []
    if record.raised_yuan is not None and previous.raised_yuan is not None:
        changes.append(f"已筹 {signed_yuan(record.raised_yuan - previous.raised_yuan)}")
    if record.donations is not None and previous.donations is not None:
        changes.append(f"捐赠 {record.donations - previous.donations:+,} 人次")
    if record.stage and previous.stage and record.stage != previous.stage:
        changes.append(f"阶段 {previous.stage} → {record.stage}")
    local = previous.reported_at.astimezone(zone)
    when = f"{month_day(local)} {local:%H:%M}"
    return f"较上次（{when}）：" + ("，".join(changes) if changes else "没有可比的数字")
