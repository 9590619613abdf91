"""The offline console transport: play several people in several groups against the real core.

Lines starting with these meta-commands steer the play; everything else is a message:
  /as NAME [@username]  speak as NAME (created on first use; the first is a provincial admin)
  /in CHAT       speak in group CHAT (created on first use); /in 私聊 for a private chat
  /join          the bot is added to the current group (by the current person)
  /kick          the bot is removed from the current group
  /upgrade       the current group becomes a supergroup (new chat id)
  /tap TEXT      press the last button labelled TEXT in the current chat
  /reply N TEXT  reply to message #N (the number printed beside each message) with TEXT
  /photo [CAPTION], /file NAME [CAPTION]  send a photo or a file (a stand-in: no content;
                 a NAME that is a file, here or beside the script, is sent with its content)
  /now [YYYY-MM-DD HH:MM]  show or set the demo's clock;  /wait 7天  move it forward,
                 stopping at each moment a scheduled job has work (reminders come on time)
  /who           list people and chats;  /quit  leave

Files and photos the bot sends are written to the messenger's ``save_to`` folder (the demo's
demo-output/), and the line on screen says where.

People and groups are found again by name on a kept demo database (their ids and bindings
follow them), and message ids continue, as Telegram's would.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Protocol, TextIO

from sqlalchemy import select

from handlers.core.dispatch import Core
from handlers.core.model import (
    AnswerCallback,
    Attachment,
    BotInfo,
    Button,
    CallbackPress,
    Chat,
    ChatType,
    CopyMessage,
    CreateTopic,
    DeleteMessage,
    Delivered,
    EditCaption,
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
from handlers.core.ports import FileUnavailable
from handlers.shared.dates import WEEKDAYS, format_when, month_day
from handlers.shared.when import Unclear, reminder_offsets
from storage.directory import Group, Person
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

DEMO_BOT = BotInfo(id=700000001, username="shanlin_demo_bot", can_read_all_group_messages=True)
BOT_USER = User(DEMO_BOT.id, "善邻助手", username=DEMO_BOT.username, is_bot=True)
FIRST_USER_ID = 1001  # the first person of a new demo database: a provincial admin
SUPERGROUP_BASE = 10**12  # a supergroup's id is -100 and ten digits, as Telegram's
PRIVATE = "私聊"
META_COMMANDS = (
    "/as", "/in", "/join", "/kick", "/upgrade", "/tap", "/reply", "/photo", "/file", "/now",
    "/wait", "/who", "/quit",
)  # fmt: skip
# The demo's clock stays within these years: the bot computes dates years ahead of now.
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2099, 12, 31, 23, 59)
CLOCK_RANGE = "（演示时钟只能在 2000-01-01 00:00 到 2099-12-31 23:59 之间）"
TICK = 1.0  # seconds between runs of the scheduled jobs while the person types


def continuing_ids() -> itertools.count[int]:
    """Ids that continue across runs on a kept demo database (milliseconds since the epoch),
    so that an update or a message of this run is never taken for one of an earlier run."""
    return itertools.count(time.time_ns() // 1_000_000)


class DemoClock:
    """The system clock, which the demo may set (/now) and move forward (/wait)."""

    def __init__(self, zone: tzinfo) -> None:
        self._zone = zone
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(self._zone) + self._offset

    def set(self, when: datetime) -> None:
        """Set the clock; a naive time is in the demo's zone."""
        when = when.astimezone(self._zone) if when.tzinfo else when.replace(tzinfo=self._zone)
        self._offset = when - datetime.now(self._zone)


class Timekeeper(Protocol):
    """The scheduled jobs, as the demo runs them (``bot.cli.demo_session`` provides one)."""

    async def settle(self) -> None:
        """Run every scheduled job now and deliver what they and the last line queued."""

    async def next_due(self) -> datetime | None:
        """The earliest moment at which a job will have work, if any job can tell."""


