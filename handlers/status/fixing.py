"""Buttons under updates: 您是指 (which project), 更正 (a misread field, recorded as a new
row that supersedes the old one) and the value typed after 更正."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.core.commands import typed_number
from handlers.core.context import Context
from handlers.core.model import AnswerCallback, Button, CallbackPress, EditMessage, IncomingMessage
from handlers.status.amounts import normalize
from handlers.status.checks import LABELS, refusal
from handlers.status.fields import read_amount
from handlers.status.messages import PICK_STALE, STAGES, clip, yuan
from handlers.status.names import ProjectIndex
from handlers.status.parse import parse_update
from handlers.status.updates import FIX_CODES, record
from storage.status_tables import StatusPending, StatusRecord

_NUMERAL = re.compile(r"[0-9０-９零一二两三四五六七八九十百千万]")
FIX_WAIT = timedelta(minutes=15)  # a value typed after 更正 counts this long


async def on_pick(ctx: Context, press: CallbackPress, rest: str) -> None:
    """您是指 → the chosen project (0: none of them)."""
    pending_part, _, project_part = rest.partition(":")
    number, project_id = typed_number(pending_part), typed_number(project_part)
    pending = await ctx.uow.status.get_pending(number, lock=True) if number else None
    if pending is None or pending.kind != "pick" or pending.done_at or project_id is None:
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return
    if press.user.id != pending.user_id:
        ctx.add(AnswerCallback(press.callback_id, "只有报送人可以选择。", show_alert=True))
        return
    pending.done_at = ctx.clock.now()
    where = (press.chat.id if press.chat else pending.chat_id), press.message_id or 0
    if project_id == 0:
        ctx.add(EditMessage(*where, "好的，没有记录。请写项目全称或简称后重新发送。"))
        ctx.add(AnswerCallback(press.callback_id))
        return
    project = await ctx.uow.status.get_project(project_id)
    if project is None:
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return
    registry = await ctx.services.get(ProjectIndex).current(ctx.uow)
    parsed = parse_update(pending.payload, project.region.name, registry)
    photos = [line for line in pending.photos.splitlines() if line]
    ctx.add(EditMessage(*where, f"项目：{project.name}"))
    await record(
        ctx, None, project, parsed, pending.payload, "tag", photos,
        chat_id=pending.chat_id, message_id=pending.message_id,
    )  # fmt: skip
    ctx.add(AnswerCallback(press.callback_id))


async def _mine(ctx: Context, press: CallbackPress, ident: str) -> StatusRecord | None:
    """The update's current version, if this person may correct it (else answered)."""
    number = typed_number(ident)
    found = await ctx.uow.status.get_update(number) if number else None
    if found is None:
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return None
    project = await ctx.uow.status.get_project(found.project_id)
    root = await ctx.uow.status.get_update(found.root_id) if found.root_id else found
    reporter = root.reporter_id if root is not None else found.reporter_id
    allowed = press.user.id == reporter or (
        project is not None and ctx.actor.may_manage(project.region_id)
    )
    if project is None or not allowed:
        refused = "只有报送人或本市州协调员可以更正。"
        ctx.add(AnswerCallback(press.callback_id, refused, show_alert=True))
        return None
    return await ctx.uow.status.effective(found)


async def on_fix(ctx: Context, press: CallbackPress, rest: str) -> None:
    ident, _, code = rest.partition(":")
    current = await _mine(ctx, press, ident)
    if current is None or press.chat is None:
        return
    if code == "s":
        rows = tuple(
            (Button(stage, f"status:stage:{current.id}:{n}"),) for n, stage in enumerate(STAGES)
        )
        ctx.send(press.chat.id, "请选择正确的阶段：", rows)
        ctx.add(AnswerCallback(press.callback_id))
        return
    field = FIX_CODES.get(code)
    if field is None:
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return
    await ctx.uow.status.hold(
        StatusPending(
            kind="fix", user_id=press.user.id, chat_id=press.chat.id,
            project_id=current.project_id, payload=f"{current.id}:{field}",
            created_at=ctx.clock.now(),
        )
    )  # fmt: skip
    example = "12.6万" if field.endswith("yuan") else "1350"
    ctx.send(press.chat.id, f"请直接发送正确的{LABELS[field]}，例如 {example}。")
    ctx.add(AnswerCallback(press.callback_id))


async def on_stage(ctx: Context, press: CallbackPress, rest: str) -> None:
    ident, _, index = rest.partition(":")
    current = await _mine(ctx, press, ident)
    number = typed_number(index)
    if current is None:
        return
    if number is None or number >= len(STAGES):
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return
    await _correct(ctx, current, "stage", STAGES[number], press.chat.id if press.chat else None)
    ctx.add(AnswerCallback(press.callback_id, f"阶段已更正为 {STAGES[number]}"))


async def _correct(
    ctx: Context, current: StatusRecord, field: str, value: object, chat_id: int | None
) -> None:
    user = ctx.actor.user
    assert user is not None
    before = getattr(current, field)
    fixed = await ctx.uow.status.correct_update(
        current, {field: value}, by=user.id, by_name=user.label, now=ctx.clock.now()
    )
    if fixed is None:  # corrected by someone else just now: correct the newest version
        fixed = await ctx.uow.status.correct_update(
            await ctx.uow.status.effective(current), {field: value}, by=user.id,
            by_name=user.label, now=ctx.clock.now(),
        )  # fmt: skip
    project = await ctx.uow.status.get_project(current.project_id)
    if fixed is None or project is None or chat_id is None:
        return
    ctx.send(
        chat_id,
        f"✏️ 已更正 {project.name} 的{LABELS[field]}：{_shown(field, value)}"
        f"（原 {_shown(field, before)}）。更正人：{user.label}",
    )


def _shown(field: str, value: object) -> str:
    if value is None:
        return "—"
    if field.endswith("yuan") and isinstance(value, int):
        return yuan(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


async def on_fix_value(ctx: Context, message: IncomingMessage) -> bool:
    """The value typed after 更正 (in the chat where it was pressed)."""
    user, text = ctx.actor.user, (message.text or "").strip()
    if user is None or not text or len(text) > 30 or not _NUMERAL.search(text):
        return False
    pending = await ctx.uow.status.open_pending(
        "fix", user.id, message.chat.id, ctx.clock.now() - FIX_WAIT
    )
    if pending is None:
        return False
    ident, _, field = pending.payload.partition(":")
    current = await ctx.uow.status.get_update(int(ident))
    project = await ctx.uow.status.get_project(pending.project_id or 0)
    value = _value(text)
    if current is None or project is None:
        return False
    if value is None:
        ctx.reply(f"没读出{LABELS[field]}：“{clip(text)}”。请只发数字，例如 12.6万。")
        return True
    fields = current.figures() | {field: value}
    if (why := refusal(text, fields, project)) is not None:
        ctx.reply(why)
        return True
    pending.done_at = ctx.clock.now()
    await _correct(ctx, await ctx.uow.status.effective(current), field, value, message.chat.id)
    return True


def _value(text: str) -> int | None:
    return 0 if normalize(text) in ("0", "0元") else read_amount(text)
