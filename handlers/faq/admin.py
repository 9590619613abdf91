"""Managing the knowledge base from chat: provincial admins add, edit and delete entries;
regional coordinators set their region's own answer. Every change is logged (who, when,
before/after) and the index is rebuilt at once."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from zoneinfo import ZoneInfo

from handlers.core.commands import Audience, Command, typed_number, usage_hint
from handlers.core.context import Context
from handlers.core.model import IncomingMessage
from handlers.faq.knowledge import FaqKnowledge
from handlers.shared.regions import resolve_region
from knowledge_base.normalize import normalize
from storage.directory import Region
from storage.faq import FaqEntry, snapshot

_LABELS = {
    "分类": "category",
    "问题": "question",
    "答案": "answer",
    "同义问法": "variants",
    "问法": "variants",
    "关键词": "keywords",
}
_LABEL_LINE = re.compile(r"^\s*(分类|问题|答案|同义问法|问法|关键词)\s*[:：]\s*(.*)$")
# A label after a space starts a new field too: phones send 问题：… 答案：… on one line.
_INLINE_LABEL = re.compile(r"\s+(?=(?:分类|问题|答案|同义问法|问法|关键词)\s*[:：])")
_LIST_SEPARATORS = {"variants": r"[；;\n]+", "keywords": r"[，,、;；\s]+"}
FIELDS_HELP = (
    "每项一行（也可以写在同一行，用空格隔开）：\n问题：怎么申请配捐？\n答案：……（可多行）\n分类：配捐\n"
    "问法：配捐咋个申请；配捐怎么弄（可选，用；分隔）\n关键词：配捐，匹配资金（可选）"
)
MAX_LIST_LINES = 60


def parse_fields(text: str) -> tuple[dict[str, object], str | None]:
    """Labelled fields (问题：…) from a message, one per line or after a space on one line; an
    error text if some text has no label. A field's text runs on until the next label."""
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for line in _INLINE_LABEL.sub("\n", text).splitlines():
        found = _LABEL_LINE.match(line)
        if found:
            current = _LABELS[found.group(1)]
            fields.setdefault(current, []).append(found.group(2))
        elif current is not None:
            fields[current].append(line)
        elif line.strip():
            return {}, f"看不懂“{line.strip()[:20]}”：每项内容前要写上标签，如“问题：”。"
    parsed: dict[str, object] = {}
    for name, lines in fields.items():
        value = "\n".join(lines).strip()
        if name in _LIST_SEPARATORS:
            parsed[name] = [p for p in re.split(_LIST_SEPARATORS[name], value) if p.strip()]
        else:
            parsed[name] = value
    return parsed, None


async def _reload_after_commit(ctx: Context) -> None:
    async def reload() -> None:
        await ctx.services.get(FaqKnowledge).reload(ctx.uow)

    ctx.after_commit.append(reload)


def _editor(ctx: Context) -> int:
    assert ctx.actor.user is not None
    return ctx.actor.user.id


# Fields an entry cannot be without (variants and keywords may be emptied).
_REQUIRED = {"question": "问题", "answer": "答案", "category": "分类"}


async def _problem(ctx: Context, fields: dict[str, object], entry_id: int | None) -> str | None:
    """Why these fields cannot be saved: a required field left empty, or a question that
    another entry already asks (it could never be told apart from that one)."""
    for name, label in _REQUIRED.items():
        if name in fields and not str(fields[name]).strip():
            return f"{label}不能为空。{FIELDS_HELP}"
    variants = fields.get("variants")
    asked = [str(fields["question"])] if "question" in fields else []
    asked += [str(variant) for variant in variants] if isinstance(variants, list) else []
    wanted = {key: text for text in asked if (key := normalize(text))}
    for other in await ctx.uow.faq.active_entries():
        if other.id == entry_id:
            continue
        for phrasing in (other.question, *other.variants):
            text = wanted.get(normalize(phrasing))
            if text is not None:
                return (
                    f"“{text[:30]}”和已有的 #{other.id}（{other.question}）问的是同一句话，"
                    f"没有保存。要改那一条请用 /faq_edit {other.id}。"
                )
    return None


