"""The offline console transport: play several people in several groups against the real core.

Lines starting with these meta-commands steer the play; everything else is a message:
  /as NAME [@username]  speak as NAME (created on first use; the first is a provincial admin)
  /in CHAT       speak in group CHAT (created on first use); /in 私聊 for a private chat
  /join          the bot is added to the current group (by the current person)
  /kick          the bot is removed from the current group
  /upgrade       the current group becomes a supergroup (new chat id)
  /tap TEXT      press the last button labelled TEXT in the current chat
  /now [YYYY-MM-DD HH:MM]  show or set the demo's clock;  /wait 7天  move it forward
  /who           list people and chats;  /quit  leave
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TextIO

from handlers.core.dispatch import Core
from handlers.core.model import (
    AnswerCallback,
    BotInfo,
    Button,
    CallbackPress,
    Chat,
    ChatType,
    CopyMessage,
    Delivered,
    EditMessage,
    IncomingMessage,
    MembershipChange,
    MemberStatus,
    MessageKind,
    Outgoing,
    ReplyTarget,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetCommands,
    User,
)
from handlers.shared.dates import format_when
from handlers.shared.when import Unclear, reminder_offsets

DEMO_BOT = BotInfo(id=700000001, username="shanlin_demo_bot", can_read_all_group_messages=True)
FIRST_USER_ID = 1001
PRIVATE = "私聊"
META_COMMANDS = (
    "/as", "/in", "/join", "/kick", "/upgrade", "/tap", "/now", "/wait", "/who", "/quit",
)  # fmt: skip


class DemoClock:
    """The system clock, which the demo may set (/now) and move forward (/wait)."""

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(self._zone) + self._offset

    def set(self, when: datetime) -> None:
        self._offset = when.replace(tzinfo=self._zone) - datetime.now(self._zone)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta


@dataclass
class ConsoleMessenger:
    """Carries out the core's actions by printing them; keeps what was sent."""

    names: dict[int, str] = field(default_factory=dict)  # chat id → display name
    out: TextIO = sys.stdout
    sent: list[tuple[int, str]] = field(default_factory=list)  # (chat id, text) in order
    sent_ids: list[int] = field(default_factory=list)  # their message ids, in the same order
    performed: list[Outgoing] = field(default_factory=list)  # every action, in order
    callback_answers: list[str] = field(default_factory=list)
    buttons: dict[int, list[Button]] = field(default_factory=dict)  # chat id → last buttons
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100000))

    async def bot_info(self) -> BotInfo:
        return DEMO_BOT

    async def perform(self, action: Outgoing) -> Delivered:
        self.performed.append(action)
        if isinstance(action, SetCommands | AnswerCallback):
            if isinstance(action, AnswerCallback) and action.text:
                self.callback_answers.append(action.text)
                self._print(f"    （按钮提示：{action.text}）")
            return Delivered()
        chat_id, text = _describe(action)
        message_id = next(self._message_ids)
        self.sent.append((chat_id, text))
        self.sent_ids.append(message_id)
        buttons = getattr(action, "buttons", ())
        if buttons:
            self.buttons[chat_id] = [b for row in buttons for b in row]
            text += "\n" + "  ".join(f"[{b.text}]" for row in buttons for b in row)
        where = self.names.get(chat_id, str(chat_id))
        self._print(f"[{where}] 🤖 善邻助手: " + text.replace("\n", "\n    "))
        return Delivered(message_id)

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def _describe(action: Outgoing) -> tuple[int, str]:
    if isinstance(action, SendMessage):
        return action.chat_id, action.text
    if isinstance(action, EditMessage):
        return action.chat_id, f"（修改消息）{action.text}"
    if isinstance(action, CopyMessage):
        return action.chat_id, f"（转发消息 {action.message_id}）"
    if isinstance(action, SendDocument | SendPhoto):
        kind = "文件" if isinstance(action, SendDocument) else "图片"
        caption = f" {action.caption}" if action.caption else ""
        return action.chat_id, f"（{kind} {action.filename}，{len(action.content)} 字节）{caption}"
    raise TypeError(action)