@dataclass(frozen=True)
class Shown:
    """A message on the demo's screen, known by the number printed beside it (for /reply)."""

    chat_id: int
    message_id: int
    sender: User
    text: str | None = None  # the text, or a photo's or file's caption
    kind: MessageKind = MessageKind.TEXT
    name: str | None = None  # a file's name

    def content(self) -> str:
        """What the message shows: its text, or a stand-in for a photo or file."""
        caption = self.text or ""
        if self.kind is MessageKind.PHOTO:
            return f"🖼 图片{'：' + caption if caption else ''}"
        if self.kind is MessageKind.DOCUMENT:
            return f"📎 文件 {self.name or ''}{'：' + caption if caption else ''}"
        return caption


def _is_comment(line: str) -> bool:
    """A script's comment: ``#`` then a blank (``#进展 …`` and ``#求助 …`` are messages)."""
    stripped = line.lstrip()
    return stripped == "#" or stripped.startswith(("# ", "#\t"))


@dataclass
class ConsoleMessenger:
    """Carries out the core's actions by printing them; keeps what was sent."""

    names: dict[int, str] = field(default_factory=dict)  # chat id → display name
    out: TextIO = field(default_factory=lambda: sys.stdout)  # the one in use when created
    sent: list[tuple[int, str]] = field(default_factory=list)  # (chat id, text) in order
    sent_ids: list[int] = field(default_factory=list)  # their message ids, in the same order
    performed: list[Outgoing] = field(default_factory=list)  # every action, in order
    callback_answers: list[str] = field(default_factory=list)
    buttons: dict[int, list[Button]] = field(default_factory=dict)  # chat id → last buttons
    buttons_on: dict[int, int] = field(default_factory=dict)  # chat id → their message's id
    # Every message on screen by its number (the bot's and the people's), for /reply.
    shown: dict[int, Shown] = field(default_factory=dict)
    _numbers: dict[tuple[int, int], int] = field(default_factory=dict)  # (chat, message) → №
    # One sequence for the bot's and the people's messages, continuing across runs.
    _message_ids: itertools.count[int] = field(default_factory=continuing_ids)
    heading: str | None = None  # printed before the next line, if one comes
    files: dict[str, bytes] = field(default_factory=dict)  # what people "sent", by file id
    save_to: Path | None = None  # where the bot's files and photos are written, if anywhere
    saved: list[Path] = field(default_factory=list)  # the files written, in order

    async def bot_info(self) -> BotInfo:
        return DEMO_BOT

    def new_message_id(self) -> int:
        return next(self._message_ids)

    async def download(self, file_id: str, limit: int) -> bytes:
        """A file someone sent in the demo (``/file`` with a path that exists)."""
        content = self.files.get(file_id)
        if content is None or len(content) > limit:
            raise FileUnavailable(f"no file {file_id} (or over {limit} bytes)")
        return content

    def show(self, message: Shown) -> int:
        """Give a message on screen its number."""
        number = len(self.shown) + 1
        self.shown[number] = message
        self._numbers[(message.chat_id, message.message_id)] = number
        return number

    def number_of(self, chat_id: int, message_id: int | None) -> int | None:
        return None if message_id is None else self._numbers.get((chat_id, message_id))

    async def perform(self, action: Outgoing) -> Delivered:
        self.performed.append(action)
        if isinstance(action, SetCommands | AnswerCallback):
            if isinstance(action, AnswerCallback) and action.text:
                self.callback_answers.append(action.text)
                self._print(f"    （按钮提示：{action.text}）")
            return Delivered()
        chat_id, text = self._describe(action)
        self.sent.append((chat_id, text))
        if isinstance(action, EditMessage | EditCaption | DeleteMessage):  # already on screen
            message_id, number = action.message_id, self.number_of(chat_id, action.message_id)
        else:
            message_id = self.new_message_id()
            number = self.show(self._as_shown(action, message_id, text))
        self.sent_ids.append(message_id)
        buttons = getattr(action, "buttons", ())
        if buttons:
            self.buttons[chat_id] = [b for row in buttons for b in row]
            self.buttons_on[chat_id] = message_id
            text += "\n" + "  ".join(f"[{b.text}]" for row in buttons for b in row)
        where = self.names.get(chat_id, str(chat_id))
        label = "" if number is None else f" #{number}"
        # A reply to the message just before it goes without saying.
        replied = self.number_of(chat_id, getattr(action, "reply_to_message_id", None))
        if replied is not None and number is not None and replied < number - 1:
            label += f"（回复 #{replied}）"
        self._print(f"[{where}] 🤖 善邻助手{label}: " + text.replace("\n", "\n    "))
        return Delivered(message_id)

    def _describe(self, action: Outgoing) -> tuple[int, str]:
        if isinstance(action, SendMessage):
            return action.chat_id, action.text
        if isinstance(action, EditMessage):
            return action.chat_id, f"（修改消息）{action.text}"
        if isinstance(action, EditCaption):
            return action.chat_id, f"（修改说明）{action.caption}"
        if isinstance(action, DeleteMessage):
            return action.chat_id, "（删除消息）"
        if isinstance(action, CreateTopic):
            return action.chat_id, f"（新话题：{action.name}）"
        if isinstance(action, CopyMessage):
            number = self.number_of(action.from_chat_id, action.message_id)
            if number is None:
                return action.chat_id, f"（转发消息 {action.message_id}）"
            return action.chat_id, f"（转发 #{number}）{self.shown[number].content()}"
        if isinstance(action, SendDocument | SendPhoto):
            kind = "文件" if isinstance(action, SendDocument) else "图片"
            caption = f" {action.caption}" if action.caption else ""
            if self.save_to is None:
                where = f"{len(action.content)} 字节"
            else:
                where = f"已保存到 {self._save(action.filename, action.content)}"
            return action.chat_id, f"（{kind} {action.filename}，{where}）{caption}"
        raise TypeError(action)

    def _save(self, filename: str, content: bytes) -> Path:
        """Write a file the bot sent into ``save_to``; a name sent twice in one run gets a
        number (项目进展-泸州-2.xlsx), so that nothing shown is overwritten."""
        assert self.save_to is not None
        name = Path(filename).name or "file"  # never outside the folder
        path, n = self.save_to / name, 1
        while path in self.saved:
            n += 1
            path = self.save_to / f"{Path(name).stem}-{n}{Path(name).suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.saved.append(path)
        return path

    def _as_shown(self, action: Outgoing, message_id: int, text: str) -> Shown:
        """The bot's new message as a reply to it will quote it."""
        chat_id = getattr(action, "chat_id")  # noqa: B009 (every sending action has one)
        if isinstance(action, CopyMessage):
            number = self.number_of(action.from_chat_id, action.message_id)
            if number is not None:
                original = self.shown[number]
                return Shown(
                    chat_id, message_id, BOT_USER, original.text, original.kind, original.name
                )
        if isinstance(action, SendPhoto):
            return Shown(chat_id, message_id, BOT_USER, action.caption, MessageKind.PHOTO)
        if isinstance(action, SendDocument):
            document = MessageKind.DOCUMENT
            return Shown(chat_id, message_id, BOT_USER, action.caption, document, action.filename)
        return Shown(chat_id, message_id, BOT_USER, text)

    def _print(self, line: str) -> None:
        if self.heading is not None:
            line, self.heading = f"{self.heading}\n{line}", None
        print(line, file=self.out, flush=True)


