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
from knowledge_base.limits import (
    CATEGORY_LIMIT,
    MESSAGE_LIMIT,
    answer_excess,
    answer_message,
    has_words,
    utf16_length,
)
from knowledge_base.normalize import normalize
from storage.directory import Region
from storage.faq import FaqChange, FaqEntry, snapshot

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
_LEADING_LABEL = re.compile(r"(分类|问题|答案|同义问法|问法|关键词)\s*[:：]\s*")
_NAMES = {
    "category": "分类",
    "question": "问题",
    "answer": "答案",
    "variants": "问法",
    "keywords": "关键词",
}
_LIST_SEPARATORS = {"variants": r"[；;\n]+", "keywords": r"[，,、;；\s]+"}
FIELDS_HELP = (
    "每项一行（也可以写在同一行，用空格隔开）：\n问题：怎么申请配捐？\n答案：……（可多行）\n分类：配捐\n"
    "问法：配捐咋个申请；配捐怎么弄（可选，用；分隔）\n关键词：配捐，匹配资金（可选）"
)
MAX_LIST_LINES = 60


def parse_fields(text: str) -> tuple[dict[str, object], str | None]:
    """Labelled fields (问题：…) from a message, one per line or after a space on one line; an
    error text if some text has no label, or if a one-value field (问题, 答案, 分类) is given
    twice with different texts. A field's text runs on until the next label; its own label
    typed again at its start (问题：问题：…) is dropped."""
    given: dict[str, list[list[str]]] = {}  # each field's occurrences, each a list of lines
    current: str | None = None
    for line in _INLINE_LABEL.sub("\n", text).splitlines():
        found = _LABEL_LINE.match(line)
        if found:
            current = _LABELS[found.group(1)]
            given.setdefault(current, []).append([found.group(2)])
        elif current is not None:
            given[current][-1].append(line)
        elif line.strip():
            return {}, f"看不懂“{line.strip()[:20]}”：每项内容前要写上标签，如“问题：”。"
    parsed: dict[str, object] = {}
    for name, occurrences in given.items():
        values = [_without_own_label(name, "\n".join(lines).strip()) for lines in occurrences]
        if name in _LIST_SEPARATORS:
            value = "\n".join(values)
            parsed[name] = [p for p in re.split(_LIST_SEPARATORS[name], value) if p.strip()]
            continue
        distinct = list(dict.fromkeys(value for value in values if value))
        if len(distinct) > 1:
            return {}, _given_twice(name, distinct)
        parsed[name] = distinct[0] if distinct else ""
    return parsed, None


def _without_own_label(name: str, value: str) -> str:
    """问题：问题：… is one question: the field's own label typed again is dropped."""
    while (found := _LEADING_LABEL.match(value)) and _LABELS[found.group(1)] == name:
        value = value[found.end() :].strip()
    return value


def _given_twice(name: str, values: list[str]) -> str:
    label = _NAMES[name]
    quoted = "、".join(f"“{_short(value, 15)}”" for value in values[:3])
    if name == "question":
        return (
            f"写了 {len(values)} 个“问题：”（{quoted}），一条问答只能有一个问题。"
            "其他说法请写在“问法：”后面，用；分隔，例如：\n"
            "问题：怎么申请配捐？\n问法：配捐咋个申请；配捐怎么弄"
        )
    return f"写了 {len(values)} 个“{label}：”（{quoted}），只能有一个{label}，请合并成一项再发。"


async def _reload_after_commit(ctx: Context) -> None:
    async def reload() -> None:
        await ctx.services.get(FaqKnowledge).reload(ctx.uow)

    ctx.after_commit.append(reload)


def _editor(ctx: Context) -> int:
    assert ctx.actor.user is not None
    return ctx.actor.user.id


# Fields an entry cannot be without (variants and keywords may be emptied).
_REQUIRED = {"question": "问题", "answer": "答案", "category": "分类"}


async def _problem(ctx: Context, fields: dict[str, object], entry: FaqEntry | None) -> str | None:
    """Why these fields cannot be saved (to ``entry``, or as a new one): a required field left
    empty, a limit broken (see ``_over_limit``), or a question that another entry already asks
    (it could never be told apart from that one)."""
    for name, label in _REQUIRED.items():
        if name in fields and not str(fields[name]).strip():
            return f"{label}不能为空。{FIELDS_HELP}"
    variants = fields.get("variants")
    asked = [str(fields["question"])] if "question" in fields else []
    asked += [str(variant) for variant in variants] if isinstance(variants, list) else []
    over = await _over_limit(ctx, fields, asked, entry)
    if over:
        return over
    wanted = {key: text for text in asked if (key := normalize(text))}
    for other in await ctx.uow.faq.active_entries():
        if entry is not None and other.id == entry.id:
            continue
        for phrasing in (other.question, *other.variants):
            text = wanted.get(normalize(phrasing))
            if text is not None:
                return (
                    f"“{text[:30]}”和已有的 #{other.id}（{other.question}）问的是同一句话，"
                    f"没有保存。要改那一条请用 /faq_edit {other.id}。"
                )
    return None


