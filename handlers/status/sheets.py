"""The registry as a sheet: /project_template sends the .xlsx template; a coordinator who
sends an .xlsx or .csv gets a preview that names each bad row by its number, and the good
rows are registered only after 确认导入."""

from __future__ import annotations

import csv
import io
import json
from collections import OrderedDict
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from handlers.core.commands import Audience, Command, typed_number
from handlers.core.context import Context
from handlers.core.model import (
    AnswerCallback,
    Button,
    CallbackPress,
    EditMessage,
    IncomingMessage,
    MessageKind,
    SendDocument,
)
from handlers.core.ports import FileUnavailable
from handlers.shared.regions import resolve_region
from handlers.status.fields import KEYS, Typed, owner_entry, split_list
from handlers.status.messages import PICK_STALE, clip
from handlers.status.registry import check_values, region_for
from storage.directory import Region
from storage.status_tables import StatusPending

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 2000
SHOWN_PROBLEMS = 30
COLUMNS = ("项目名称", "简称", "机构", "市州", "领域", "目标金额（元）", "负责人")
REQUIRED = {"name": "项目名称", "organisation": "机构", "domain": "领域", "target": "目标金额"}
EXAMPLE = ("阅芽计划", "阅芽", "泸州市慈善会", "泸州", "儿童关爱", 300000, "@li_luzhou")
_recent: OrderedDict[str, bytes] = OrderedDict()  # a file read twice (a read-only attempt)


