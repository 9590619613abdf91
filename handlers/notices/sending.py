"""Notices: a coordinator broadcasts to groups, and each group confirms with 收到.

``/notice 目标 正文`` shows a preview with the number of groups and 发送 / 取消. Pressing 发送
queues one outbox delivery per group (plus the attachment, when the command replied to a
message), in the same transaction; the sender delivers them within the rate budgets and, when
the last one settles, the author gets a delivery report. Regional coordinators reach only their
own regions' groups. Not done yet: pinning in each group, scheduling for a later time.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core.commands import Audience, Command, Where, typed_number, usage_hint
from handlers.core.context import Context
from handlers.core.delivery import delivery
from handlers.core.model import (
    AnswerCallback,
    Button,
    CallbackPress,
    CopyMessage,
    EditMessage,
    IncomingMessage,
    SendMessage,
)
from handlers.notices.messages import (
    BARE_ACK_WINDOW,
    LIMIT,
    NAME,
    PLAIN_RECEIPTS,
    REPEAT_WARNING,
    confirm_button,
    delivery_key,
    render,
    utf16_length,
)
from handlers.shared.chatter import is_acknowledgement
from handlers.shared.dates import short_when
from handlers.shared.targeting import (
    TargetWords,
    group_titles,
    read_targets,
    regions_outside,
    unknown_regions_text,
)
from storage.directory import Group
from storage.notices import Notice, NoticeState
from storage.outbox import Delivery

# --- who may reach which groups ----------------------------------------------------------


@dataclass
class Targets:
    label: str  # as the preview and /notices show it
    groups: list[Group]  # the bot is in them
    skipped: list[Group]  # the bot was removed from them


async def _resolve(ctx: Context, words: TargetWords) -> Targets | str:
    """The groups ``words`` name (全部, a saved list, or regions), or why they name none."""
    actor = ctx.actor
    own = "、".join(r.name for r in actor.coordinator_regions)
    if words.unknown:
        return await unknown_regions_text(ctx, list(words.unknown)) + f"\n用法：{NOTICE.usage}"
    if words.everywhere and not actor.is_provincial_admin:
        return f"⛔ 只有省级管理员可以向全部群发通知。请发给自己的市州：/notice {own} 正文"
    refused = [r.name for r in words.regions if not actor.may_manage(r.id)]
    if refused:
        return f"⛔ 您不是{'、'.join(refused)}的协调员，只能向{own}的群发通知。"
    chosen = words.groups(await ctx.uow.groups.all())
    label = words.label
    if outside := regions_outside(actor, chosen):
        return f"⛔ {label}里有您无权发送的群（{'、'.join(outside)}）。您只能向{own}的群发通知。"
    active = [g for g in chosen if g.active]
    if not active:
        return f"{label}还没有机器人所在的群，没有可以发送的对象。发送 /groups 查看各市州的群。"
    return Targets(label, active, [g for g in chosen if not g.active])


# --- /notice, its preview and its buttons -------------------------------------------------


async def notice(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/notice 目标 正文: prepare a notice and show its preview."""
    attachment = message.reply_to
    if not args.split():
        ctx.reply(usage_hint(NOTICE))
        return
    words = await read_targets(ctx, args)
    if words is None:
        unknown = await unknown_regions_text(ctx, [args.split()[0][:30]])
        ctx.reply(f"{unknown}\n用法：{NOTICE.usage}")
        return
    body = words.rest
    if not body and attachment is None:
        ctx.reply(f"通知内容是空的。{usage_hint(NOTICE)}")
        return
    targets = await _resolve(ctx, words)
    if isinstance(targets, str):
        ctx.reply(targets)
        return
    assert ctx.actor.user is not None and message.chat is not None
    draft = Notice(
        author_id=ctx.actor.user.id,
        author_name=ctx.actor.user.label,
        targets=targets.label[:255],
        text=body or "（见上方附件）",
        copy_chat_id=message.chat.id if attachment else None,
        copy_message_id=attachment.message_id if attachment else None,
        state=NoticeState.DRAFT,
        created_at=ctx.clock.now(),
        nudges=0,
    )
    rendered = render(draft)
    if utf16_length(rendered) > LIMIT:
        ctx.reply(
            f"通知太长：连同标题和署名共 {utf16_length(rendered)} 字，超过 Telegram 单条消息 "
            f"{LIMIT} 字的上限。请删减，或分成几条通知发送。"
        )
        return
    saved = await ctx.uow.notices.add(draft, [g.id for g in targets.groups])
    lines = [f"📋 通知预览 #{saved.id}", f"发往：{targets.label}（共 {len(targets.groups)} 个群）"]
    if targets.skipped:
        lines.append(
            f"跳过机器人已被移出的 {len(targets.skipped)} 个群：{group_titles(targets.skipped)}"
        )
    if attachment:
        lines.append("附件：先发送您回复的那条消息，再发送下面的通知。")
    twin = await _sent_before(ctx, saved)
    if twin is not None:
        when = short_when(twin.sent_at, ctx.config.timezone)
        lines.append(f"⚠️ 这条通知和您 {when} 发出的通知 #{twin.id} 完全相同，确认要再发一次吗？")
    preview = render(saved)
    if len(preview) > 1500:
        preview = preview[:1500] + f"……（共 {utf16_length(preview)} 字）"
    lines += ["————", preview, "————", "确认无误请点“发送”。"]
    buttons = (
        (Button("发送", f"notice:send:{saved.id}"), Button("取消", f"notice:cancel:{saved.id}")),
    )
    ctx.reply("\n".join(lines), buttons)


