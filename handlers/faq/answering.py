"""FAQ answering: in private chats always, in groups when addressed or — with auto-answer on —
when a message is a question the knowledge base answers with high confidence.

Each answer carries 👍/👎; unanswered questions and 👎 answers are kept for /faq_misses.
"""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.core.commands import Audience, Command, Where, typed_number, usage_hint
from handlers.core.context import Context
from handlers.core.model import AnswerCallback, Button, CallbackPress, IncomingMessage, Keyboard
from handlers.shared.chatter import is_about_bot, is_acknowledgement, is_thanks
from handlers.shared.group_settings import switch
from handlers.shared.knowledge import FaqKnowledge
from handlers.shared.texts import INTRO
from knowledge_base.engine import STRONG_THRESHOLD, SUGGEST_THRESHOLD
from knowledge_base.limits import answer_message
from knowledge_base.questions import calling_the_bot
from storage.faq import FaqEntry, FaqMiss
from storage.uow import UnitOfWork

REPEAT_WINDOW = timedelta(minutes=5)
MISSES_WINDOW = timedelta(days=30)
MAX_QUESTION = 500  # characters looked at; the question is rarely buried deeper
NOT_KNOWN = (
    "抱歉，这个问题我还答不上来，已经记下来，会转给知识库维护人员补充。"
    "着急的话可以先问问本市州协调员或省总会工作人员。"
)
PRIVATE_HINT = (
    "您好！直接把问题发给我就行，例如：“怎么开通腾讯公益账号？”\n发送 /help 查看全部命令。"
)
THANKS_REPLY = "不客气 🙂 有问题随时发给我。"
ACKNOWLEDGED_REPLY = "🙂 有问题随时发给我。"
# An @mention of someone (not an e-mail address): @张老师, @li_luzhou.
_MENTION = re.compile(r"(?<![A-Za-z0-9._%+-])@[^\s@]")
_LEADING_MENTIONS = re.compile(r"^(?:\s*@[^\s@]+)+\s*")


def _feedback_buttons(reply_id: int) -> Keyboard:
    return (
        (Button("👍 有帮助", f"faq:up:{reply_id}"), Button("👎 没帮助", f"faq:down:{reply_id}")),
    )


def _mentioned(ctx: Context, message: IncomingMessage) -> bool:
    """An @mention of the bot, or a message that opens by calling it by name (善邻，…)."""
    text = (message.text or "").lower()
    if any(handle.lower() in text for handle in ctx.bot.handles):
        return True
    return calling_the_bot(message.text or "", ctx.bot.names) is not None


def _replies_to_bot(ctx: Context, message: IncomingMessage) -> bool:
    replied = message.reply_to.sender if message.reply_to else None
    return replied is not None and replied.id == ctx.bot.id


def _addressed(ctx: Context, message: IncomingMessage) -> bool:
    """Private chats, @mentions of the bot, and replies to the bot's own messages."""
    if not message.chat.is_group:
        return True
    return _mentioned(ctx, message) or _replies_to_bot(ctx, message)


def _for_someone_else(ctx: Context, message: IncomingMessage) -> bool:
    """A message that replies to a person's message or mentions someone is for them."""
    replied = message.reply_to.sender if message.reply_to else None
    if replied is not None and replied.id != ctx.bot.id:
        return True
    text = _without_mention(ctx, message.text or "")
    return message.names_someone or _MENTION.search(text) is not None


def _without_mention(ctx: Context, text: str) -> str:
    """The message without the bot's @handle, or without the name it opens by calling (善邻，…):
    善邻 收到 is an acknowledgement like @善邻助手 收到."""
    for handle in ctx.bot.handles:
        start = text.lower().find(handle.lower())
        if start >= 0:
            return (text[:start] + text[start + len(handle) :]).strip()
    called = calling_the_bot(text, ctx.bot.names)
    return text if called is None else called


async def on_text(ctx: Context, message: IncomingMessage) -> bool:
    """A plain message: answer it if it is for the bot, or an auto-answerable question."""
    text = (message.text or "").strip()
    if not text:
        return False
    question = _without_mention(ctx, text)
    if message.chat.is_group and is_acknowledgement(question):
        return False  # 收到 / 谢谢 in a group: nothing to answer (a notice may count it)
    addressed = _addressed(ctx, message)
    if not addressed and (ctx.group is None or not ctx.group.auto_answer or message.is_forward):
        return False  # a forwarded notice or article is not its forwarder's question
    if not addressed and _for_someone_else(ctx, message):
        return False  # @王老师 你们审核过了没: a conversation between people
    if addressed:  # @善邻助手 @王老师 …: said to the bot, the other names are only copied in
        question = _LEADING_MENTIONS.sub("", question) or question
    # Replying to the bot in a group, a question is for it; a remark (好的，我们马上交) is not.
    by_reply = message.chat.is_group and not _mentioned(ctx, message) and addressed
    before = len(ctx.actions)
    await answer(ctx, question, addressed, questions_only=by_reply)
    return addressed or len(ctx.actions) > before  # silent on chatter: later stages may look


