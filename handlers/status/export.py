"""/export [市州]: the .xlsx a federation sends upward. 汇总: one row per project with its
latest figures (amounts in 元, the share of the target in %, totals as formulas, the header
frozen); 历史: every update with who and when, corrections marked; for the province also
各市州, each region's totals as formulas over 汇总.

The figures are read in the command's transaction; the workbook (seconds for a large history)
is built after the commit, in a thread, so neither the database nor the other chats wait."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from copy import copy
from datetime import datetime, tzinfo
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from handlers.core.commands import Audience, Command
from handlers.core.context import Context
from handlers.core.model import IncomingMessage, SendDocument
from handlers.status.scope import Scope, read_scope
from handlers.status.tally import age_days, is_stale
from storage.directory import Region
from storage.status_tables import HistoryRow, ProjectFigures

log = logging.getLogger(__name__)

EXPORT_USAGE = (
    "/export [市州]\n例如：在本市州群里发送 /export；私聊中 /export 泸州；"
    "省级管理员私聊 /export 全省"
)
HISTORY_LIMIT = 60_000  # the newest update rows a workbook holds
YUAN = '#,##0"元"'
PERCENT = "0.0%"
WHEN = "yyyy-mm-dd hh:mm"
SUMMARY = "汇总"
SUMMARY_HEAD = (
    "市州", "项目", "机构", "领域", "已筹（元）", "目标（元）", "完成率", "捐赠人次",
    "受益人数", "阶段", "最近更新", "报送人", "未更新天数", "需跟进",
)  # fmt: skip
HISTORY_HEAD = (
    "编号", "报送时间", "市州", "项目", "已筹（元）", "目标（元）", "完成率", "捐赠人次",
    "受益人数", "阶段", "报送人", "来源", "状态", "更正的是编号", "更正时间", "照片", "原文",
)  # fmt: skip
REGIONS_HEAD = ("市州", "项目数", "已筹（元）", "目标（元）", "完成率", "捐赠人次", "需跟进")
SOURCES = {"tag": "群内 #进展", "command": "/update", "private": "私聊", "correction": "更正"}
WIDTHS = {"A": 8, "B": 24, "C": 22, "D": 10, "E": 14, "F": 14, "K": 17, "L": 16}


async def export(ctx: Context, message: IncomingMessage, args: str) -> None:
    scope = await read_scope(ctx, args, EXPORT_USAGE, managers_only=True, province_here=False)
    if isinstance(scope, str):
        ctx.reply(scope)
        return
    assert ctx.chat is not None
    now, zone = ctx.clock.now(), ctx.config.timezone
    region = None if scope.province else scope.regions[0]
    if region is None:
        figures = await ctx.uow.status.latest_all()
    else:
        figures = await ctx.uow.status.latest_in_region(region.id)
    history = await ctx.uow.status.history_rows(region.id if region else None, HISTORY_LIMIT)
    chat_id, label = ctx.chat.id, scope.label
    caption = (
        f"{label}项目进展（截至 {now.astimezone(zone):%Y-%m-%d %H:%M}）："
        f"{len(figures)} 个项目，{len(history)} 条进展记录"
    )
    if len(history) == HISTORY_LIMIT:
        caption += f"（历史只含最近 {HISTORY_LIMIT:,} 条）"
    name = f"项目进展-{label}-{now.astimezone(zone):%Y%m%d}.xlsx"

    async def send() -> None:
        try:
            content = await asyncio.to_thread(build_workbook, figures, history, scope, now, zone)
        except Exception:
            log.exception("the status export of %s failed", label)
            ctx.reply("⚠️ 生成表格时出错，请稍后再试。")
            return
        ctx.add(SendDocument(chat_id, name, content, caption))

    ctx.after_commit.append(send)


def build_workbook(
    figures: Sequence[ProjectFigures],
    history: Sequence[HistoryRow],
    scope: Scope,
    now: datetime,
    zone: tzinfo,
) -> bytes:
    book = Workbook(write_only=True)
    summary = book.create_sheet(SUMMARY)
    last = _summary(summary, figures, now, zone, scope.days)
    if scope.province:
        _regions(book.create_sheet("各市州"), scope.regions, last)
    _history(book.create_sheet("历史"), history, zone)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(sheet: WriteOnlyWorksheet, names: Sequence[str]) -> Styled:
    """The sheet's column widths, frozen panes and bold header; its cell maker."""
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "C2"  # the header row and the region and project columns
    cell = Styled(sheet)
    sheet.append([cell(name, bold=True) for name in names])
    return cell


class Styled:
    """Cells of one sheet with a number format and boldness, made fast: each combination is
    styled once and its style copied (styling every cell anew costs as much as writing it)."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self._styles: dict[tuple[str | None, bool], Any] = {}

    def __call__(
        self, value: object, number_format: str | None = None, bold: bool = False
    ) -> WriteOnlyCell | None:
        if value is None:
            return None
        style = self._styles.get((number_format, bold))
        if style is None:
            model = WriteOnlyCell(self.sheet)
            if number_format is not None:
                model.number_format = number_format
            if bold:
                model.font = Font(bold=True)
            style = self._styles[(number_format, bold)] = model._style
        if isinstance(value, datetime):
            value = to_excel(value)  # its own format follows; openpyxl's would cost more
        cell = WriteOnlyCell(self.sheet, value)
        cell._style = copy(style)
        return cell


def _text(sheet: WriteOnlyWorksheet, value: str | None) -> object:
    """People's words as text: never a formula (=…), without characters XML cannot hold."""
    if not value:
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


