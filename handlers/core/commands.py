"""Commands: how they are declared, parsed and offered (in /help and in Telegram's menus)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from handlers.core.access import Actor
from handlers.core.context import Context
from handlers.core.model import CommandScope, IncomingMessage, SetCommands


class Where(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    ANYWHERE = "anywhere"


class Audience(IntEnum):
    """Who may run a command; higher includes lower."""

    EVERYONE = 0
    COORDINATOR = 1
    PROVINCIAL_ADMIN = 2


CommandHandler = Callable[[Context, IncomingMessage, str], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str  # one line of Chinese for /help and the menu
    usage: str  # the correct form with an example, shown on wrong arguments
    run: CommandHandler
    where: Where = Where.ANYWHERE
    audience: Audience = Audience.EVERYONE

    def allowed_in(self, in_group: bool) -> bool:
        return self.where is Where.ANYWHERE or (self.where is Where.GROUP) == in_group

    def allowed_for(self, actor: Actor) -> bool:
        return audience_of(actor) >= self.audience


def audience_of(actor: Actor) -> Audience:
    if actor.is_provincial_admin:
        return Audience.PROVINCIAL_ADMIN
    if actor.is_coordinator:
        return Audience.COORDINATOR
    return Audience.EVERYONE


@dataclass(frozen=True)
class ParsedCommand:
    name: str  # lower case, without "/" and "@bot"
    args: str
    addressed_to: str | None  # the @bot part, if any


# What people new to Telegram type for its commands (Telegram itself only knows Latin names).
CHINESE_NAMES = {"帮助": "help", "菜单": "help", "开始": "start", "我是谁": "whoami"}


def parse_command(text: str | None) -> ParsedCommand | None:
    """``/bind@shanlin_bot 泸州`` → ("bind", "泸州", "shanlin_bot"); None if not a command."""
    if not text or not text.startswith("/"):
        return None
    head, *rest = text[1:].split(maxsplit=1) or [""]
    args = rest[0].strip() if rest else ""
    name, _, bot = head.partition("@")
    name = CHINESE_NAMES.get(name, name)
    if not name or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
        return None
    return ParsedCommand(name.lower(), args, bot.lower() or None)


def refusal(command: Command) -> str:
    who = {
        Audience.COORDINATOR: "市州协调员或省级管理员",
        Audience.PROVINCIAL_ADMIN: "省级管理员",
    }[command.audience]
    return f"⛔ 只有{who}可以使用 /{command.name}。发送 /whoami 查看您的身份。"


def wrong_place(command: Command) -> str:
    if command.where is Where.GROUP:
        return f"/{command.name} 需要在群里使用。"
    return f"/{command.name} 需要在与我的私聊中使用。"


# A number as people type it after a command (12, #12): ASCII digits, at most 18 of them, so
# that it fits a database id (a 30-digit number would overflow it; int() would take ² or ٣).
_NUMBER = re.compile(r"#?([0-9]{1,18})")


_FULL_WIDTH = str.maketrans("０１２３４５６７８９＃", "0123456789#")  # a Chinese keyboard's


def typed_number(text: str) -> int | None:
    """The number in ``text`` (12, #12 or ３, nothing else), or None."""
    found = _NUMBER.fullmatch(text.strip().translate(_FULL_WIDTH))
    return int(found.group(1)) if found else None


def usage_hint(command: Command) -> str:
    return f"用法：{command.usage}"


def help_text(commands: Sequence[Command], actor: Actor, in_group: bool) -> str:
    """Exactly the commands this person may use in this kind of chat."""
    lines = [f"/{c.name} — {c.summary}" for c in commands if _offered(c, actor, in_group)]
    place = "群内" if in_group else "私聊中"
    head = f"📖 您（{actor.role_text}）在{place}可用的命令："
    return "\n".join([head, *lines])


def _offered(command: Command, actor: Actor, in_group: bool) -> bool:
    return command.allowed_in(in_group) and command.allowed_for(actor)


def command_menus(commands: Sequence[Command]) -> list[SetCommands]:
    """Telegram menus per scope: private chats, group members, and group administrators
    (shown the coordinators' group commands; whether they may run them is checked on use)."""

    def menu(scope: CommandScope, in_group: bool, up_to: Audience) -> SetCommands:
        chosen = [
            (c.name, c.summary) for c in commands if c.allowed_in(in_group) and c.audience <= up_to
        ]
        return SetCommands(scope, tuple(chosen))

    return [
        menu(CommandScope.PRIVATE, False, Audience.EVERYONE),
        menu(CommandScope.GROUPS, True, Audience.EVERYONE),
        menu(CommandScope.GROUP_ADMINS, True, Audience.COORDINATOR),
    ]


# A feature's line under /help for this person, or None (a setup still to do, say).
HelpNote = Callable[[Context], Awaitable[str | None]]


def help_command(commands: list[Command], notes: Sequence[HelpNote] = ()) -> Command:
    """/help, listing exactly what this person may run here (so it needs the full list),
    and what the features have to tell this person."""

    async def show_help(ctx: Context, message: IncomingMessage, args: str) -> None:
        told = [note for add in notes if (note := await add(ctx)) is not None]
        ctx.reply("\n\n".join([help_text(commands, ctx.actor, message.chat.is_group), *told]))

    return Command("help", "查看您可用的命令", "/help", show_help)