async def _sent_before(ctx: Context, draft: Notice) -> Notice | None:
    """The author's notice with the same text and targets sent within REPEAT_WARNING, if any
    (the same /notice typed twice would otherwise reach every group twice)."""
    since = ctx.clock.now() - REPEAT_WARNING
    for earlier in await ctx.uow.notices.recent(draft.author_id):
        same = (earlier.text, earlier.targets, earlier.copy_message_id) == (
            draft.text, draft.targets, draft.copy_message_id,
        )  # fmt: skip
        if (
            same
            and earlier.state == NoticeState.SENDING
            and earlier.sent_at
            and earlier.sent_at >= since
        ):
            return earlier
    return None


async def on_press(ctx: Context, press: CallbackPress, data: str) -> None:
    """The buttons: 发送 and 取消 under a preview, 收到 under a delivered notice."""
    action, _, ident = data.partition(":")
    handler = {"send": _send, "cancel": _cancel, "ok": _confirm}.get(action)
    number = typed_number(ident)
    found = await ctx.uow.notices.get(number) if number is not None else None
    if handler is None or found is None or found.state == NoticeState.DELETED:
        ctx.add(AnswerCallback(press.callback_id, "这条通知已被撤回或删除，无需操作。"))
        return
    await handler(ctx, press, found)


async def _send(ctx: Context, press: CallbackPress, notice: Notice) -> None:
    answer = _draft_problem(press, notice)
    if answer is None:
        answer = await _queue(ctx, notice)
        if press.chat is not None and press.message_id is not None:
            ctx.add(EditMessage(press.chat.id, press.message_id, answer))
    done = notice.state == NoticeState.SENDING
    ctx.add(AnswerCallback(press.callback_id, "已开始发送" if done else answer[:190]))


def _draft_problem(press: CallbackPress, notice: Notice) -> str | None:
    if press.user.id != notice.author_id:
        return "只有发起人可以操作这条通知。"
    if notice.state == NoticeState.CANCELLED:
        return "这条通知已取消。"
    if notice.state != NoticeState.DRAFT:
        return "这条通知已经发送过了。"
    return None


