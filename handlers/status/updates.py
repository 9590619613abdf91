"""Progress updates: ``#进展 …`` in a group, ``/update …`` anywhere. The project is resolved
loosely within the group's region; an unknown or ambiguous name gets 您是指 buttons (never a
guess), another region's project is refused with the reason. What was understood is shown
with the change since the last update and 更正 buttons."""

from __future__ import annotations

import re
from typing import Any

from handlers.core.context import Context
from handlers.core.feature import TextStage
from handlers.core.model import Button, IncomingMessage, Keyboard, MessageKind
from handlers.status.checks import refusal, stated, summary, unclear_counts, unread_parts
from handlers.status.messages import NOT_BOUND, UPDATE_USAGE, clip
from handlers.status.names import ProjectIndex
from handlers.status.parse import StatusUpdate, parse_update
from handlers.status.projects import Resolution
from storage.status_tables import FIGURES, StatusPending, StatusProject

TAG = re.compile(r"[#＃]\s*进展")
FIX_CODES = {"r": "raised_yuan", "t": "target_yuan", "d": "donations", "b": "beneficiaries"}
MAX_CHOICES = 3


def photos_of(message: IncomingMessage) -> list[str]:
    if message.kind is MessageKind.PHOTO and message.attachment is not None:
        return [message.attachment.file_id]
    return []


async def may_report(ctx: Context, project: StatusProject) -> str | None:
    """Why this person may not report on the project here, or None.

    In a group: the group's region's projects. In private: a provincial admin, a coordinator
    of the project's region, or one of its owners."""
    if ctx.group is not None:
        if ctx.group.region_id == project.region_id:
            return None
        here = ctx.group.region.name if ctx.group.region else "未绑定"
        return (
            f"⛔ “{project.name}”是{project.region.name}的项目，本群属于{here}，"
            f"不能在这里报送。请在{project.region.name}的群里发送。"
        )
    user = ctx.actor.user
    if user is None or ctx.actor.may_manage(project.region_id):
        return None if user is not None else "我无法识别您的身份。"
    owners = (await ctx.uow.status.owners_of([project.id]))[project.id]
    if any(owner.user_id == user.id for owner in owners):
        return None
    return (
        f"⛔ 您不是“{project.name}”的负责人。请在{project.region.name}的群里用 #进展 报送，"
        "或请协调员把您登记为负责人。"
    )


async def private_region(ctx: Context) -> str | None:
    """In a private chat, names are resolved within the person's region when they have one:
    the one region they coordinate or own projects in; else within the whole registry."""
    user = ctx.actor.user
    if user is None or ctx.actor.is_provincial_admin:
        return None
    regions = {region.name for region in ctx.actor.coordinator_regions}
    regions |= {p.region.name for p in await ctx.uow.status.projects_of_owner(user.id)}
    return regions.pop() if len(regions) == 1 else None


async def report(ctx: Context, message: IncomingMessage, text: str, source: str) -> None:
    """Read an update and record it, or ask which project it is about."""
    if ctx.actor.user is None:
        ctx.reply("我无法识别匿名管理员或频道的身份，请关闭“匿名发言”后再报送进展。")
        return
    if ctx.group is not None:
        if ctx.group.region is None:
            ctx.reply(NOT_BOUND)
            return
        region: str | None = ctx.group.region.name
    else:
        region = await private_region(ctx)
    registry = await ctx.services.get(ProjectIndex).current(ctx.uow)
    parsed = parse_update(text, region, registry)
    resolution = parsed.resolution
    assert resolution is not None
    if resolution.project is None:
        await ask_which(ctx, message, text, resolution, region)
        return
    # Locked now: the latest pointer is then read once, as it stands, and moved.
    project = await ctx.uow.status.get_project(int(resolution.project.id), names=False, lock=True)
    assert project is not None
    await record(ctx, message, project, parsed, text, source, photos_of(message))


