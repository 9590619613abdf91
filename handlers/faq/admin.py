"""Managing the knowledge base from chat: provincial admins add, edit and delete entries;
regional coordinators set their region's own answer. Every change is logged (who, when,
before/after) and the index is rebuilt at once."""

from __future__ import annotations

import secrets

from handlers.core.commands import Audience, Command, usage_hint
from handlers.core.context import Context
from handlers.core.model import IncomingMessage
from handlers.faq.fields import (
    FIELD_NAMES,
    FIELDS_HELP,
    entry_named,
    entry_problem,
    local_example,
    parse_fields,
    shortened,
    too_long,
)
from handlers.shared.knowledge import FaqKnowledge
from handlers.shared.regions import resolve_region
from knowledge_base.limits import (
    answer_excess,
)
from storage.directory import Region
from storage.faq import FaqEntry, snapshot


async def _reload_after_commit(ctx: Context) -> None:
    async def reload() -> None:
        await ctx.services.get(FaqKnowledge).reload(ctx.uow)

    ctx.after_commit.append(reload)


async def _log_change(
    ctx: Context, entry: FaqEntry, action: str, before: dict[str, object] | None
) -> None:
    """Mark the entry as changed from chat, log who changed what (before and after), and
    rebuild the index once the change is committed."""
    now = ctx.clock.now()
    entry.edited, entry.updated_at, entry.updated_by = True, now, _editor(ctx)
    after = None if action == "delete" else snapshot(entry)
    ctx.uow.faq.record_change(entry, action, before, after, _editor(ctx), now)
    await _reload_after_commit(ctx)


def _editor(ctx: Context) -> int:
    assert ctx.actor.user is not None
    return ctx.actor.user.id


async def _fields_to_save(
    ctx: Context, text: str, entry: FaqEntry | None, hint: str
) -> dict[str, object] | None:
    """The fields typed in ``text`` if they may be saved (to ``entry``, or as a new entry,
    which needs a question and an answer); None once the person was told why not."""
    fields, error = parse_fields(text)
    new_but_incomplete = entry is None and not (fields.get("question") and fields.get("answer"))
    if error or not fields or new_but_incomplete:
        ctx.reply(error or hint)
        return None
    if problem := await entry_problem(ctx, fields, entry):
        ctx.reply(problem)
        return None
    return fields


async def add_entry(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_add: a new provincial entry."""
    fields = await _fields_to_save(ctx, args, None, f"{usage_hint(ADD)}\n{FIELDS_HELP}")
    if fields is None:
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
    await _log_change(ctx, entry, "add", None)
    ctx.reply(f"✅ 已新增 #{entry.id}（{entry.category}）：{entry.question}\n立即生效。")


async def edit_entry(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_edit: change fields of an entry."""
    found = await entry_named(ctx, args, EDIT)
    if found is None:
        return
    entry, rest = found
    hint = f"{usage_hint(EDIT)}\n只写要改的项。{FIELDS_HELP}"
    fields = await _fields_to_save(ctx, rest, entry, hint)
    if fields is None:
        return
    before = snapshot(entry)
    for name, value in fields.items():
        setattr(entry, name, value)
    await _log_change(ctx, entry, "edit", before)
    changed = "、".join(label for name, label in FIELD_NAMES.items() if name in fields)
    ctx.reply(f"✅ 已修改 #{entry.id} 的{changed}，立即生效。")


async def delete_entry(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_del: remove an entry (kept in the change log)."""
    if (found := await entry_named(ctx, args, DELETE)) is not None:
        entry = found[0]
        entry.active = False
        await _log_change(ctx, entry, "delete", snapshot(entry))
        ctx.reply(f"✅ 已删除 #{entry.id}：{entry.question}")


async def set_local_answer(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_local [市州] ID 答案: the region's own answer (删除 removes it)."""
    region, rest = await _region_for_local(ctx, args)
    if region is None:
        return
    found = await entry_named(ctx, rest, LOCAL)
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
    excess = answer_excess(entry.question, answer)
    if excess:
        example = local_example(region.name, entry.id)
        ctx.reply(too_long(f"{region.name}专属答案", entry.question, answer, excess, example))
        return
    previous = await ctx.uow.faq.set_region_answer(entry.id, region.id, answer, _editor(ctx), now)
    before = {"answer": previous} if previous is not None else None
    ctx.uow.faq.record_change(
        entry, "local", before, {"answer": answer}, _editor(ctx), now, region.id
    )
    replaced = "原来的专属答案已被替换。" if previous is not None else ""
    question = shortened(entry.question, 30)
    ctx.reply(
        f"✅ 已设置 #{entry.id}（{question}）的{region.name}专属答案，立即生效。"
        f"{replaced}\n在{region.name}的群里，这个问题将只回答专属答案，不再显示全省答案；"
        f"私聊和其他市州的群仍用全省答案。\n"
        f"恢复全省答案：/faq_local {region.name} {entry.id} 删除"
    )


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
LOCAL = Command(
    "faq_local",
    "设置本市州的专属答案",
    "/faq_local [市州] 编号 答案，例如 /faq_local 泸州 12 请联系泸州市慈善会王老师；"
    "/faq_local 12 删除 恢复全省答案",
    set_local_answer,
    audience=Audience.COORDINATOR,
)