class ConsoleSession:
    """Turns what a person types into updates for the core, as Telegram would send them."""

    def __init__(
        self,
        core: Core,
        messenger: ConsoleMessenger,
        out: TextIO = sys.stdout,
        clock: DemoClock | None = None,
    ) -> None:
        self.core = core
        self.clock = clock  # the core's clock, when the play may move it
        self.messenger = messenger
        self.out = out
        self.users: dict[str, User] = {}
        self.groups: dict[str, Chat] = {}
        self.user: User | None = None
        self.chat: Chat | None = None
        # Ids continue across runs on a kept demo database, as Telegram's would.
        start = time.time_ns() // 1_000_000
        self._update_ids = itertools.count(start)
        self._message_ids = itertools.count(start)
        self._group_ids = itertools.count(1)

    # --- driving the core directly (used by the scenario tests too) -------------------------

    async def message(
        self, user: User, chat: Chat, text: str, reply_to: ReplyTarget | None = None
    ) -> None:
        self.messenger.names.setdefault(chat.id, chat.title or f"{PRIVATE}:{user.first_name}")
        await self._deliver(
            IncomingMessage(
                update_id=next(self._update_ids),
                chat=chat,
                message_id=next(self._message_ids),
                date=self.core.clock.now(),
                sender=user,
                kind=MessageKind.TEXT,
                text=text,
                reply_to=reply_to,
            )
        )

    async def bot_membership(self, actor: User, chat: Chat, present: bool) -> None:
        self.messenger.names.setdefault(chat.id, chat.title or str(chat.id))
        old, new = (MemberStatus.LEFT, MemberStatus.MEMBER)
        if not present:
            old, new = new, MemberStatus.KICKED
        await self._deliver(
            MembershipChange(next(self._update_ids), chat, actor, old, new, self.core.clock.now())
        )

    async def upgrade(self, actor: User, chat: Chat) -> Chat:
        """The group becomes a supergroup; both chats receive the service message."""
        new_chat = Chat(int(f"-100{abs(chat.id)}"), ChatType.SUPERGROUP, chat.title)
        self.messenger.names[new_chat.id] = new_chat.title or str(new_chat.id)
        for target, extra in (
            (chat, {"migrate_to_chat_id": new_chat.id}),
            (new_chat, {"migrate_from_chat_id": chat.id}),
        ):
            await self._deliver(
                IncomingMessage(
                    update_id=next(self._update_ids),
                    chat=target,
                    message_id=next(self._message_ids),
                    date=self.core.clock.now(),
                    sender=actor,
                    kind=MessageKind.SERVICE,
                    **extra,  # type: ignore[arg-type]
                )
            )
        return new_chat

    async def press(self, user: User, chat: Chat, button: Button) -> None:
        await self._deliver(
            CallbackPress(
                next(self._update_ids), f"cb{next(self._message_ids)}", user, button.data, chat, 0
            )
        )

    async def _deliver(self, update: IncomingMessage | MembershipChange | CallbackPress) -> None:
        await self.core.handle(update, self.messenger)

    # --- the typed play -----------------------------------------------------------------

    def person(self, name: str, username: str | None = None) -> User:
        if name not in self.users:
            user = User(FIRST_USER_ID + len(self.users), name, username=username)
            self.users[name] = user
            # The bot may write to someone privately before they open the chat.
            self.messenger.names.setdefault(user.id, f"{PRIVATE}:{name}")
        return self.users[name]

    def group(self, title: str) -> Chat:
        if title not in self.groups:
            self.groups[title] = Chat(-next(self._group_ids), ChatType.GROUP, title)
        return self.groups[title]

    async def play(
        self,
        lines: Iterable[str],
        echo: bool,
        after_line: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Play a script; ``after_line`` runs after each line (e.g. to deliver what it queued)."""
        for raw in lines:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if echo:
                self._print(self._prompt() + line)
            if not await self.line(line):
                break
            if after_line is not None:
                await after_line()

    async def interact(self) -> None:
        """Read lines from the terminal until /quit or end of input."""
        while True:
            try:
                line = await asyncio.to_thread(input, self._prompt())
            except EOFError:
                return
            if not await self.line(line):
                return

    async def line(self, line: str) -> bool:
        """Handle one typed line; False when the person wants to leave."""
        word, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if word not in META_COMMANDS:
            await self._say(line)
            return True
        if word == "/quit":
            return False
        if word == "/as":
            self._switch_person(rest)
        elif word == "/in":
            self._switch_chat(rest)
        elif word in ("/now", "/wait"):
            self._move_time(word, rest)
        elif word == "/who":
            self._print("人：" + "、".join(self.users) + "；群：" + "、".join(self.groups))
        elif self.user is None or self.chat is None:
            self._print("（先用 /as 名字 和 /in 群名 选好身份和群）")
        elif word in ("/join", "/kick"):
            await self.bot_membership(self.user, self.chat, present=word == "/join")
        elif word == "/upgrade":
            await self._upgrade_current()
        elif word == "/tap":
            await self._tap(rest)
        return True

    async def _say(self, text: str) -> None:
        if self.user is None or self.chat is None:
            self._print("（先用 /as 名字 选择身份，再用 /in 群名 选择群，或 /in 私聊）")
            return
        await self.message(self.user, self.chat, text.replace("\\n", "\n"))  # \n: a new line

    def _switch_person(self, words: str) -> None:
        name, _, username = words.partition(" ")
        if not name:
            self._print("（用法：/as 名字，或 /as 名字 @用户名）")
            return
        self.user = self.person(name, username.strip().lstrip("@") or None)
        if self.chat is not None and self.chat.type is ChatType.PRIVATE:
            self.chat = Chat(self.user.id, ChatType.PRIVATE)

    def _switch_chat(self, title: str) -> None:
        if not title:
            self._print("（用法：/in 群名，或 /in 私聊）")
        elif title == PRIVATE:
            if self.user is None:
                self._print("（先用 /as 名字 选择身份）")
                return
            self.chat = Chat(self.user.id, ChatType.PRIVATE)
        else:
            self.chat = self.group(title)

    def _move_time(self, word: str, value: str) -> None:
        if self.clock is None:
            self._print("（这里的时间不能调整）")
            return
        if word == "/now" and value:
            try:
                self.clock.set(datetime.strptime(value, "%Y-%m-%d %H:%M"))
            except ValueError:
                self._print("（用法：/now 2026-06-01 09:00）")
                return
        elif word == "/wait":
            delta = reminder_offsets(value) if value else Unclear("")
            if isinstance(delta, Unclear) or len(delta) != 1:
                self._print("（用法：/wait 7天，或 /wait 3小时、/wait 30分钟）")
                return
            self.clock.advance(delta[0])
        now = self.clock.now()
        self._print(f"（现在是 {format_when(now, now)}）")

    async def _upgrade_current(self) -> None:
        assert self.user is not None and self.chat is not None
        if self.chat.type is not ChatType.GROUP:
            self._print("（只有普通群可以升级为超级群）")
            return
        title = self.chat.title or ""
        self.chat = self.groups[title] = await self.upgrade(self.user, self.chat)
        self._print(f"（{title} 已升级为超级群，新 ID {self.chat.id}）")

    async def _tap(self, label: str) -> None:
        assert self.user is not None and self.chat is not None
        for button in reversed(self.messenger.buttons.get(self.chat.id, [])):
            if button.text == label:
                await self.press(self.user, self.chat, button)
                return
        self._print(f"（本群最近的消息里没有“{label}”按钮）")

    def _prompt(self) -> str:
        if self.user is None and self.chat is None:
            return "> "
        who = self.user.first_name if self.user else "?"
        where = "?" if self.chat is None else (self.chat.title or PRIVATE)
        return f"[{where}] {who}> "

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)