async def ask_which(
    ctx: Context, message: IncomingMessage, text: str, found: Resolution, region: str | None
) -> None:
    """您是指：… with the closest names of the region; another region's project refused."""
    candidates = found.candidates[:MAX_CHOICES]
    if not candidates and found.elsewhere:
        other = found.elsewhere[0]
        ctx.reply(
            f"⛔ “{other.name}”是{other.region}的项目，本群属于{region}，不能在这里报送。"
            f"请在{other.region}的群里发送。"
        )
        return
    if not candidates:
        where = f"{region}登记的项目里" if region else "登记的项目里"
        ctx.reply(
            f"没有找到这条进展说的项目：{where}没有相近的名字。请写项目全称或简称"
            "（发送 /projects 查看），或请协调员用 /project_add 登记。"
        )
        return
    user = ctx.actor.user
    assert user is not None
    pending = await ctx.uow.status.hold(
        StatusPending(
            kind="pick", user_id=user.id, chat_id=message.chat.id, message_id=message.message_id,
            payload=text, photos="\n".join(photos_of(message)), created_at=ctx.clock.now(),
        )
    )  # fmt: skip
    labels = [p.name if region else f"{p.name}（{p.region}）" for p in candidates]
    rows: list[tuple[Button, ...]] = [
        (Button(label, f"status:pick:{pending.id}:{p.id}"),)
        for label, p in zip(labels, candidates, strict=True)
    ]
    rows.append((Button("都不是", f"status:pick:{pending.id}:0"),))
    names = "、".join(labels)
    ctx.reply(f"您是指：{names}？请点选项目，我再记录这条进展。", tuple(rows))


async def record(
    ctx: Context,
    message: IncomingMessage | None,
    project: StatusProject,
    parsed: StatusUpdate,
    text: str,
    source: str,
    photos: list[str],
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> bool:
    """Check and store the update, then say what was understood; whether it was stored."""
    user = ctx.actor.user
    assert user is not None
    if (why := await may_report(ctx, project)) is not None:
        ctx.reply(why)
        return False
    fields: dict[str, Any] = {name: getattr(parsed, name) for name in FIGURES}
    if (why := refusal(text, fields, project)) is not None:
        ctx.reply(why)
        return False
    unread = unread_parts(text, fields)
    counts = unclear_counts(text, fields, unread)
    if not stated(fields):
        missing = "、".join(f"“{clip(part)}”" for part in unread)
        said = f"{missing}里没有读出数字。" if missing else "没有读到数字或阶段。"
        if counts and not missing:
            said = f"“{clip(counts[0])}”没有写明是捐赠人次还是受益人数。"
        ctx.reply(f"❓ {project.name}：{said}\n用法：{UPDATE_USAGE}")
        return False
    chat = chat_id if chat_id is not None else (message.chat.id if message else 0)
    mid = message_id if message_id is not None else (message.message_id if message else None)
    stored = await ctx.uow.status.record_update(
        project, fields, text=text[:4000], source=source, reporter_id=user.id,
        reporter_name=user.label, chat_id=chat, message_id=mid, now=ctx.clock.now(),
        photos=photos, media_group=message.media_group_id if message else None,
    )  # fmt: skip
    if stored is None:
        return False  # this message was recorded before
    previous = await ctx.uow.status.previous_update(stored)
    zone = ctx.config.timezone
    unread += counts  # named too: the 更正 buttons add them
    ctx.reply(
        summary(project, stored, previous, len(photos), unread, zone), fix_buttons(stored.id)
    )
    if ctx.group is not None:
        ctx.pass_on_to = TextStage.REPORT  # a platform problem in it may still get an offer
    return True


def fix_buttons(update_id: int) -> Keyboard:
    return (
        (Button("更正已筹", f"status:fix:{update_id}:r"),
         Button("更正目标", f"status:fix:{update_id}:t")),
        (Button("更正人次", f"status:fix:{update_id}:d"),
         Button("更正阶段", f"status:fix:{update_id}:s")),
    )  # fmt: skip


def is_tagged(message: IncomingMessage) -> bool:
    """``#进展`` not forwarded: always answered (recorded, or a hint), so always written."""
    return TAG.search(message.text or "") is not None and not message.is_forward


async def on_tagged(ctx: Context, message: IncomingMessage) -> bool:
    """``#进展 …``: a progress update."""
    if not is_tagged(message):
        return False
    body = TAG.sub(" ", message.text or "").strip()
    if not body:
        ctx.reply(f"#进展 后面请写项目和数字。\n用法：{UPDATE_USAGE}")
        return True
    await report(ctx, message, body, "tag")
    return True


async def on_album_photo(ctx: Context, message: IncomingMessage) -> bool:
    """An album's later photo (no caption): kept with the update its first photo carried."""
    if message.media_group_id is None or message.text or not photos_of(message):
        return False
    found = await ctx.uow.status.from_album(message.chat.id, message.media_group_id)
    if found is None:
        return False
    await ctx.uow.status.add_photos(found.id, photos_of(message))
    return True
