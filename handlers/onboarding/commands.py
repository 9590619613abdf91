"""First contact: /start and /whoami (the core answers /help)."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.model import IncomingMessage
from handlers.shared.texts import INTRO


async def start(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/start: introduce the bot."""
    ctx.reply(f"{INTRO}\n\n您的身份：{ctx.actor.role_text}。发送 /help 查看您可用的命令。")


async def whoami(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/whoami: the person's role, and this group's region."""
    user = ctx.actor.user
    if user is None:
        ctx.reply("您以匿名管理员或频道身份发言，我无法识别您是谁。请关闭匿名后再试。")
        return
    lines = [f"👤 {user.label}", f"Telegram ID：{user.id}", f"身份：{ctx.actor.role_text}"]
    if ctx.group is not None:
        region = ctx.group.region.full_name if ctx.group.region else "未绑定（/bind 市州名）"
        lines.append(f"本群：{region}")
    ctx.reply("\n".join(lines))


START = Command("start", "认识善邻助手", "/start", start)
WHOAMI = Command("whoami", "查看我的身份（在群里还显示本群所属市州）", "/whoami", whoami)
FEATURE = Feature("onboarding", commands=(START, WHOAMI))
