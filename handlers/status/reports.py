"""/report: a region's table of projects (raised against target, donations, stage, how long
since the last update, ⚠️ on the quiet ones), or the province's totals per region.

Telegram takes at most 4096 characters a message: a long table is sent in parts, each cut
between projects. Each project takes two short lines, readable on a phone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.model import IncomingMessage
from handlers.shared.dates import short_when
from handlers.status.messages import yuan
from handlers.status.scope import read_scope
from handlers.status.tally import (
    Totals,
    age_days,
    age_text,
    is_stale,
    region_totals,
    share,
    stale_before,
    totals,
)
from storage.directory import Region
from storage.status_tables import ProjectFigures

PAGE = 3800  # characters a message part may hold (Telegram's limit is 4096)
REPORT_USAGE = (
    "/report [天数] [市州]\n例如：/report（本群所属市州，7天未更新的标 ⚠️）、/report 14、"
    "私聊中 /report 泸州（本市州协调员）、/report 全省（省级管理员）"
)
MORE = "明细：私聊发送 /report 市州名；表格：/export；图表：/chart"


async def report(ctx: Context, message: IncomingMessage, args: str) -> None:
    scope = await read_scope(ctx, args, REPORT_USAGE, days=True)
    if isinstance(scope, str):
        ctx.reply(scope)
        return
    now, zone = ctx.clock.now(), ctx.config.timezone
    if scope.province:
        before = stale_before(now, zone, scope.days)
        found = region_totals(await ctx.uow.status.region_totals(before))
        texts = province_texts(found, scope.regions, now, zone, scope.days)
    else:
        rows = await ctx.uow.status.latest_in_region(scope.regions[0].id)
        texts = region_texts(scope.regions[0].name, rows, now, zone, scope.days)
    for text in texts:
        ctx.reply(text)


def money(raised: int | None, target: int | None, percent: float | None) -> str:
    """12.5万元/30万元（41.7%）, 已筹 12.5万元, 目标 30万元, 完成 42%."""
    if raised is not None and target:
        amounts = f"{yuan(raised)}/{yuan(target)}"
    elif raised is not None:
        amounts = f"已筹 {yuan(raised)}"
    elif target:
        amounts = f"目标 {yuan(target)}"
    else:
        amounts = ""
    if percent is None:
        return amounts
    return f"{amounts}（{percent:.1f}%）" if amounts else f"完成 {percent:g}%"


def total_line(found: Totals) -> str:
    said = money(found.raised if found.reported else None, found.target, found.share)
    parts = [f"项目 {found.projects} 个", said or "尚无金额", f"捐赠 {found.donations:,} 人次"]
    return " · ".join(parts)


def stale_line(found: Totals, days: int) -> str:
    if not found.stale:
        return f"✅ 每个项目 {days} 天内都有更新"
    return f"⚠️ {days} 天以上未更新（或尚无进展）：{found.stale} 个"


def project_block(number: int, row: ProjectFigures, now: datetime, zone: tzinfo, days: int) -> str:
    flag = "⚠️" if is_stale(row, now, zone, days) else ""
    head = f"{flag}{number}. {row.name}" + (f"｜{row.organisation}" if row.organisation else "")
    parts = [
        money(row.raised_yuan, row.target_yuan, share(row)),
        f"{row.donations:,}人次" if row.donations is not None else "",
        row.stage or "",
        age_text(age_days(row.reported_at, now, zone)),
    ]
    return head + "\n    " + " · ".join(p for p in parts if p)


def region_texts(
    name: str, rows: Sequence[ProjectFigures], now: datetime, zone: tzinfo, days: int
) -> list[str]:
    """The region's table, in as many messages as it takes."""
    if not rows:
        return [
            f"{name}还没有登记项目。协调员可用 /project_add 登记，或发送表格导入"
            "（/project_template 获取模板）。"
        ]
    found = totals(rows, now, zone, days)
    head = [
        f"📊 {name}项目进展（{short_when(now, zone)}）",
        total_line(found),
        stale_line(found, days),
        "",
    ]
    blocks = [project_block(n, row, now, zone, days) for n, row in enumerate(rows, 1)]
    return paginate(f"📊 {name}项目进展", head, blocks)


def province_texts(
    found: dict[int, Totals],
    regions: Sequence[Region],
    now: datetime,
    zone: tzinfo,
    days: int,
) -> list[str]:
    """Totals for the province and for each of its regions (no project names)."""
    everything = Totals()
    for part in found.values():
        everything.include(part)
    head = [
        f"📊 全省项目进展（{len(regions)} 个市州，{short_when(now, zone)}）",
        total_line(everything),
        stale_line(everything, days),
        "",
    ]
    lines = []
    for region in regions:
        mine = found.get(region.id, Totals())
        if not mine.projects:
            lines.append(f"{region.name}：未登记项目")
            continue
        said = money(mine.raised if mine.reported else None, mine.target, mine.share)
        parts = [f"{mine.projects}个", said, f"{mine.donations:,}人次"]
        flag = f" · ⚠️{mine.stale}" if mine.stale else ""
        lines.append(f"{region.name}：" + " · ".join(p for p in parts if p) + flag)
    return paginate("📊 全省项目进展", head, [*lines, "", MORE])


def paginate(title: str, head: list[str], blocks: list[str], limit: int = PAGE) -> list[str]:
    """The head and the blocks in messages of at most ``limit`` characters, cut between
    blocks; the later parts say which part they are."""
    pages: list[list[str]] = [list(head)]
    size = sum(len(line) + 1 for line in head)
    for block in blocks:
        if size + len(block) + 1 > limit and pages[-1]:
            pages.append([])
            size = 0
        pages[-1].append(block)
        size += len(block) + 1
    if len(pages) == 1:
        return ["\n".join(pages[0]).rstrip()]
    count = len(pages)
    texts = ["\n".join(pages[0]).rstrip() + f"\n（共 {count} 条消息）"]
    for number, page in enumerate(pages[1:], 2):
        texts.append(f"{title}（续 {number}/{count}）\n" + "\n".join(page).rstrip())
    return texts


REPORT = Command("report", "项目进展汇总（本群市州；省级管理员：全省）", REPORT_USAGE, report)