async def add_entry(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_add: a new provincial entry."""
    fields, error = parse_fields(args)
    if error or not fields.get("question") or not fields.get("answer"):
        ctx.reply(error or f"{usage_hint(ADD)}\n{FIELDS_HELP}")
        return
    problem = await _problem(ctx, fields, None)
    if problem:
        ctx.reply(problem)
        return
    now = ctx.clock.now()
    entry = FaqEntry(
        key=f"chat-{secrets.token_hex(4)}",
        category=str(fields.get("category") or "其他"),
        question=str(fields["question"]),
        variants=list(fields.get("variants") or []),  # type: ignore[call-overload]
        keywords=list(fields.get("keywords") or []),  # type: ignore[call-overload]
        answer=str(fields["answer"]),
        bundled=False,
        edited=True,
        updated_at=now,
        updated_by=_editor(ctx),
    )
    ctx.uow.faq.add(entry)
    await ctx.uow.faq.flush()
    ctx.uow.faq.record_change(entry, "add", None, snapshot(entry), _editor(ctx), now)
    await _reload_after_commit(ctx)
    ctx.reply(f"✅ 已新增 #{entry.id}（{entry.category}）：{entry.question}\n立即生效。")


async def _entry_from_args(
    ctx: Context, args: str, command: Command
) -> tuple[FaqEntry, str] | None:
    """The entry the first word names (#12, 12 or its key) and the rest; replies if none."""
    reference, _, rest = args.strip().partition(" ")
    if "\n" in reference:
        reference, _, more = reference.partition("\n")
        rest = more + "\n" + rest
    if not reference:
        ctx.reply(usage_hint(command))
        return None
    number = typed_number(reference)
    entry = await ctx.uow.faq.entry(number if number is not None else reference)
    if entry is None or not entry.active:
        ctx.reply(f"没有编号为 {reference[:20]} 的问答。用 /faq_list 查看编号。")
        return None
    return entry, rest.strip()


async def edit_entry(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_edit: change fields of an entry."""
    found = await _entry_from_args(ctx, args, EDIT)
    if found is None:
        return
    entry, rest = found
    fields, error = parse_fields(rest)
    if error or not fields:
        ctx.reply(error or f"{usage_hint(EDIT)}\n只写要改的项。{FIELDS_HELP}")
        return
    problem = await _problem(ctx, fields, entry.id)
    if problem:
        ctx.reply(problem)
        return
    before = snapshot(entry)
    for name, value in fields.items():
        setattr(entry, name, value)
    now = ctx.clock.now()
    entry.edited, entry.updated_at, entry.updated_by = True, now, _editor(ctx)
    ctx.uow.faq.record_change(entry, "edit", before, snapshot(entry), _editor(ctx), now)
    await _reload_after_commit(ctx)
    changed = "、".join(k for k, v in _LABELS.items() if v in fields and k != "同义问法")
    ctx.reply(f"✅ 已修改 #{entry.id} 的{changed}，立即生效。")


async def delete_entry(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_del: remove an entry (kept in the change log)."""
    found = await _entry_from_args(ctx, args, DELETE)
    if found is None:
        return
    entry, _ = found
    now = ctx.clock.now()
    entry.active, entry.edited, entry.updated_at, entry.updated_by = False, True, now, _editor(ctx)
    ctx.uow.faq.record_change(entry, "delete", snapshot(entry), None, _editor(ctx), now)
    await _reload_after_commit(ctx)
    ctx.reply(f"✅ 已删除 #{entry.id}：{entry.question}")


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
    """/faq_show ID: one entry in full, with regional answers and its latest changes."""
    found = await _entry_from_args(ctx, args, SHOW)
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
    lines.append(f"答案：{entry.answer}")
    for local in await ctx.uow.faq.region_answers(entry.id):
        lines.append(f"{local.region.name}专属答案：{local.answer}")
    for change in await ctx.uow.faq.changes(entry.id, limit=3):
        person = await ctx.uow.people.by_user_id(change.changed_by)
        who = person.label if person else str(change.changed_by)
        when = change.changed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        lines.append(f"修改记录：{when} {who}（{_ACTIONS.get(change.action, change.action)}）")
    ctx.reply(_clip("\n".join(lines)))


_ACTIONS = {
    "add": "新增",
    "edit": "修改",
    "delete": "删除",
    "local": "设置市州答案",
    "local_delete": "删除市州答案",
}


def _clip(text: str, limit: int = 4000) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def set_local_answer(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_local [市州] ID 答案: the region's own answer (删除 removes it)."""
    region, rest = await _region_for_local(ctx, args)
    if region is None:
        return
    found = await _entry_from_args(ctx, rest, LOCAL)
    if found is None:
        return
    entry, answer = found
    if not answer:
        ctx.reply(usage_hint(LOCAL))
        return
    now = ctx.clock.now()
    if answer == "删除":
        previous = await ctx.uow.faq.delete_region_answer(entry.id, region.id)
        if previous is None:
            ctx.reply(f"#{entry.id} 在{region.name}没有专属答案。")
            return
        ctx.uow.faq.record_change(
            entry, "local_delete", {"answer": previous}, None, _editor(ctx), now, region.id
        )
        ctx.reply(f"✅ 已删除 #{entry.id} 的{region.name}专属答案，恢复使用全省答案。")
        return
    previous = await ctx.uow.faq.set_region_answer(entry.id, region.id, answer, _editor(ctx), now)
    before = {"answer": previous} if previous is not None else None
    ctx.uow.faq.record_change(
        entry, "local", before, {"answer": answer}, _editor(ctx), now, region.id
    )
    ctx.reply(f"✅ 已设置 #{entry.id} 的{region.name}专属答案，{region.name}的群里立即生效。")


async def _region_for_local(ctx: Context, args: str) -> tuple[Region | None, str]:
    """The region a /faq_local is for: named first, else this group's, else the only one the
    coordinator has. Replies when it cannot tell or the person may not manage it."""
    first, _, rest = args.strip().partition(" ")
    region = resolve_region(first, await ctx.uow.regions.all()) if first else None
    if region is not None:
        args = rest
    elif ctx.group is not None and ctx.group.region is not None:
        region = ctx.group.region
    elif len(ctx.actor.coordinator_regions) == 1:
        region = ctx.actor.coordinator_regions[0]
    if region is None:
        ctx.reply(f"请写明市州。{usage_hint(LOCAL)}")
        return None, args
    if not ctx.actor.may_manage(region.id):
        ctx.reply(f"⛔ 您不是{region.name}的协调员，不能设置{region.name}的专属答案。")
        return None, args
    return region, args


ADD = Command(
    "faq_add",
    "新增一条问答",
    "/faq_add 后面换行写 问题：… 答案：…",
    add_entry,
    audience=Audience.PROVINCIAL_ADMIN,
)
EDIT = Command(
    "faq_edit",
    "修改一条问答",
    "/faq_edit 编号 后面换行写要改的项，例如 /faq_edit 12\n答案：新的答案",
    edit_entry,
    audience=Audience.PROVINCIAL_ADMIN,
)
DELETE = Command(
    "faq_del", "删除一条问答", "/faq_del 编号，例如 /faq_del 12", delete_entry,
    audience=Audience.PROVINCIAL_ADMIN,
)  # fmt: skip
LIST = Command("faq_list", "按分类查看知识库", "/faq_list 或 /faq_list 配捐", list_entries)
SHOW = Command("faq_show", "查看一条问答的详情", "/faq_show 编号，例如 /faq_show 12", show_entry)
LOCAL = Command(
    "faq_local",
    "设置本市州的专属答案",
    "/faq_local [市州] 编号 答案，例如 /faq_local 泸州 12 请联系泸州市慈善会王老师；"
    "/faq_local 12 删除 恢复全省答案",
    set_local_answer,
    audience=Audience.COORDINATOR,
)
