"""Reading the knowledge base from chat: /faq_list by category, /faq_show with regional
answers and the change log (what each change did, before → after)."""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.model import IncomingMessage
from handlers.faq.fields import FIELD_NAMES, MAX_LIST_LINES, entry_named, shortened
from knowledge_base.limits import (
    utf16_length,
)
from storage.faq import FaqChange


async def list_entries(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_list [分类]: categories with counts, or the entries of one category."""
    entries = await ctx.uow.faq.active_entries()
    category = args.strip()
    if not category:
        counts = Counter(e.category for e in entries)
        lines = [f"知识库共 {len(entries)} 条问答，按分类："]
        lines += [f"· {name}（{count}）" for name, count in counts.most_common()]
        lines.append("查看某一类：/faq_list 分类名；查看一条：/faq_show 编号")
        ctx.reply("\n".join(lines))
        return
    chosen = [e for e in entries if e.category == category or category in e.category]
    if not chosen:
        ctx.reply(f"没有分类“{category[:20]}”。发送 /faq_list 查看全部分类。")
        return
    lines = [f"#{e.id} {e.question}" for e in chosen[:MAX_LIST_LINES]]
    if len(chosen) > MAX_LIST_LINES:
        lines.append(f"……还有 {len(chosen) - MAX_LIST_LINES} 条")
    ctx.reply(f"“{category}”类问答：\n" + "\n".join(lines))


async def show_entry(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_show ID: one entry in full, with regional answers and its latest changes (what
    changed, before → after)."""
    found = await entry_named(ctx, args, SHOW)
    if found is None:
        return
    entry, _ = found
    zone: ZoneInfo = ctx.config.timezone
    lines = [
        f"#{entry.id}（{entry.category}，{entry.key}）",
        f"问题：{entry.question}",
    ]
    if entry.variants:
        lines.append("问法：" + "；".join(entry.variants))
    if entry.keywords:
        lines.append("关键词：" + "，".join(entry.keywords))
    answers = [("答案", entry.answer)]
    answers += [
        (f"{local.region.name}专属答案", local.answer)
        for local in await ctx.uow.faq.region_answers(entry.id)
    ]
    history = []
    for change in await ctx.uow.faq.changes(entry.id, limit=3):
        person = await ctx.uow.people.by_user_id(change.changed_by)
        who = person.label if person else str(change.changed_by)
        when = change.changed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        history.append(f"修改记录：{when} {who} {await _what_changed(ctx, change)}")
    # Long answers are cut so that the other answers and the history still show.
    room = SHOW_LIMIT - utf16_length("\n".join(lines + history)) - 40 * len(answers)
    share = max(200, room // len(answers))
    lines += [f"{label}：{_clip(text, share)}" for label, text in answers]
    ctx.reply(_clip("\n".join(lines + history)))


_ACTIONS = {
    "add": "新增",
    "edit": "修改",
    "delete": "删除",
    "local": "设置市州答案",
    "local_delete": "删除市州答案",
}
SHOW_LIMIT = 4000  # UTF-16 units: /faq_show stays within one message
_CONTEXT = 6  # characters kept either side of a change, when the text around it is longer
_SHOWN_CHANGE = 20  # characters of each side of a change


async def _what_changed(ctx: Context, change: FaqChange) -> str:
    """One change-log row, short: 修改答案：旧 → 新；分类：旧 → 新 (the fields that differ)."""
    before, after = change.before or {}, change.after or {}
    if change.action in ("local", "local_delete"):
        region = await ctx.uow.regions.get(change.region_id) if change.region_id else None
        name = region.name if region else "市州"
        if change.action == "local_delete":
            return f"删除{name}专属答案：{shortened(str(before.get('answer', '')), _SHOWN_CHANGE)}"
        if "answer" in before:
            return f"修改{name}专属答案：{_difference(before['answer'], after.get('answer', ''))}"
        return f"设置{name}专属答案：{shortened(str(after.get('answer', '')), _SHOWN_CHANGE)}"
    if change.action != "edit":
        return _ACTIONS.get(change.action, change.action)
    differences = [
        f"{label}：{_difference(_as_text(before.get(name)), _as_text(after.get(name)))}"
        for name, label in FIELD_NAMES.items()
        if before.get(name) != after.get(name)
    ]
    return "修改" + ("；".join(differences) or "（内容未变）")


def _as_text(value: object) -> str:
    return "；".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _difference(before: str, after: str) -> str:
    """旧 → 新, short: the text both share around the change is left out (…)."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    start = start - _CONTEXT if start > _CONTEXT else 0  # keep a few characters of context
    end = end - _CONTEXT if end > _CONTEXT else 0

    def part(text: str) -> str:
        middle = text[start : len(text) - end]
        shown = shortened(middle, _SHOWN_CHANGE) if middle else "（空）"
        return ("…" if start else "") + shown + ("…" if end and middle else "")

    return f"{part(before)} → {part(after)}"


def _clip(text: str, limit: int = SHOW_LIMIT) -> str:
    """The text cut to ``limit`` UTF-16 units, saying how long it was."""
    if utf16_length(text) <= limit:
        return text
    note = f"……（共 {utf16_length(text)} 字，未显示完）"
    kept = text[: limit - utf16_length(note)]
    while utf16_length(kept) > limit - utf16_length(note):
        kept = kept[:-1]
    return kept + note


LIST = Command("faq_list", "按分类查看知识库", "/faq_list 或 /faq_list 配捐", list_entries)
SHOW = Command("faq_show", "查看一条问答的详情", "/faq_show 编号，例如 /faq_show 12", show_entry)
