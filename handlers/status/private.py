"""Step by step in a private chat: /update → the project (buttons) → the stage (buttons,
optional) → the figures as a message. Also ``/update 项目 数字`` anywhere."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.commands import Command, typed_number
from handlers.core.context import Context
from handlers.core.model import AnswerCallback, Button, CallbackPress, EditMessage, IncomingMessage
from handlers.status.messages import PICK_STALE, STAGES, UPDATE_USAGE
from handlers.status.names import ProjectIndex
from handlers.status.parse import parse_update
from handlers.status.updates import photos_of, record, report
from storage.status_tables import StatusPending, StatusProject

DRAFT_WAIT = timedelta(minutes=30)
MAX_BUTTONS = 20
ASK_FIGURES = "请发送数字，例如：已筹12.5万 目标30万 捐赠1320人次（可附照片）。"


async def my_projects(ctx: Context) -> list[StatusProject]:
    """The projects this person reports on: their own, and their regions' as coordinator."""
    user = ctx.actor.user
    if user is None:
        return []
    found = {p.id: p for p in await ctx.uow.status.projects_of_owner(user.id)}
    for region in ctx.actor.coordinator_regions:
        for project in await ctx.uow.status.projects_in_region(region.id):
            found.setdefault(project.id, project)
    return sorted(found.values(), key=lambda p: (p.region_id, p.name))


async def begin(ctx: Context) -> None:
    projects = await my_projects(ctx)
    if not projects or len(projects) > MAX_BUTTONS:
        why = "项目太多，按钮放不下" if projects else "您还不是任何项目的负责人"
        ctx.reply(f"{why}。请直接写：{UPDATE_USAGE}")
        return
    rows = tuple((Button(p.name, f"status:draft:{p.id}"),) for p in projects)
    ctx.reply("请选择要报送进展的项目：", rows)


async def on_draft(ctx: Context, press: CallbackPress, rest: str) -> None:
    """A project chosen: the draft begins; the stage buttons and what to send next."""
    number = typed_number(rest)
    project = await ctx.uow.status.get_project(number) if number else None
    if project is None or press.chat is None:
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return
    now = ctx.clock.now()
    await ctx.uow.status.close_pending("private", press.user.id, now)
    draft = await ctx.uow.status.hold(
        StatusPending(
            kind="private", user_id=press.user.id, chat_id=press.chat.id,
            project_id=project.id, region_id=project.region_id, created_at=now,
        )
    )  # fmt: skip
    buttons = [Button(s, f"status:dstage:{draft.id}:{n}") for n, s in enumerate(STAGES)]
    rows = (tuple(buttons[:3]), tuple(buttons[3:]))
    text = f"项目：{project.name}。\n如阶段有变化，请选择阶段；{ASK_FIGURES}"
    ctx.add(EditMessage(press.chat.id, press.message_id or 0, text, rows))
    ctx.add(AnswerCallback(press.callback_id))


async def on_draft_stage(ctx: Context, press: CallbackPress, rest: str) -> None:
    ident, _, index = rest.partition(":")
    number, stage = typed_number(ident), typed_number(index)
    draft = await ctx.uow.status.get_pending(number, lock=True) if number else None
    if draft is None or draft.done_at or draft.user_id != press.user.id or stage is None:
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return
    if stage >= len(STAGES):
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return
    draft.stage = STAGES[stage]
    ctx.add(AnswerCallback(press.callback_id, f"阶段：{draft.stage}。{ASK_FIGURES}"))


async def on_draft_text(ctx: Context, message: IncomingMessage) -> bool:
    """The figures of a step-by-step update, in the private chat where it began."""
    user = ctx.actor.user
    if ctx.group is not None or user is None or not (message.text or photos_of(message)):
        return False
    since = ctx.clock.now() - DRAFT_WAIT
    draft = await ctx.uow.status.open_pending("private", user.id, message.chat.id, since)
    if draft is None or draft.project_id is None:
        return False
    project = await ctx.uow.status.get_project(draft.project_id)
    if project is None:
        return False
    text = message.text or ""
    registry = await ctx.services.get(ProjectIndex).current(ctx.uow)
    parsed = parse_update(text, project.region.name, registry)
    if parsed.stage is None and draft.stage is not None:
        parsed.stage = draft.stage
        text = f"{text} {draft.stage}".strip()
    if await record(ctx, message, project, parsed, text, "private", photos_of(message)):
        draft.done_at = ctx.clock.now()
    return True


async def on_update_command(ctx: Context, message: IncomingMessage, args: str) -> None:
    if args.strip():
        await report(ctx, message, args, "command")
    elif ctx.group is None:
        await begin(ctx)
    else:
        ctx.reply(f"用法：{UPDATE_USAGE}")


UPDATE = Command("update", "报送项目进展", UPDATE_USAGE, on_update_command)
