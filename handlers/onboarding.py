"""First contact: /start, /help, /whoami."""

from __future__ import annotations

from handlers.commands import Command, help_text
from handlers.context import Context
from handlers.features import Feature
from handlers.model import IncomingMessage

INTRO = (
    "您好！我是善邻助手 🤝，服务四川省慈善联合总会、21 个市州慈善会和各会员单位的"
    "互联网筹款协作机器人。\n"
    "我的工作：解答筹款常见问题（直接把问题发给我就行）；帮协调员给各群发通知、统计谁回复了“收到”；"
    "按时在群里推送截止提醒。项目进展汇总和平台问题转交正在开发中。\n"
    "把我拉进本市州的沟通交流群，由协调员发送 /bind 市州名 完成绑定即可开始使用。"
)


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


def help_command(commands: list[Command]) -> Command:
    """/help, listing exactly what this person may run here (so it needs the full list)."""

    async def show_help(ctx: Context, message: IncomingMessage, args: str) -> None:
        ctx.reply(help_text(commands, ctx.actor, message.chat.is_group))

    return Command("help", "查看您可用的命令", "/help", show_help)


START = Command("start", "认识善邻助手", "/start", start)
WHOAMI = Command("whoami", "查看我的身份（在群里还显示本群所属市州）", "/whoami", whoami)
FEATURE = Feature("onboarding", commands=(START, WHOAMI))