async def answer(
    ctx: Context, question: str, addressed: bool, questions_only: bool = False
) -> None:
    """Answer, offer candidates, or stay silent, as the match and the situation call for.

    With ``questions_only``, a message that asks nothing is treated as not addressed to the bot.
    """
    private = ctx.chat is not None and not ctx.chat.is_group
    if private and is_acknowledgement(question):
        ctx.reply(THANKS_REPLY if is_thanks(question) else ACKNOWLEDGED_REPLY)
        return
    if is_about_bot(question):  # 你是谁 / 你能做什么: said to the bot, it introduces itself
        if addressed:
            ctx.reply(f"{INTRO}\n\n发送 /help 查看您可用的命令。")
        return
    match = ctx.services.get(FaqKnowledge).match(question[:MAX_QUESTION])
    if questions_only and (match is None or not match.is_question):
        addressed = False
    decision = match.decision if match is not None else "silent"
    if addressed and decision == "silent" and match:  # a bare topic said to the bot ("配捐")
        if match.confidence >= STRONG_THRESHOLD:
            decision = "answer"
        elif match.confidence >= SUGGEST_THRESHOLD:
            decision = "suggest"  # offer the questions
    if match is None or not match.candidates or decision == "silent":
        if addressed:
            wordless = match is not None and not match.normalized  # 😀, ？？？
            if match is not None and (wordless or (not match.is_question and private)):
                ctx.reply(PRIVATE_HINT)
                return
            _keep_miss(ctx, question, match.normalized if match else question)
            ctx.reply(NOT_KNOWN)
        return
    best = await ctx.uow.faq.entry(match.candidates[0].entry.id)
    if decision == "answer" and best is not None and best.active:
        await _send_answer(ctx, best, question, addressed)
    elif addressed:  # 您是不是想问: the close siblings, when that is the doubt
        offered = match.ambiguous or tuple(c.entry for c in match.candidates)
        await _offer_candidates(ctx, [entry.id for entry in offered])
    elif match.is_question and not match.ambiguous:  # an unclear choice is no gap in the FAQ
        _keep_miss(ctx, question, match.normalized)


async def _send_answer(ctx: Context, entry: FaqEntry, question: str, addressed: bool) -> None:
    now = ctx.clock.now()
    if ctx.group is not None:
        earlier = await ctx.uow.faq.recent_reply(ctx.group.chat_id, entry.id, now - REPEAT_WINDOW)
        if earlier is not None:
            if addressed:
                ctx.send(
                    ctx.group.chat_id,
                    "这个问题几分钟前刚回答过，请看这条回答 ☝️",
                    reply_to=earlier.message_id
                    or (ctx.message.message_id if ctx.message else None),
                )
            return
    chat_id = ctx.chat.id if ctx.chat else 0
    asker = ctx.actor.user.id if ctx.actor.user else None
    reply = await ctx.uow.faq.add_reply(chat_id, entry.id, question[:1000], asker, now)
    text = await _answer_text(ctx, entry)
    ctx.reply(text, _feedback_buttons(reply.id), track=("faq_reply", reply.id))


async def _answer_text(ctx: Context, entry: FaqEntry) -> str:
    """The region's own answer in its groups, else the provincial one."""
    region_id = ctx.group.region_id if ctx.group else None
    local = await ctx.uow.faq.region_answer(entry.id, region_id)
    return (local.answer if local is not None else entry.answer).strip()


async def _offer_candidates(ctx: Context, keys: list[str]) -> None:
    rows: list[tuple[Button, ...]] = []
    for key in keys[:3]:
        entry = await ctx.uow.faq.entry(key)
        if entry is not None and entry.active:
            rows.append((Button(_short(entry.question), f"faq:show:{entry.id}"),))
    if rows:
        ctx.reply("您是不是想问：", tuple(rows))


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _keep_miss(ctx: Context, text: str, normalized: str, entry_id: int | None = None) -> None:
    if ctx.chat is None:
        return
    miss = FaqMiss(
        text=text,
        normalized=normalized or text,
        chat_id=ctx.chat.id,
        region_id=ctx.group.region_id if ctx.group else None,
        entry_id=entry_id,
        kind="downvoted" if entry_id else "unanswered",
        asked_by=ctx.actor.user.id if ctx.actor.user else None,
        at=ctx.clock.now(),
    )
    ctx.uow.faq.add_miss(miss)


# --- buttons --------------------------------------------------------------------------------


