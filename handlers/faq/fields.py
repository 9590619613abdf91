"""What an entry is made of, as typed after /faq_add and /faq_edit (labelled fields), and
what it must be to be saved: required fields, Telegram's limits, no duplicate questions."""

from __future__ import annotations

import re

from handlers.core.commands import Command, typed_number, usage_hint
from handlers.core.context import Context
from knowledge_base.limits import (
    CATEGORY_LIMIT,
    MESSAGE_LIMIT,
    answer_excess,
    answer_message,
    has_words,
    utf16_length,
)
from knowledge_base.normalize import normalize
from storage.faq import FaqEntry

# Each field and the labels people type before it; the first is the one the bot writes.
_FIELD_LABELS = (
    ("category", ("分类",)),
    ("question", ("问题",)),
    ("answer", ("答案",)),
    ("variants", ("问法", "同义问法")),
    ("keywords", ("关键词",)),
)
LABELS = {label: name for name, labels in _FIELD_LABELS for label in labels}
FIELD_NAMES = {name: labels[0] for name, labels in _FIELD_LABELS}
_ANY_LABEL = "|".join(sorted(LABELS, key=len, reverse=True))  # 同义问法 before 问法
_LABEL_LINE = re.compile(rf"^\s*({_ANY_LABEL})\s*[:：]\s*(.*)$")
# A label after a space starts a new field too: phones send 问题：… 答案：… on one line.
_INLINE_LABEL = re.compile(rf"\s+(?=(?:{_ANY_LABEL})\s*[:：])")
_LEADING_LABEL = re.compile(rf"({_ANY_LABEL})\s*[:：]\s*")
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
            current = LABELS[found.group(1)]
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
    while (found := _LEADING_LABEL.match(value)) and LABELS[found.group(1)] == name:
        value = value[found.end() :].strip()
    return value


def _given_twice(name: str, values: list[str]) -> str:
    label = FIELD_NAMES[name]
    quoted = "、".join(f"“{shortened(value, 15)}”" for value in values[:3])
    if name == "question":
        return (
            f"写了 {len(values)} 个“问题：”（{quoted}），一条问答只能有一个问题。"
            "其他说法请写在“问法：”后面，用；分隔，例如：\n"
            "问题：怎么申请配捐？\n问法：配捐咋个申请；配捐怎么弄"
        )
    return f"写了 {len(values)} 个“{label}：”（{quoted}），只能有一个{label}，请合并成一项再发。"


# Fields an entry cannot be without (variants and keywords may be emptied).
_REQUIRED = ("question", "answer", "category")


async def entry_problem(
    ctx: Context, fields: dict[str, object], entry: FaqEntry | None
) -> str | None:
    """Why these fields cannot be saved (to ``entry``, or as a new one): a required field left
    empty, a limit broken (see ``_over_limit``), or a question that another entry already asks
    (it could never be told apart from that one)."""
    for name in _REQUIRED:
        if name in fields and not str(fields[name]).strip():
            return f"{FIELD_NAMES[name]}不能为空。{FIELDS_HELP}"
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
                f"“{shortened(text, 20)}”里没有可以识别的词：问候语（如“老师们好”“请问”）、标点和"
                "表情都不算，这样的问法永远匹配不到。请写出具体要问的内容，例如：问题：怎么申请配捐？"
            )
    if "question" not in fields and "answer" not in fields:
        return None  # the message the answer goes out in is unchanged
    question = str(fields.get("question") or (entry.question if entry else ""))
    answer = str(fields.get("answer") or (entry.answer if entry else ""))
    excess = answer_excess(question, answer)
    if excess:
        return too_long("答案", question, answer, excess)
    if entry is not None and "question" in fields:  # a longer question, a longer header
        for local in await ctx.uow.faq.region_answers(entry.id):
            excess = answer_excess(question, local.answer)
            if excess:
                name = local.region.name
                example = local_example(name, entry.id)
                return too_long(
                    f"改了问题后，{name}专属答案", question, local.answer, excess, example
                )
    return None


def local_example(region: str, entry_id: int) -> str:
    return f"/faq_local {region} {entry_id} 请联系{region}慈善会王老师，详见 https://…"


def too_long(what: str, question: str, answer: str, excess: int, example: str = "") -> str:
    example = example or "答案：配捐比例一般为 1:1，详细规则见 https://…"
    return (
        f"{what}太长，发不出去：加上标题“【问题】”共 "
        f"{utf16_length(answer_message(question, answer))} 字，超过 Telegram 单条消息 "
        f"{MESSAGE_LIMIT} 字的上限（按 UTF-16 计算，表情和生僻字算 2 字）。"
        f"请至少删减 {excess} 字，或把详细内容放到网页上，答案里只写要点和链接，例如：\n{example}"
    )


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def entry_named(ctx: Context, args: str, command: Command) -> tuple[FaqEntry, str] | None:
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