class ConsoleSession:
    """Turns what a person types into updates for the core, as Telegram would send them."""

    def __init__(
        self,
        core: Core,
        messenger: ConsoleMessenger,
        out: TextIO | None = None,
        clock: DemoClock | None = None,
        jobs: Timekeeper | None = None,
        files_from: Path | None = None,
    ) -> None:
        self.core = core
        self.files_from = files_from  # /file looks here too (the script's folder)
        self.clock = clock  # the core's clock, when the play may move it
        self.jobs = jobs  # the scheduled jobs, when the play runs them (the demo does)
        self.messenger = messenger
        self.out = out or sys.stdout
        self.users: dict[str, User] = {}
        self.groups: dict[str, Chat] = {}
        self.user: User | None = None
        self.chat: Chat | None = None
        self._update_ids = continuing_ids()
        self._last_user_id = FIRST_USER_ID - 1
        self._last_group = 0  # groups are -1, -2 …; supergroups -100 and ten digits
        self._turn = asyncio.Lock()  # one typed line, or one run of the jobs, at a time

    async def restore(self) -> None:
        """Meet again, by name, the people and groups of a kept demo database: each keeps its
        id, and so its role, its region and its bindings; new ones get ids not used yet."""
        async with UnitOfWork(self.core.sessions) as uow:
            people = await uow.session.scalars(select(Person).order_by(Person.user_id))
            groups = await uow.session.scalars(select(Group).order_by(Group.id))
            for person in people:
                self._last_user_id = max(self._last_user_id, person.user_id)
                if person.first_name and person.first_name not in self.users:
                    self.users[person.first_name] = User(
                        person.user_id, person.first_name, person.last_name, person.username
                    )
            chats: dict[str, tuple[bool, Chat]] = {}
            for group in groups:
                for chat_id in (group.chat_id, group.previous_chat_id or 0):
                    self._last_group = max(self._last_group, -chat_id % SUPERGROUP_BASE)
                kind = ChatType.SUPERGROUP if group.chat_id <= -SUPERGROUP_BASE else ChatType.GROUP
                held = chats.get(group.title)  # of two groups with one title: the active one
                if group.title and (held is None or group.active or not held[0]):
                    chats[group.title] = (group.active, Chat(group.chat_id, kind, group.title))
        for name, user in self.users.items():
            self.messenger.names.setdefault(user.id, f"{PRIVATE}:{name}")
        for title, (_, chat) in chats.items():
            self.groups[title] = chat
            self.messenger.names.setdefault(chat.id, title)

    # --- driving the core directly (used by the scenario tests too) -------------------------

    async def message(
        self,
        user: User,
        chat: Chat,
        text: str | None,
        reply_to: ReplyTarget | None = None,
        kind: MessageKind = MessageKind.TEXT,
        file_name: str | None = None,
        attachment: Attachment | None = None,
        media_group_id: str | None = None,
    ) -> int:
        """Send a message (a photo or file: ``kind``, with ``text`` as its caption); returns
        the number shown beside it."""
        self.messenger.names.setdefault(chat.id, chat.title or f"{PRIVATE}:{user.first_name}")
        message_id = self.messenger.new_message_id()
        number = self.messenger.show(Shown(chat.id, message_id, user, text, kind, file_name))
        await self._deliver(
            IncomingMessage(
                update_id=next(self._update_ids),
                chat=chat,
                message_id=message_id,
                date=self.core.clock.now(),
                sender=user,
                kind=kind,
                text=text,
                reply_to=reply_to,
                attachment=attachment or self._stand_in(kind, message_id, file_name),
                media_group_id=media_group_id,
            )
        )
        return number

    def _stand_in(self, kind: MessageKind, message_id: int, name: str | None) -> Attachment | None:
        """A demo photo's or file's attachment: a file given by a path that exists is read,
        so that a sheet can be imported in the demo."""
        if kind is MessageKind.PHOTO:
            return Attachment(f"demo-photo-{message_id}")
        if kind is not MessageKind.DOCUMENT or not name:
            return None
        file_id = f"demo-file-{message_id}"
        path = Path(name).expanduser()
        if not path.is_file() and self.files_from is not None and not path.is_absolute():
            path = self.files_from / path
        if path.is_file():
            self.messenger.files[file_id] = path.read_bytes()
        size = len(self.messenger.files.get(file_id, b""))
        return Attachment(file_id, path.name, size or None)

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
        new_id = -(SUPERGROUP_BASE + abs(chat.id) % SUPERGROUP_BASE)
        new_chat = Chat(new_id, ChatType.SUPERGROUP, chat.title)
        self.messenger.names[new_chat.id] = new_chat.title or str(new_chat.id)
        for target, extra in (
            (chat, {"migrate_to_chat_id": new_chat.id}),
            (new_chat, {"migrate_from_chat_id": chat.id}),
        ):
            await self._deliver(
                IncomingMessage(
                    update_id=next(self._update_ids),
                    chat=target,
                    message_id=self.messenger.new_message_id(),
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
                next(self._update_ids),
                f"cb{self.messenger.new_message_id()}",
                user,
                button.data,
                chat,
                self.messenger.buttons_on.get(chat.id, 0),  # the message the button is on
            )
        )

    async def _deliver(self, update: IncomingMessage | MembershipChange | CallbackPress) -> None:
        await self.core.handle(update, self.messenger)

    # --- the typed play -----------------------------------------------------------------

    def person(self, name: str, username: str | None = None) -> User:
        """Someone by name: met before (in this run or, on a kept database, an earlier one),
        or new, with the next id (the first person of a new database is a provincial admin)."""
        user = self.users.get(name)
        if user is None:
            self._last_user_id += 1
            user = User(self._last_user_id, name, username=username)
        elif username and username != user.username:
            user = User(user.id, name, user.last_name, username)
        self.users[name] = user
        # The bot may write to someone privately before they open the chat.
        self.messenger.names.setdefault(user.id, f"{PRIVATE}:{name}")
        return user

    def group(self, title: str) -> Chat:
        if title not in self.groups:
            self._last_group += 1
            self.groups[title] = Chat(-self._last_group, ChatType.GROUP, title)
        return self.groups[title]

    async def settle(self) -> None:
        """Run the scheduled jobs and deliver what they and the last line queued."""
        if self.jobs is not None:
            await self.jobs.settle()

    async def play(self, lines: Iterable[str], echo: bool) -> None:
        """Play a script; after each line, the jobs run and what it queued is delivered."""
        for raw in lines:
            line = raw.rstrip("\n")
            if not line.strip() or _is_comment(line):
                continue
            if echo:
                self._print(self._prompt(numbered=self._makes_message(line)) + line)
            async with self._turn:
                if not await self.line(line):
                    break
                await self.settle()

    async def interact(self) -> None:
        """Read lines from the terminal until /quit or end of input; meanwhile the jobs run
        every second, so what falls due while the person types arrives too."""
        stop = asyncio.Event()
        ticking = asyncio.create_task(self._tick(stop))
        try:
            while True:
                try:
                    line = await asyncio.to_thread(input, self._prompt(numbered=True))
                except EOFError:
                    return
                async with self._turn:
                    if not await self.line(line):
                        return
                    await self.settle()
        finally:
            stop.set()
            await ticking

    async def _tick(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), TICK)
            except TimeoutError:
                async with self._turn:
                    try:
                        await self.settle()
                    except Exception:  # the demo goes on; the next tick tries again
                        log.exception("demo: a scheduled run failed")

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
            await self._move_time(word, rest)
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
        elif word == "/reply":
            await self._reply(rest)
        else:
            await self._attach(word, rest)
        return True

    def _makes_message(self, line: str) -> bool:
        """Whether this line will be a message (and so get a number)."""
        if self.user is None or self.chat is None:
            return False
        word, _, rest = line.strip().partition(" ")
        if word == "/reply":
            return not isinstance(self._reply_target(rest.strip()), str)
        return word not in META_COMMANDS or word == "/photo" or (word == "/file" and bool(rest))

    async def _say(self, text: str) -> None:
        if self.user is None or self.chat is None:
            self._print("（先用 /as 名字 选择身份，再用 /in 群名 选择群，或 /in 私聊）")
            return
        await self.message(self.user, self.chat, text.replace("\\n", "\n"))  # \n: a new line

    async def _reply(self, rest: str) -> None:
        assert self.user is not None and self.chat is not None
        target = self._reply_target(rest)
        if isinstance(target, str):
            self._print(target)
            return
        shown, text = target
        quoted = ReplyTarget(shown.message_id, shown.sender, shown.text)
        word, _, caption = text.partition(" ")
        if word in ("/photo", "/file"):
            await self._attach(word, caption.strip(), quoted)
        else:
            await self.message(self.user, self.chat, text.replace("\\n", "\n"), quoted)

    def _reply_target(self, rest: str) -> tuple[Shown, str] | str:
        """The message ``/reply N 文字`` replies to and the text; or why it cannot."""
        number, _, text = rest.partition(" ")
        number, text = number.lstrip("#"), text.strip()
        if not number.isdigit() or not text:
            return "（用法：/reply 编号 文字，编号是消息旁的 #数字，例如 /reply 3 收到）"
        shown = self.messenger.shown.get(int(number))
        if shown is None:
            return f"（没有 #{int(number)} 这条消息）"
        if self.chat is None or shown.chat_id != self.chat.id:
            return f"（#{int(number)} 不在这个聊天里：只能回复当前聊天里的消息）"
        return shown, text

    async def _attach(self, word: str, rest: str, reply_to: ReplyTarget | None = None) -> None:
        """/photo [说明] or /file 文件名 [说明]: a stand-in with no content; the 说明 is its
        caption."""
        assert self.user is not None and self.chat is not None
        kind, name, caption = MessageKind.PHOTO, None, rest
        if word == "/file":
            name, _, caption = rest.partition(" ")
            if not name:
                self._print("（用法：/file 文件名 [说明]，例如 /file 报名表.xlsx 请各单位填写）")
                return
            kind = MessageKind.DOCUMENT
        text = caption.strip().replace("\\n", "\n") or None
        await self.message(self.user, self.chat, text, reply_to, kind, name)

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

    async def _move_time(self, word: str, value: str) -> None:
        if self.clock is None:
            self._print("（这里的时间不能调整）")
            return
        now = self.clock.now()
        latest = LATEST.replace(tzinfo=now.tzinfo)
        if word == "/now" and value:
            try:
                when = datetime.strptime(value, "%Y-%m-%d %H:%M")
            except ValueError:
                self._print("（用法：/now 2026-06-01 09:00）")
                return
            if not EARLIEST <= when <= LATEST:
                self._print(CLOCK_RANGE)
                return
            await self._pass_time(when.replace(tzinfo=now.tzinfo))
        elif word == "/wait":
            delta = reminder_offsets(value) if value else Unclear("")
            if isinstance(delta, Unclear) or len(delta) != 1:
                self._print("（用法：/wait 7天，或 /wait 3小时、/wait 30分钟）")
                return
            if delta[0] > latest - now:
                self._print(CLOCK_RANGE)
                return
            await self._pass_time(now + delta[0])
        now = self.clock.now()
        self._print(f"（现在是 {format_when(now, now)}）")

    async def _pass_time(self, target: datetime) -> None:
        """Set the clock to ``target``. Forward, it stops at each moment a scheduled job has
        work and runs the jobs there, so that each reminder comes at its own time (rather than
        all at the end, as after the bot was down)."""
        assert self.clock is not None
        if self.jobs is not None and target > self.clock.now():
            await self.jobs.settle()  # what is due already goes out now
            while (due := await self.jobs.next_due()) is not None:
                now = self.clock.now()
                step = due if due > now else now + timedelta(minutes=1)  # always onwards
                if step > target:
                    break
                self.clock.set(step)
                local = step.astimezone(now.tzinfo)
                weekday = WEEKDAYS[local.weekday()]
                # the time, above what arrives then (nothing may: a repeat moving on)
                self.messenger.heading = f"（⏩ {month_day(local)}（周{weekday}）{local:%H:%M}）"
                try:
                    await self.jobs.settle()
                finally:
                    self.messenger.heading = None
        self.clock.set(target)

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

    def _prompt(self, numbered: bool = False) -> str:
        """[群] 名字> ; with the number the next message will get when ``numbered``."""
        if self.user is None and self.chat is None:
            return "> "
        who = self.user.first_name if self.user else "?"
        where = "?" if self.chat is None else (self.chat.title or PRIVATE)
        number = f" #{len(self.messenger.shown) + 1}" if numbered and self.chat else ""
        return f"[{where}] {who}{number}> "

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)
