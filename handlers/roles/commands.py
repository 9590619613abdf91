"""Who may do what: provincial admins (from settings) grant and revoke regional coordinators.

Decision: a Telegram administrator of a bound group does NOT count as a coordinator of its
region. Group admin rights are handed out freely inside organisations; coordinator rights reach
every group of a region, so only a provincial admin grants them, explicitly, with /grant.
"""

from __future__ import annotations

from handlers.core.commands import Audience, Command, typed_number, usage_hint
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.model import IncomingMessage
from handlers.shared.regions import read_regions
from handlers.shared.targeting import unknown_regions_text
from storage.directory import Person, Region


async def _target_and_regions(
    ctx: Context, message: IncomingMessage, args: str
) -> tuple[Person | None, list[str], str | None]:
    """Split ``[@user | user id] [regions…]``, or take the person replied to.

    Returns (person, remaining words, error text)."""
    words = args.split()
    if (
        message.reply_to is not None
        and message.reply_to.sender is not None
        and (not words or not (words[0].startswith("@") or words[0].isdigit()))
    ):
        sender = message.reply_to.sender
        if sender.is_bot:
            return None, words, "不能给机器人授予身份。"
        now = ctx.clock.now()
        replied_to = await ctx.uow.people.seen(
            sender.id, sender.first_name, sender.last_name, sender.username, now
        )
        return replied_to, words, None
    if not words:
        return None, words, None
    who, rest = words[0], words[1:]
    if who.startswith("@"):
        person = await ctx.uow.people.by_username(who)
    elif who.isdigit():
        user_id = typed_number(who)
        person = await ctx.uow.people.by_user_id(user_id) if user_id is not None else None
    else:
        return None, words, None
    if person is None:
        return (
            None,
            rest,
            (
                f"找不到用户 {who[:40]}：我只认识发过言的人。"
                "请让对方先在任一群里发言或私聊我一次，或者直接回复对方的消息发送命令。"
            ),
        )
    return person, rest, None


async def _person_and_regions(
    ctx: Context, message: IncomingMessage, args: str, command: Command, regions_required: bool
) -> tuple[Person, list[Region]] | None:
    """The person and regions a /grant or /revoke names; replies and returns None if unclear."""
    person, words, error = await _target_and_regions(ctx, message, args)
    if error:
        ctx.reply(error)
        return None
    if person is None or (regions_required and not words):
        ctx.reply(usage_hint(command))
        return None
    regions, unknown = read_regions(" ".join(words), await ctx.uow.regions.all())
    if unknown:
        ctx.reply(await unknown_regions_text(ctx, unknown))
        return None
    return person, regions


DESK_ROLE = "工单台"  # /grant @someone 工单台: the provincial desk's role (tickets)


async def _desk_role(
    ctx: Context, message: IncomingMessage, args: str, command: Command, granting: bool
) -> bool:
    """/grant @someone 工单台 and /revoke @someone 工单台; False if ``args`` is not that."""
    if DESK_ROLE not in args.split():
        return False
    person, words, error = await _target_and_regions(ctx, message, args)
    if error or person is None or words != [DESK_ROLE]:
        ctx.reply(error or usage_hint(command))
        return True
    assert ctx.actor.user is not None
    had = person.desk_staff_by is not None
    person.desk_staff_by = ctx.actor.user.id if granting else None
    if granting and had:
        ctx.reply(f"{person.label} 已经是工单台工作人员，无需重复授权。")
    elif granting:
        ctx.reply(f"✅ 已将 {person.label} 设为工单台工作人员，可以认领和处理工单。")
    elif had:
        ctx.reply(f"✅ 已撤销 {person.label} 的工单台工作人员身份。")
    else:
        ctx.reply(f"{person.label} 不是工单台工作人员，无需撤销。")
    return True


async def _whom(
    ctx: Context, message: IncomingMessage, args: str, command: Command, granting: bool
) -> tuple[Person, list[Region]] | None:
    """The person and regions a /grant or /revoke names; None once answered (the desk role
    given or taken, or what it names is unclear)."""
    if await _desk_role(ctx, message, args, command, granting):
        return None
    return await _person_and_regions(ctx, message, args, command, regions_required=granting)


async def grant(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/grant: make someone a coordinator of one or more regions (or desk staff)."""
    if (target := await _whom(ctx, message, args, GRANT, granting=True)) is None:
        return
    person, regions = target
    assert ctx.actor.user is not None
    now = ctx.clock.now()
    added = [
        r.name for r in regions if await ctx.uow.grants.grant(person, r, ctx.actor.user.id, now)
    ]
    if added:
        ctx.reply(f"✅ 已将 {person.label} 设为市州协调员：{'、'.join(added)}。")
    else:
        ctx.reply(f"{person.label} 已经是这些市州的协调员，无需重复授权。")


async def revoke(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/revoke: take coordinator rights away (the regions named, or all; or the desk role)."""
    if (target := await _whom(ctx, message, args, REVOKE, granting=False)) is None:
        return
    person, regions = target
    removed: list[str] = []
    if regions:
        for region in regions:
            removed += await ctx.uow.grants.revoke(person, region)
    else:
        removed = await ctx.uow.grants.revoke(person, None)
    if removed:
        ctx.reply(f"✅ 已撤销 {person.label} 的协调员身份：{'、'.join(removed)}。")
    else:
        which = "、".join(r.name for r in regions) if regions else "任何市州"
        ctx.reply(f"{person.label} 目前不是{which}的协调员，无需撤销。")


GRANT = Command(
    "grant",
    "授予市州协调员（或工单台工作人员）身份",
    "回复对方的消息发送 /grant 泸州，或 /grant @用户名 泸州，或 /grant 用户ID 泸州 德阳；"
    "工单台工作人员：/grant @用户名 工单台",
    grant,
    audience=Audience.PROVINCIAL_ADMIN,
)
REVOKE = Command(
    "revoke",
    "撤销市州协调员身份",
    "回复对方的消息发送 /revoke（撤销全部），或 /revoke @用户名 泸州，或 /revoke @用户名 工单台",
    revoke,
    audience=Audience.PROVINCIAL_ADMIN,
)
FEATURE = Feature("roles", commands=(GRANT, REVOKE))