def template() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "项目登记"
    sheet.append(COLUMNS)
    sheet.append(EXAMPLE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFG", (24, 16, 24, 8, 10, 16, 18), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明")
    notes.append(
        [
            "领域只能填：敬老爱老、儿童关爱、扶弱济困、乡村发展、社区治理、生态环保、慈善文化、其他类"
        ]
    )
    notes.append(
        ["简称、负责人可填多个，用逗号或顿号分开；负责人写 @用户名。市州留空时用本群或您的市州。"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def send_template(ctx: Context, message: IncomingMessage, args: str) -> None:
    if ctx.chat is None:
        return
    caption = "项目登记模板：填好后把文件发给我（私聊），预览无误后点“确认导入”。"
    ctx.add(SendDocument(ctx.chat.id, "项目登记模板.xlsx", template(), caption))


def read_table(filename: str, content: bytes) -> list[list[str]] | str:
    """The sheet's rows as text (the first sheet of a workbook), or why it cannot be read."""
    if filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return "无法读取这个 CSV 文件（请用 UTF-8 编码保存）。"
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        return "无法读取这个文件：它不是有效的 Excel 表格（.xlsx），可能已损坏。"
    sheet = book.worksheets[0]
    rows = [
        ["" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)).strip() for v in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    book.close()
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = title.replace(" ", "").replace("（", "(").replace("）", ")").removesuffix("(元)")
        english = KEYS.get(key) or KEYS.get(key.removeprefix("项目"))
        if english is not None:
            found.setdefault(english, index)
    return found


async def check_rows(
    ctx: Context, rows: list[list[str]], default: Region | None
) -> tuple[list[dict[str, Any]], list[str]] | str:
    """The good rows (ready to register) and a line per bad row; or why the whole sheet is
    refused (missing columns, no rows)."""
    start = next((n for n, row in enumerate(rows) if any(row)), None)
    if start is None:
        return "表格是空的。"
    columns = _columns(rows[start])
    missing = [title for key, title in REQUIRED.items() if key not in columns]
    if missing:
        return f"表格缺少列：{'、'.join(missing)}。请用 /project_template 的模板。"
    regions = await ctx.uow.regions.all()
    good: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[tuple[int, str], int] = {}
    for number, row in enumerate(rows[start + 1 :], start + 2):
        if not any(row):
            continue
        cell = {key: row[i].strip() if i < len(row) else "" for key, i in columns.items()}
        why, entry = await _check_row(ctx, cell, regions, default)
        if entry is not None:
            key = (entry["region_id"], entry["name"])
            if key in seen:
                why = f"项目名称“{clip(entry['name'])}”与第{seen[key]}行重复"
            elif await ctx.uow.status.project_by_name(*key) is not None:
                why = f"“{clip(entry['name'])}”已经登记过了（修改请用 /project_edit）"
            else:
                seen[key] = number
                good.append(entry)
        if why:
            problems.append(f"第{number}行：{why}")
    return good, problems


async def _check_row(
    ctx: Context, cell: dict[str, str], regions: Any, default: Region | None
) -> tuple[str | None, dict[str, Any] | None]:
    if not cell.get("name"):
        return "缺少项目名称", None
    region = resolve_region(cell["region"], regions) if cell.get("region") else default
    if region is None:
        return (f"不认识市州“{clip(cell['region'])}”" if cell.get("region") else "缺少市州"), None
    if not ctx.actor.may_manage(region.id):
        return f"您不是{region.name}的协调员，不能登记{region.name}的项目", None
    for key, title in REQUIRED.items():
        if not cell.get(key):
            return f"缺少{title}", None
    typed = Typed(cell["name"], {k: v for k, v in cell.items() if v and k != "name"})
    values, problems = check_values(typed, adding=True)
    if problems:
        return "；".join(problems), None
    owners = [owner_entry(label) for label in split_list(cell.get("owners", ""))]
    return None, {
        "region_id": region.id, "region": region.name, "name": cell["name"][:128],
        "organisation": values["organisation"], "domain": values["domain"],
        "target_yuan": values.get("target_yuan"), "aliases": values.get("aliases", []),
        "owners": owners,
    }  # fmt: skip


def _is_sheet(name: str) -> bool:
    return name.lower().endswith((".xlsx", ".csv"))


async def on_document(ctx: Context, message: IncomingMessage) -> bool:
    """A sheet sent to import: in a private chat, or in a group with 导入 in its caption."""
    attachment = message.attachment
    if message.kind is not MessageKind.DOCUMENT or attachment is None:
        return False
    name = attachment.file_name or ""
    if ctx.group is not None and "导入" not in (message.text or ""):
        return False
    if not (ctx.actor.is_provincial_admin or ctx.actor.is_coordinator):
        if _is_sheet(name):
            ctx.reply("⛔ 只有市州协调员或省级管理员可以导入项目。")
            return True
        return False
    if (attachment.file_size or 0) > MAX_BYTES:
        size = (attachment.file_size or 0) / 1024 / 1024
        ctx.reply(f"⛔ 文件太大（{size:.1f} MB），最多 10 MB。请删去多余的工作表或图片后再发。")
        return True
    if not _is_sheet(name):
        ctx.reply(
            f"⛔ “{clip(name) or '这个文件'}”不是表格：请发送 .xlsx 或 .csv"
            "（/project_template 获取模板）。"
        )
        return True
    content = await _download(ctx, attachment.file_id)
    if content is None:
        ctx.reply("没能取到这个文件，请稍后再发一次。")
        return True
    table = read_table(name, content)
    if isinstance(table, str):
        ctx.reply(f"⛔ {table}")
        return True
    if len(table) > MAX_ROWS + 1:
        ctx.reply(f"⛔ 表格有 {len(table) - 1} 行，一次最多导入 {MAX_ROWS} 行，请分开发送。")
        return True
    region = await region_for(ctx, None)
    checked = await check_rows(ctx, table, region if isinstance(region, Region) else None)
    if isinstance(checked, str):
        ctx.reply(f"⛔ {checked}")
        return True
    await _preview(ctx, message, *checked)
    return True


async def _download(ctx: Context, file_id: str) -> bytes | None:
    if file_id in _recent:
        return _recent[file_id]
    if ctx.files is None:
        return None
    try:
        content = await ctx.files.download(file_id, MAX_BYTES)
    except FileUnavailable:
        return None
    _recent[file_id] = content
    while len(_recent) > 4:
        _recent.popitem(last=False)
    return content


async def _preview(
    ctx: Context, message: IncomingMessage, good: list[dict[str, Any]], problems: list[str]
) -> None:
    user = ctx.actor.user
    assert user is not None
    total = len(good) + len(problems)
    lines = [f"📄 共 {total} 行：可导入 {len(good)} 个项目，有问题 {len(problems)} 行。"]
    lines += [f"✅ {clip(row['name'])}（{row['region']}，{row['domain']}）" for row in good[:10]]
    if len(good) > 10:
        lines.append(f"……等 {len(good)} 个")
    lines += [f"❌ {problem}" for problem in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"……另有 {len(problems) - SHOWN_PROBLEMS} 行有问题")
    if not good:
        lines.append("没有可导入的行，请改正后重新发送。")
        ctx.reply("\n".join(lines))
        return
    pending = await ctx.uow.status.hold(
        StatusPending(
            kind="import", user_id=user.id, chat_id=message.chat.id,
            message_id=message.message_id, payload=json.dumps(good, ensure_ascii=False),
            created_at=ctx.clock.now(),
        )
    )  # fmt: skip
    lines.append("有问题的行不会导入。确认导入其余的项目吗？")
    buttons = ((Button(f"确认导入 {len(good)} 个", f"status:import:{pending.id}:ok"),
                Button("取消", f"status:import:{pending.id}:no")),)  # fmt: skip
    ctx.reply("\n".join(lines), buttons)


async def on_import_press(ctx: Context, press: CallbackPress, rest: str) -> None:
    ident, _, answer = rest.partition(":")
    number = typed_number(ident)
    pending = await ctx.uow.status.get_pending(number, lock=True) if number else None
    if pending is None or pending.kind != "import" or pending.done_at is not None:
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return
    if press.user.id != pending.user_id:
        ctx.add(AnswerCallback(press.callback_id, "只有发送表格的人可以确认。", show_alert=True))
        return
    now = ctx.clock.now()
    pending.done_at = now
    where = (press.chat.id if press.chat else pending.chat_id), press.message_id or 0
    if answer != "ok":
        ctx.add(EditMessage(*where, "已取消导入。"))
        ctx.add(AnswerCallback(press.callback_id))
        return
    added: list[str] = []
    skipped: list[str] = []
    for row in json.loads(pending.payload):
        if not ctx.actor.may_manage(row["region_id"]):
            skipped.append(row["name"])
            continue
        owners = []
        for label, username in row["owners"]:
            person = await ctx.uow.people.by_username(username) if username else None
            owners.append((label, username, person.id if person else None))
        project = await ctx.uow.status.add_project(
            row["region_id"], row["name"], row["domain"], organisation=row["organisation"],
            target_yuan=row["target_yuan"], aliases=row["aliases"], owners=owners,
            by=press.user.id, by_name=press.user.label, now=now,
        )  # fmt: skip
        (added if project is not None else skipped).append(row["name"])
    text = f"✅ 已导入 {len(added)} 个项目。"
    if skipped:
        text += f"\n跳过 {len(skipped)} 个（已存在或无权登记）：{'、'.join(skipped[:20])}"
    ctx.add(EditMessage(*where, text))
    ctx.add(AnswerCallback(press.callback_id, f"已导入 {len(added)} 个项目"))


PROJECT_TEMPLATE = Command(
    "project_template", "项目登记表格模板（协调员）", "/project_template", send_template,
    audience=Audience.COORDINATOR,
)  # fmt: skip
