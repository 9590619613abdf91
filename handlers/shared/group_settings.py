"""Group settings switched with 开 / 关 (自动答疑, 提醒避开节假日)."""

from __future__ import annotations

from handlers.core.commands import Command, usage_hint
from handlers.core.context import Context


def switch(ctx: Context, args: str, command: Command, setting: str, current: bool) -> bool | None:
    """A group setting's ``开|关`` argument: the value to store, or None once answered (the
    current state when no argument is given, the usage on anything else, a refusal unless the
    person coordinates the group's region or is a provincial admin)."""
    group = ctx.group
    assert group is not None  # group settings are group commands
    choice = args.strip().lower()
    if not choice:
        ctx.reply(f"本群{setting}目前{'开启' if current else '关闭'}。{usage_hint(command)}")
        return None
    if choice not in ("开", "开启", "on", "关", "关闭", "off"):
        ctx.reply(usage_hint(command))
        return None
    if group.region_id is None and not ctx.actor.is_provincial_admin:
        ctx.reply(f"本群还没有绑定市州，只有省级管理员可以设置{setting}。")
        return None
    if not ctx.actor.may_manage(group.region_id):
        ctx.reply(f"⛔ 只有本群所属市州的协调员或省级管理员可以设置{setting}。")
        return None
    return choice in ("开", "开启", "on")
