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
from dataclasses import dataclass
from datetime import datetime, tzinfo

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

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
    buffer = io.BytesIO()
    # Rows go out as they are written (constant memory): tens of thousands of history rows
    # cost about 50 µs each, half of what openpyxl's write-only mode took.
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    last = _summary(Sheet(book, SUMMARY, SUMMARY_HEAD), figures, now, zone, scope.days)
    if scope.province:
        _regions(Sheet(book, "各市州", REGIONS_HEAD), scope.regions, last)
    _history(Sheet(book, "历史", HISTORY_HEAD), history, zone)
    book.close()
    return buffer.getvalue()


class Text(str):
    """People's words, written as text even when they begin with = (never a formula)."""


@dataclass(frozen=True, slots=True)
class Styled:
    """A value with a number format, bold or not."""

    value: object
    number_format: str | None = None
    bold: bool = False


def styled(value: object, number_format: str | None = None, bold: bool = False) -> Styled | None:
    return None if value is None else Styled(value, number_format, bold)


class Sheet:
    """One worksheet, written row by row: column widths, frozen panes (the header row and
    the region and project columns) and a bold header first. A plain str beginning with = is
    a formula; ``Text`` is always text."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, head: Sequence[str]) -> None:
        self._book, self._sheet = book, book.add_worksheet(name)
        self._formats: dict[tuple[str | None, bool], Format] = {}
        self._row = 0
        for column, width in WIDTHS.items():
            self._sheet.set_column(f"{column}:{column}", width)
        self._sheet.freeze_panes(1, 2)
        self.append([styled(name, bold=True) for name in head])

    def append(self, values: Sequence[object]) -> None:
        write, row = self._sheet, self._row
        for column, value in enumerate(values):
            number_format = None
            if isinstance(value, Styled):
                number_format = self._format(value.number_format, value.bold)
                value = value.value
            _write(write, row, column, value, number_format)
        self._row += 1

    def _format(self, number_format: str | None, bold: bool) -> Format:
        found = self._formats.get((number_format, bold))
        if found is None:
            properties: dict[str, object] = {"bold": bold}
            if number_format is not None:
                properties["num_format"] = number_format
            found = self._formats[(number_format, bold)] = self._book.add_format(properties)
        return found


def _write(sheet: Worksheet, row: int, column: int, value: object, style: Format | None) -> None:
    if value is None:
        if style is not None:
            sheet.write_blank(row, column, None, style)
    elif isinstance(value, Text) or (isinstance(value, str) and not value.startswith("=")):
        sheet.write_string(row, column, value, style)
    elif isinstance(value, str):
        sheet.write_formula(row, column, value, style)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, column, value, style)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, style)
    else:
        raise TypeError(f"no cell for {value!r}")


def _text(value: str | None) -> Text | None:
    """People's words as text, without the characters XML cannot hold."""
    return Text(ILLEGAL_CHARACTERS_RE.sub("", value)) if value else None


def _local(moment: datetime | None, zone: tzinfo) -> datetime | None:
    """Excel knows no time zones: local time, as the federation reads it."""
    return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)


def _summary(
    sheet: Sheet,
    figures: Sequence[ProjectFigures],
    now: datetime,
    zone: tzinfo,
    days: int,
) -> int:
    """One row per project, then the totals; the last project row's number."""
    for number, row in enumerate(figures, 2):
        if row.raised_yuan is not None and row.target_yuan:
            share: object = f"=E{number}/F{number}"
        else:
            share = None if row.percent is None else row.percent / 100
        sheet.append(
            [
                row.region, _text(row.name), _text(row.organisation), row.domain,
                styled(row.raised_yuan, YUAN), styled(row.target_yuan, YUAN),
                styled(share, PERCENT),
                row.donations, row.beneficiaries, row.stage,
                styled(_local(row.reported_at, zone), WHEN),
                _text(row.reporter_name), age_days(row.reported_at, now, zone),
                "是" if is_stale(row, now, zone, days) else "",
            ]
        )  # fmt: skip
    last = len(figures) + 1
    total = last + 1

    def summed(column: str, number_format: str | None = None) -> Styled | None:
        return styled(f"=SUM({column}2:{column}{last})", number_format, bold=True)

    sheet.append(
        [
            styled("合计", bold=True), styled(f"=COUNTA(B2:B{last})", bold=True), None, None,
            summed("E", YUAN), summed("F", YUAN),
            styled(f'=IF(F{total}>0,E{total}/F{total},"")', PERCENT, bold=True),
            summed("H"), summed("I"), None, None, None, None,
            styled(f'=COUNTIF(N2:N{last},"是")', bold=True),
        ]
    )  # fmt: skip
    return last


def _regions(sheet: Sheet, regions: Sequence[Region], last: int) -> None:
    """Each region's totals as formulas over the summary sheet."""

    def over(column: str) -> str:
        return f"'{SUMMARY}'!${column}$2:${column}${last}"

    for number, region in enumerate(regions, 2):
        sheet.append(
            [
                region.name,
                f"=COUNTIF({over('A')},A{number})",
                styled(f"=SUMIF({over('A')},A{number},{over('E')})", YUAN),
                styled(f"=SUMIF({over('A')},A{number},{over('F')})", YUAN),
                styled(f'=IF(D{number}>0,C{number}/D{number},"")', PERCENT),
                f"=SUMIF({over('A')},A{number},{over('H')})",
                f'=COUNTIFS({over("A")},A{number},{over("N")},"是")',
            ]
        )
    end, total = len(regions) + 1, len(regions) + 2
    sheet.append(
        [
            "合计", f"=SUM(B2:B{end})", styled(f"=SUM(C2:C{end})", YUAN),
            styled(f"=SUM(D2:D{end})", YUAN),
            styled(f'=IF(D{total}>0,C{total}/D{total},"")', PERCENT),
            f"=SUM(F2:F{end})", f"=SUM(G2:G{end})",
        ]
    )  # fmt: skip


def _history(sheet: Sheet, history: Sequence[HistoryRow], zone: tzinfo) -> None:
    """Every update row, oldest first; a correction names the row it replaced and says when
    it was written, the replaced row says 已被更正 (the others leave it empty: one cell less
    on each of tens of thousands of rows)."""
    replaced = {row.supersedes_id for row in history if row.supersedes_id is not None}
    for row in history:
        percent = None if row.percent is None else row.percent / 100
        sheet.append(
            [
                row.update_id, styled(_local(row.reported_at, zone), WHEN), row.region,
                _text(row.project), styled(row.raised_yuan, YUAN),
                styled(row.target_yuan, YUAN), styled(percent, PERCENT),
                row.donations, row.beneficiaries, row.stage, _text(row.reporter_name),
                SOURCES.get(row.source, row.source),
                "已被更正" if row.update_id in replaced else None, row.supersedes_id,
                styled(_local(row.created_at, zone), WHEN) if row.supersedes_id else None,
                row.photos or None,
                _text(row.text),
            ]
        )  # fmt: skip


EXPORT = Command(
    "export", "导出项目进展表格 .xlsx（协调员）", EXPORT_USAGE, export,
    audience=Audience.COORDINATOR,
)  # fmt: skip