def _local(moment: datetime | None, zone: tzinfo) -> datetime | None:
    """Excel knows no time zones: local time, as the federation reads it."""
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)


def _summary(
    sheet: WriteOnlyWorksheet,
    figures: Sequence[ProjectFigures],
    now: datetime,
    zone: tzinfo,
    days: int,
) -> int:
    """One row per project, then the totals; the last project row's number."""
    cell = _header(sheet, SUMMARY_HEAD)
    for number, row in enumerate(figures, 2):
        if row.raised_yuan is not None and row.target_yuan:
            share: object = f"=E{number}/F{number}"
        else:
            share = None if row.percent is None else row.percent / 100
        sheet.append(
            [
                row.region, _text(sheet, row.name), _text(sheet, row.organisation), row.domain,
                cell(row.raised_yuan, YUAN), cell(row.target_yuan, YUAN), cell(share, PERCENT),
                row.donations, row.beneficiaries, row.stage,
                cell(_local(row.reported_at, zone), WHEN),
                _text(sheet, row.reporter_name), age_days(row.reported_at, now, zone),
                "是" if is_stale(row, now, zone, days) else "",
            ]
        )  # fmt: skip
    last = len(figures) + 1
    total = last + 1

    def summed(column: str, number_format: str | None = None) -> WriteOnlyCell | None:
        return cell(f"=SUM({column}2:{column}{last})", number_format, bold=True)

    sheet.append(
        [
            cell("合计", bold=True), cell(f"=COUNTA(B2:B{last})", bold=True), None, None,
            summed("E", YUAN), summed("F", YUAN),
            cell(f'=IF(F{total}>0,E{total}/F{total},"")', PERCENT, bold=True),
            summed("H"), summed("I"), None, None, None, None,
            cell(f'=COUNTIF(N2:N{last},"是")', bold=True),
        ]
    )  # fmt: skip
    return last


def _regions(sheet: WriteOnlyWorksheet, regions: Sequence[Region], last: int) -> None:
    """Each region's totals as formulas over the summary sheet."""
    cell = _header(sheet, REGIONS_HEAD)

    def over(column: str) -> str:
        return f"'{SUMMARY}'!${column}$2:${column}${last}"

    for number, region in enumerate(regions, 2):
        sheet.append(
            [
                region.name,
                f"=COUNTIF({over('A')},A{number})",
                cell(f"=SUMIF({over('A')},A{number},{over('E')})", YUAN),
                cell(f"=SUMIF({over('A')},A{number},{over('F')})", YUAN),
                cell(f'=IF(D{number}>0,C{number}/D{number},"")', PERCENT),
                f"=SUMIF({over('A')},A{number},{over('H')})",
                f'=COUNTIFS({over("A")},A{number},{over("N")},"是")',
            ]
        )
    end, total = len(regions) + 1, len(regions) + 2
    sheet.append(
        [
            "合计", f"=SUM(B2:B{end})", cell(f"=SUM(C2:C{end})", YUAN),
            cell(f"=SUM(D2:D{end})", YUAN), cell(f'=IF(D{total}>0,C{total}/D{total},"")', PERCENT),
            f"=SUM(F2:F{end})", f"=SUM(G2:G{end})",
        ]
    )  # fmt: skip


def _history(sheet: WriteOnlyWorksheet, history: Sequence[HistoryRow], zone: tzinfo) -> None:
    """Every update row, oldest first; a correction names the row it replaced and says when
    it was written, the replaced row says 已被更正 (the others leave it empty: one cell less
    on each of tens of thousands of rows)."""
    cell = _header(sheet, HISTORY_HEAD)
    replaced = {row.supersedes_id for row in history if row.supersedes_id is not None}
    for row in history:
        percent = None if row.percent is None else row.percent / 100
        sheet.append(
            [
                row.update_id, cell(_local(row.reported_at, zone), WHEN), row.region,
                _text(sheet, row.project), cell(row.raised_yuan, YUAN),
                cell(row.target_yuan, YUAN), cell(percent, PERCENT),
                row.donations, row.beneficiaries, row.stage, _text(sheet, row.reporter_name),
                SOURCES.get(row.source, row.source),
                "已被更正" if row.update_id in replaced else None, row.supersedes_id,
                cell(_local(row.created_at, zone), WHEN) if row.supersedes_id else None,
                row.photos or None,
                _text(sheet, row.text),
            ]
        )  # fmt: skip


EXPORT = Command(
    "export", "导出项目进展表格 .xlsx（协调员）", EXPORT_USAGE, export,
    audience=Audience.COORDINATOR,
)  # fmt: skip