async def _queue(ctx: Context, notice: Notice) -> str:
    """Queue the deliveries, one per group the bot is still in."""
    groups = [t.group for t in await ctx.uow.notices.targets(notice.id) if t.group.active]
    if outside := regions_outside(ctx.actor, groups):
        return f"⛔ 您已无权向{'、'.join(outside)}的群发通知，未发送。"
    now = ctx.clock.now()
    if not groups:
        notice.state = NoticeState.CANCELLED
        return "目标群都已移除机器人，没有可以发送的群，未发送。"
    deliveries: list[Delivery] = []
    for group in groups:
        key = delivery_key(notice.id, group.id)
        if notice.copy_chat_id is not None and notice.copy_message_id is not None:
            attachment = CopyMessage(group.chat_id, notice.copy_chat_id, notice.copy_message_id)
            deliveries.append(delivery(f"{key}:file", attachment, NAME, notice.id))
        text = SendMessage(group.chat_id, render(notice), None, confirm_button(notice.id))
        deliveries.append(delivery(key, text, NAME, notice.id))
    await ctx.uow.outbox.enqueue(deliveries, now)
    notice.state, notice.sent_at = NoticeState.SENDING, now
    return (
        f"✅ 通知 #{notice.id} 已开始发送到 {len(groups)} 个群。全部发完后我会把送达报告发给您；"
        f"也可以随时发送 /notice_status {notice.id} 查看。"
    )


async def _cancel(ctx: Context, press: CallbackPress, notice: Notice) -> None:
    answer = _draft_problem(press, notice)
    if answer is None:
        notice.state = NoticeState.CANCELLED
        answer = f"已取消，通知 #{notice.id} 没有发送。"
        if press.chat is not None and press.message_id is not None:
            ctx.add(EditMessage(press.chat.id, press.message_id, answer))
    ctx.add(AnswerCallback(press.callback_id, answer))


async def on_text(ctx: Context, message: IncomingMessage) -> bool:
    """A typed 收到 (好的, 已收到谢谢 …) in a group counts as the notice's 收到 button, silently
    (a group where everyone types 收到 would otherwise get as many replies): replying to the
    notice, or — quoting nothing, and saying 收到 — when a notice is the last thing the bot
    delivered to the group, within BARE_ACK_WINDOW."""
    replied, user = message.reply_to, ctx.actor.user
    if ctx.group is None or user is None or message.is_forward:
        return False
    if not is_acknowledgement(message.text or ""):
        return False
    if replied is None:
        if not any(word in (message.text or "") for word in PLAIN_RECEIPTS):
            return False  # a plain 好的 or 谢谢 is as likely to answer a colleague
        since = ctx.clock.now() - BARE_ACK_WINDOW
        sent = await ctx.uow.outbox.last_sent(message.chat.id, since)
    elif replied.sender is not None and replied.sender.id == ctx.bot.id:
        sent = await ctx.uow.outbox.sent_message(message.chat.id, replied.message_id)
    else:
        return False  # 收到 to a person's message
    if sent is None or sent.feature != NAME or sent.ref_id is None:
        return False  # a reply to another message of the bot's, or nothing to confirm
    notice = await ctx.uow.notices.get(sent.ref_id)
    if notice is not None and notice.state == NoticeState.SENDING:
        await ctx.uow.notices.confirm(
            notice.id, ctx.group.id, user.id, user.label, ctx.clock.now()
        )
    return True


async def _confirm(ctx: Context, press: CallbackPress, notice: Notice) -> None:
    """收到: recorded once per person and group; the answer stops the button spinning."""
    if ctx.group is None:
        ctx.add(AnswerCallback(press.callback_id, "请在收到通知的群里确认。"))
        return
    now = ctx.clock.now()
    first = await ctx.uow.notices.confirm(
        notice.id, ctx.group.id, press.user.id, press.user.label, now
    )
    text = "✅ 已确认收到，谢谢！" if first else "您已经确认过了，无需重复点击。"
    ctx.add(AnswerCallback(press.callback_id, text))


NOTICE = Command(
    "notice",
    "向多个群发通知并跟踪“收到”",
    "/notice 目标 正文。目标可以是 全部（省级管理员）、市州名（多个用顿号隔开）或已保存的群名单，"
    "例如 /notice 泸州、德阳 请于本周五前提交项目进展表。"
    "回复一张图片或一个文件发送此命令，会先把它发到各群。",
    notice,
    Where.PRIVATE,
    Audience.COORDINATOR,
)