async def _over_limit(
    ctx: Context, fields: dict[str, object], asked: list[str], entry: FaqEntry | None
) -> str | None:
    """A category too long for a label, a question or 问法 with no words the matcher could
    match, or an answer (provincial or a region's) too long to send in one message under its
    【问题】 header."""
    category = str(fields.get("category", ""))
    if len(category) > CATEGORY_LIMIT:
        return (
            f"分类太长：共 {len(category)} 字，最多 {CATEGORY_LIMIT} 字。"
            "分类是一个简短的类别名，例如：分类：配捐"
        )
    for text in asked:
        if not has_words(text):
            return (
                f"“{_short(text, 20)}”里没有可以识别的词：问候语（如“老师们好”“请问”）、标点和"
                "表情都不算，这样的问法永远匹配不到。请写出具体要问的内容，例如：问题：怎么申请配捐？"
            )
    if "question" not in fields and "answer" not in fields:
        return None  # the message the answer goes out in is unchanged
    question = str(fields.get("question") or (entry.question if entry else ""))
    answer = str(fields.get("answer") or (entry.answer if entry else ""))
    excess = answer_excess(question, answer)
    if excess:
        return _too_long("答案", question, answer, excess)
    if entry is not None and "question" in fields:  # a longer question, a longer header
        for local in await ctx.uow.faq.region_answers(entry.id):
            excess = answer_excess(question, local.answer)
            if excess:
                name = local.region.name
                example = _local_example(name, entry.id)
                return _too_long(
                    f"改了问题后，{name}专属答案", question, local.answer, excess, example
                )
    return None


def _local_example(region: str, entry_id: int) -> str:
    return f"/faq_local {region} {entry_id} 请联系{region}慈善会王老师，详见 https://…"


def _too_long(what: str, question: str, answer: str, excess: int, example: str = "") -> str:
    example = example or "答案：配捐比例一般为 1:1，详细规则见 https://…"
    return (
        f"{what}太长，发不出去：加上标题“【问题】”共 "
        f"{utf16_length(answer_message(question, answer))} 字，超过 Telegram 单条消息 "
        f"{MESSAGE_LIMIT} 字的上限（按 UTF-16 计算，表情和生僻字算 2 字）。"
        f"请至少删减 {excess} 字，或把详细内容放到网页上，答案里只写要点和链接，例如：\n{example}"
    )


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
    problem = await _problem(ctx, fields, entry)
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
    """/faq_show ID: one entry in full, with regional answers and its latest changes (what
    changed, before → after)."""
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
            return f"删除{name}专属答案：{_short(str(before.get('answer', '')), _SHOWN_CHANGE)}"
        if "answer" in before:
            return f"修改{name}专属答案：{_difference(before['answer'], after.get('answer', ''))}"
        return f"设置{name}专属答案：{_short(str(after.get('answer', '')), _SHOWN_CHANGE)}"
    if change.action != "edit":
        return _ACTIONS.get(change.action, change.action)
    differences = [
        f"{_NAMES[name]}：{_difference(_as_text(before.get(name)), _as_text(after.get(name)))}"
        for name in _NAMES
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
        shown = _short(middle, _SHOWN_CHANGE) if middle else "（空）"
        return ("…" if start else "") + shown + ("…" if end and middle else "")

    return f"{part(before)} → {part(after)}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip(text: str, limit: int = SHOW_LIMIT) -> str:
    """The text cut to ``limit`` UTF-16 units, saying how long it was."""
    if utf16_length(text) <= limit:
        return text
    note = f"……（共 {utf16_length(text)} 字，未显示完）"
    kept = text[: limit - utf16_length(note)]
    while utf16_length(kept) > limit - utf16_length(note):
        kept = kept[:-1]
    return kept + note


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
    excess = answer_excess(entry.question, answer)
    if excess:
        example = _local_example(region.name, entry.id)
        ctx.reply(_too_long(f"{region.name}专属答案", entry.question, answer, excess, example))
        return
    previous = await ctx.uow.faq.set_region_answer(entry.id, region.id, answer, _editor(ctx), now)
    before = {"answer": previous} if previous is not None else None
    ctx.uow.faq.record_change(
        entry, "local", before, {"answer": answer}, _editor(ctx), now, region.id
    )
    replaced = "原来的专属答案已被替换。" if previous is not None else ""
    ctx.reply(
        f"✅ 已设置 #{entry.id}（{_short(entry.question, 30)}）的{region.name}专属答案，立即生效。"
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