async def on_button(ctx: Context, press: CallbackPress, data: str) -> None:
    """faq:show:ENTRY (a suggested question), faq:up:REPLY / faq:down:REPLY (feedback)."""
    action, _, typed = data.partition(":")
    number = typed_number(typed)
    if number is None:
        ctx.add(AnswerCallback(press.callback_id, "这个按钮已失效。"))
    elif action == "show":
        await _show_suggested(ctx, press, number)
    elif action in ("up", "down"):
        await _vote(ctx, press, number, helpful=action == "up")
    else:
        ctx.add(AnswerCallback(press.callback_id, "这个按钮已失效。"))


async def _show_suggested(ctx: Context, press: CallbackPress, entry_id: int) -> None:
    entry = await ctx.uow.faq.entry(entry_id)
    if entry is None or not entry.active or press.chat is None:
        ctx.add(AnswerCallback(press.callback_id, "这条问答已被删除。"))
        return
    ctx.add(AnswerCallback(press.callback_id))
    now = ctx.clock.now()
    reply = await ctx.uow.faq.add_reply(
        press.chat.id, entry.id, entry.question, press.user.id, now
    )
    text = answer_message(entry.question, await _answer_text(ctx, entry))
    ctx.send(
        press.chat.id,
        text,
        _feedback_buttons(reply.id),
        reply_to=press.message_id,
        track=("faq_reply", reply.id),
    )


async def _vote(ctx: Context, press: CallbackPress, reply_id: int, helpful: bool) -> None:
    reply = await ctx.uow.faq.reply(reply_id)
    if reply is None:
        ctx.add(AnswerCallback(press.callback_id, "这条回答已不存在。"))
        return
    if not await ctx.uow.faq.vote(reply.id, press.user.id, helpful, ctx.clock.now()):
        ctx.add(AnswerCallback(press.callback_id, "您已经评价过这条回答了。"))
        return
    if not helpful:
        _keep_miss(ctx, reply.question, reply.question, entry_id=reply.entry_id)
    thanks = "谢谢反馈！" if helpful else "谢谢反馈，我们会改进这条回答。"
    ctx.add(AnswerCallback(press.callback_id, thanks))


async def remember_message(uow: UnitOfWork, reply_id: int, message_id: int) -> None:
    """Tracker: the Telegram message that carries an answer, for pointing back to it."""
    reply = await uow.faq.reply(reply_id)
    if reply is not None:
        reply.message_id = message_id


# --- commands -------------------------------------------------------------------------------


async def ask(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/ask, /faq: ask the knowledge base explicitly."""
    if not args:
        ctx.reply(usage_hint(ASK))
        return
    await answer(ctx, args, addressed=True)


async def auto_answer(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_auto 开|关: whether the bot answers questions in this group on its own."""
    group = ctx.group
    assert group is not None
    choice = switch(ctx, args, AUTO, "自动答疑", group.auto_answer)
    if choice is None:
        return
    group.auto_answer = choice
    if group.auto_answer:
        ctx.reply("✅ 已开启自动答疑：群里有人提问、我又有把握时，会直接回复。")
    else:
        ctx.reply("✅ 已关闭自动答疑：只有 @我、回复我或用 /ask 提问时我才回答。")


async def misses(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/faq_misses: the questions the bot most often could not answer, and 👎 answers."""
    regions = (
        None if ctx.actor.is_provincial_admin else [r.id for r in ctx.actor.coordinator_regions]
    )
    since = ctx.clock.now() - MISSES_WINDOW
    rows = await ctx.uow.faq.top_misses(since, regions)
    if not rows:
        ctx.reply("最近 30 天没有记录到答不上来的问题。")
        return
    lines = ["最近 30 天答不上来或被点 👎 的问题（按次数）："]
    for text, kind, count, entry_id in rows:
        label = f"👎 #{entry_id}" if kind == "downvoted" else "未答"
        lines.append(f"{count}× [{label}] {_short(text, 60)}")
    lines.append("补充知识库：/faq_add（省级管理员），本市州专属答案：/faq_local")
    ctx.reply("\n".join(lines))


ASK = Command(
    "ask",
    "向我提问（也可以 @我、以“善邻，”开头或回复我）",
    "/ask 问题，例如 /ask 怎么开通腾讯公益账号",
    ask,
)
FAQ = Command("faq", "同 /ask：向我提问", "/faq 问题，例如 /faq 配捐规则是什么", ask)
AUTO = Command(
    "faq_auto",
    "开启或关闭本群的自动答疑",
    "/faq_auto 开 或 /faq_auto 关",
    auto_answer,
    where=Where.GROUP,
    audience=Audience.COORDINATOR,
)
MISSES = Command(
    "faq_misses", "查看答不上来的高频问题", "/faq_misses", misses, audience=Audience.COORDINATOR
)
