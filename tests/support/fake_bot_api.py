"""A local fake of the Telegram Bot API for end-to-end tests.

Real aiogram / python-telegram-bot clients talk HTTP to it; tests feed updates and
inspect what the bot sent::

    async with FakeBotAPI() as api:
        bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.url)))
        alice = user(1001, "Alice")
        api.push_message(private_chat(alice), alice, "/start")
        [call] = await api.wait_for("sendMessage")

Behaviour worth knowing:

* Every request is recorded in ``api.calls`` (a :class:`Call`); ``ok`` tells whether it
  was answered successfully, ``fault`` names an injected fault.
* An update counts as confirmed by ``offset`` only once it has been returned by
  ``getUpdates``, so re-pushing an old update re-delivers it.
* ``strict=True`` (default) validates like Telegram does: text length, callback_data size,
  command names, edits of unknown messages, "message is not modified", unknown callback
  query ids. It serves the methods the bot calls (getMe, getUpdates, deleteWebhook,
  setMyCommands, sendMessage, editMessageText, editMessageCaption, copyMessage, sendDocument,
  sendPhoto, answerCallbackQuery, createForumTopic) with plain text: parse_mode and entities
  are refused.
* Forum topics: ``createForumTopic`` works in a chat registered with ``"is_forum": True``
  (see :func:`forum`); a send with ``message_thread_id`` must name a topic it created.
* After ``push_my_chat_member(..., new_status="kicked"|"left")`` sends to that chat
  answer 403 like Telegram.

Importable without pytest; depends only on aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import itertools
import json
import logging
import math
import mimetypes
import random
import re
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self, get_args

from aiohttp import web

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "FakeBotAPI",
    "Fault",
    "FaultKind",
    "StoredFile",
    "channel",
    "chat_member",
    "forum",
    "group",
    "private_chat",
    "supergroup",
    "user",
]

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
Files = dict[str, tuple[str, bytes]]
Handler = Callable[[JSON, Files], Any]
FaultKind = Literal["429", "500", "timeout", "403", "400", "timeout_after_send"]

DEFAULT_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"

# Parameter normalisation (form values arrive as strings).
_JSON_FIELDS = {
    "reply_markup", "commands", "scope", "allowed_updates", "reply_parameters", "entities",
    "caption_entities", "link_preview_options", "message_ids", "media", "results",
    "permissions", "reaction", "options", "explanation_entities", "question_entities",
    "prices", "menu_button", "rights", "button", "input_message_content",
}  # fmt: skip
_JSON_SUFFIXES = ("_entities", "_markup", "_options", "_parameters")
_INT_FIELDS = {
    "chat_id", "from_chat_id", "message_id", "offset", "limit", "timeout", "user_id",
    "reply_to_message_id", "message_thread_id", "cache_time", "until_date", "duration",
    "width", "height", "max_connections", "sender_chat_id", "direct_messages_topic_id",
}  # fmt: skip
_BOOL_PREFIXES = (
    "disable_", "is_", "can_", "has_", "allow_", "show_", "protect_", "drop_", "revoke_",
    "only_", "send_", "use_", "supports_",
)  # fmt: skip
_FILE_FIELDS = ("document", "photo", "audio", "video", "voice", "animation", "sticker",
                "video_note", "thumbnail", "certificate")  # fmt: skip
_INT_RE = re.compile(r"-?\d+")

# What the bot calls; sending ones count towards the limits and need the bot in the chat.
_SEND_METHODS = {"sendMessage", "sendDocument", "sendPhoto", "copyMessage"}
_CHAT_WRITE_METHODS = _SEND_METHODS | {"editMessageText", "editMessageCaption", "createForumTopic"}
_SENT_MESSAGE_METHODS = ("sendMessage", "sendDocument", "sendPhoto", "copyMessage")
_DEFAULT_EXCLUDED_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
_COPYABLE = ("text", "entities", "caption", "caption_entities", "document", "photo")
_STATUS_ALIASES = {"owner": "creator", "admin": "administrator", "banned": "kicked"}
_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": True, "can_edit_stories": True, "can_delete_stories": True,
    "can_send_welcome_messages": True, "can_pin_messages": True, "can_manage_topics": False,
}  # fmt: skip
_RESTRICTED_RIGHTS = {
    "is_member": True, "can_send_messages": False, "can_send_audios": False,
    "can_send_documents": False, "can_send_photos": False, "can_send_videos": False,
    "can_send_video_notes": False, "can_send_voice_notes": False, "can_send_polls": False,
    "can_send_other_messages": False, "can_add_web_page_previews": False,
    "can_react_to_messages": False, "can_edit_tag": False, "can_change_info": False,
    "can_invite_users": False, "can_pin_messages": False, "can_manage_topics": False,
    "until_date": 0,
}  # fmt: skip
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a content and reply markup of the current message"
)


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Call:
    """One request received by the fake server."""

    method: str
    params: JSON
    files: Files
    at: float  # time.monotonic() when the request arrived
    ok: bool = True
    fault: str | None = None  # injected fault kind, if any
    error_code: int | None = None
    description: str | None = None
    result: Any = None

    @property
    def chat_id(self) -> Any:
        """The ``chat_id`` parameter (None if absent)."""
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """``text`` or ``caption`` as sent by the bot."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Fault:
    """A fault to answer a call with (see :meth:`FakeBotAPI.inject`)."""

    kind: FaultKind
    retry_after: int = 1
    description: str | None = None


@dataclass
class StoredFile:
    """A file uploaded by the bot or registered with :meth:`FakeBotAPI.add_file`."""

    file_id: str
    file_unique_id: str
    filename: str
    data: bytes
    mime_type: str
    path: str


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": code, "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _Injection:
    method: str | None
    chat_id: int | str | None
    remaining: int
    fault: Fault


@dataclass
class _Queued:
    update: JSON
    delivered: bool = False


# --------------------------------------------------------------------------- builders


def user(
    id: int,
    first_name: str,
    username: str | None = None,
    last_name: str | None = None,
    *,
    is_bot: bool = False,
    language_code: str | None = None,
) -> JSON:
    """A Telegram ``User`` dict."""
    result: JSON = {"id": id, "is_bot": is_bot, "first_name": first_name}
    if last_name is not None:
        result["last_name"] = last_name
    if username is not None:
        result["username"] = username
    if language_code is not None:
        result["language_code"] = language_code
    return result


def private_chat(u: JSON) -> JSON:
    """The private ``Chat`` with user ``u``."""
    chat: JSON = {"id": u["id"], "type": "private", "first_name": u["first_name"]}
    for key in ("last_name", "username"):
        if key in u:
            chat[key] = u[key]
    return chat


def group(id: int, title: str) -> JSON:
    """A basic group ``Chat`` (negative id, not starting with -100)."""
    if id >= 0 or str(id).startswith("-100"):
        raise ValueError(f"basic group ids are negative and not -100…: {id}")
    return {"id": id, "type": "group", "title": title}


def supergroup(id: int, title: str, username: str | None = None) -> JSON:
    """A supergroup ``Chat`` (id starting with -100)."""
    if not str(id).startswith("-100"):
        raise ValueError(f"supergroup ids start with -100: {id}")
    chat: JSON = {"id": id, "type": "supergroup", "title": title}
    if username is not None:
        chat["username"] = username
    return chat


def forum(id: int, title: str) -> JSON:
    """A supergroup ``Chat`` with topics (``is_forum``)."""
    return supergroup(id, title) | {"is_forum": True}


def channel(id: int, title: str, username: str | None = None) -> JSON:
    """A channel ``Chat`` (id starting with -100)."""
    if not str(id).startswith("-100"):
        raise ValueError(f"channel ids start with -100: {id}")
    chat: JSON = {"id": id, "type": "channel", "title": title}
    if username is not None:
        chat["username"] = username
    return chat


def chat_member(u: JSON, status: str, **fields: Any) -> JSON:
    """A ``ChatMember`` dict with every field both frameworks require for ``status``.

    ``status``: creator/owner, administrator/admin, member, restricted, left, kicked/banned.
    """
    status = _STATUS_ALIASES.get(status, status)
    member: JSON = {"status": status, "user": u}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(_ADMIN_RIGHTS)
    elif status == "restricted":
        member.update(_RESTRICTED_RIGHTS)
    elif status == "kicked":
        member["until_date"] = 0
    elif status not in ("member", "left"):
        raise ValueError(f"unknown chat member status {status!r}")
    member.update(fields)
    return member


def sent_to(chat: JSON, containing: str) -> Callable[[Call], bool]:
    """For ``wait_for``: a successful call to ``chat`` whose text contains ``containing``."""

    def matches(call: Call) -> bool:
        return call.ok and call.chat_id == chat["id"] and containing in (call.text or "")

    return matches


# --------------------------------------------------------------------------- formatting


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}\b")


def auto_entities(text: str) -> list[JSON]:
    """The bot_command / mention entities Telegram attaches to an incoming text."""
    found = [("bot_command", m) for m in _COMMAND_RE.finditer(text)]
    found += [("mention", m) for m in _MENTION_RE.finditer(text)]
    entities = [
        {"type": kind, "offset": _u16(text[: m.start()]), "length": _u16(m.group(0))}
        for kind, m in found
    ]
    return sorted(entities, key=lambda e: int(e["offset"]))


# --------------------------------------------------------------------------- helpers


def _normalise(key: str, value: Any) -> Any:
    """Decode form-encoded strings: JSON objects, ints and booleans for known fields."""
    if not isinstance(value, str):
        return value
    if (key in _JSON_FIELDS or key.endswith(_JSON_SUFFIXES)) and value[:1] in ("[", "{"):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    if key in _INT_FIELDS and _INT_RE.fullmatch(value):
        return int(value)
    if key.startswith(_BOOL_PREFIXES) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _chat_type(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- the server


class FakeBotAPI:
    """An aiohttp server on 127.0.0.1 speaking the Telegram Bot API."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int | None = None,
        bot_username: str = "shanlin_test_bot",
        can_read_all_group_messages: bool = True,
        *,
        bot_first_name: str = "Shanlin Test",
        enforce_limits: bool = False,
        strict: bool = True,
        first_update_id: int | None = None,
        timeout_delay: float = 30.0,
        second_tolerance: float = 0.0,
    ) -> None:
        prefix = token.split(":", 1)[0]
        self.token = token
        self.bot_id = bot_id if bot_id is not None else int(prefix) if prefix.isdigit() else 123456
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.can_read_all_group_messages = can_read_all_group_messages
        self.enforce_limits = enforce_limits
        self.strict = strict
        self.timeout_delay = timeout_delay
        # Seconds of ``clock`` forgiven on the one-a-second rule: for tests whose clock runs
        # faster than the network, where a request's few milliseconds on its way become a
        # large part of a second (the per-minute rules stay exact).
        self.second_tolerance = second_tolerance
        self.clock: Callable[[], float] = time.monotonic  # used by enforce_limits
        self.fault_policy: Callable[[str, JSON], Fault | None] | None = None
        self.base_url = ""
        self.n429 = 0
        self.long_polls = 0  # getUpdates requests waiting for an update right now
        self.calls: list[Call] = []
        self.chats: dict[int, JSON] = {}
        self.users: dict[int, JSON] = {}
        self.messages: dict[tuple[int, int], JSON] = {}
        self.chat_members: dict[int, dict[int, JSON]] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.answered_callbacks: dict[str, JSON] = {}
        self.topics: dict[tuple[int, int], str] = {}  # (chat id, message_thread_id) → name
        self._queue: list[_Queued] = []
        self._next_update_id = first_update_id or random.randint(100_000_000, 900_000_000)
        self._allowed: set[str] | None = None
        self._poll_generation = 0
        self._last_message_id: dict[int, int] = {}
        self._own_messages: set[tuple[int, int]] = set()
        self._callback_ids: set[str] = set()
        self._callback_counter = itertools.count(random.randint(10**15, 9 * 10**15))
        self._file_counter = itertools.count(1)
        self._injections: list[_Injection] = []
        self._sent_all: deque[float] = deque()
        self._sent_chat: dict[Any, deque[float]] = {}
        self._updates_changed = asyncio.Event()
        self._calls_changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._t0 = time.monotonic()
        self._handlers: dict[str, tuple[str, Handler]] = {}
        for attr in dir(self):
            if attr.startswith("_m_"):
                name = attr.removeprefix("_m_")
                self._handlers[name.lower()] = (name, getattr(self, attr))

    # ----------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """Base url, e.g. ``http://127.0.0.1:PORT`` (set by :meth:`start`)."""
        return self.base_url

    @property
    def bot_user(self) -> JSON:
        """The bot as a ``User`` dict (what appears in ``from`` of its messages)."""
        return user(self.bot_id, self.bot_first_name, self.bot_username, is_bot=True)

    @property
    def me(self) -> JSON:
        """The ``getMe`` result."""
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def start(self) -> str:
        """Start serving; returns the base url (no trailing slash)."""
        if self._runner is not None:
            return self.base_url
        self._closing = asyncio.Event()
        self._updates_changed = asyncio.Event()
        self._calls_changed = asyncio.Event()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", 0))
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._t0 = time.monotonic()
        return self.base_url

    async def stop(self) -> None:
        """Stop serving; wakes pending long polls and injected timeouts."""
        if self._runner is None:
            return
        self._closing.set()
        self._updates_changed.set()
        self._calls_changed.set()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------- inspecting calls

    @property
    def faulted(self) -> list[Call]:
        """Calls answered with an injected fault."""
        return [c for c in self.calls if c.fault is not None]

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """Calls of ``method`` (case-insensitive); ``ok`` filters by success."""
        return [
            c
            for c in self.calls
            if c.method.lower() == method.lower() and (ok is None or c.ok == ok)
        ]

    def sent_messages(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful sendMessage/sendDocument/sendPhoto/copyMessage calls."""
        return [
            c
            for c in self.calls
            if c.ok
            and c.method in _SENT_MESSAGE_METHODS
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        """Raw text/caption of :meth:`sent_messages`."""
        return [c.text for c in self.sent_messages(chat_id) if c.text is not None]

    def clear_calls(self) -> None:
        """Forget recorded calls."""
        self.calls.clear()

    async def wait_for(
        self,
        what: Callable[[Call], bool] | str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - mirrors the usual test-helper signature
    ) -> list[Call]:
        """Wait until ``count`` successful calls match; returns all matches."""
        predicate: Callable[[Call], bool]
        if isinstance(what, str):
            name = what.lower()
            predicate, label = (lambda c: c.method.lower() == name), what
        else:
            predicate, label = what, getattr(what, "__name__", repr(what))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [c for c in self.calls if c.ok and predicate(c)]
            if len(found) >= count:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing.is_set():
                why = "the server was stopped" if self._closing.is_set() else f"{timeout}s passed"
                raise AssertionError(
                    f"expected {count} successful call(s) matching {label}, got {len(found)} "
                    f"before {why}.\n{self.summary()}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._calls_changed.wait(), remaining)

    def summary(self, limit: int = 60) -> str:
        """Readable list of the calls made so far (successful getUpdates collapsed)."""
        polls = sum(1 for c in self.calls if c.ok and c.method == "getUpdates" and not c.result)
        shown = [
            (i, c)
            for i, c in enumerate(self.calls)
            if not (c.ok and c.method == "getUpdates" and not c.result)
        ]
        lines = [f"{len(self.calls)} call(s) so far ({polls} empty getUpdates not shown):"]
        for i, c in shown[-limit:]:
            args = ", ".join(f"{k}={_short(v)}" for k, v in c.params.items())
            args += "".join(f", {k}=<{n}: {len(d)} bytes>" for k, (n, d) in c.files.items())
            status = "ok" if c.ok else f"{c.error_code} {c.description}"
            if c.fault:
                status += f" [fault {c.fault}]"
            lines.append(f"  #{i} +{c.at - self._t0:.3f}s {c.method}({args}) -> {status}")
        return "\n".join(lines)

    # ----------------------------------------------------------------- fault injection

    def inject(
        self,
        method: str | None,
        kind: FaultKind,
        count: int = 1,
        retry_after: int = 1,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next ``count`` matching calls with a fault.

        ``method=None`` matches every method except getUpdates; ``chat_id`` narrows further.
        "timeout" holds the request ``timeout_delay`` seconds without processing it (then
        answers 502); "timeout_after_send" processes it (it counts as sent) and then holds
        the answer. Both end early on :meth:`stop`.
        """
        if kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {kind!r}")
        fault = Fault(kind, retry_after, description)
        self._injections.append(_Injection(method, chat_id, count, fault))

    def clear_faults(self) -> None:
        """Drop pending injected faults (the fault_policy is kept)."""
        self._injections.clear()

    def _take_fault(self, method: str, params: JSON) -> Fault | None:
        for inj in self._injections:
            if inj.method is None and method == "getUpdates":
                continue
            if inj.method is not None and inj.method.lower() != method.lower():
                continue
            if inj.chat_id is not None and params.get("chat_id") != inj.chat_id:
                continue
            inj.remaining -= 1
            if inj.remaining <= 0:
                self._injections.remove(inj)
            return inj.fault
        return self.fault_policy(method, params) if self.fault_policy else None

    @staticmethod
    def _fault_error(fault: Fault) -> ApiError:
        if fault.kind == "429":
            text = f"Too Many Requests: retry after {fault.retry_after}"
            return ApiError(429, fault.description or text, {"retry_after": fault.retry_after})
        if fault.kind == "403":
            text = "Forbidden: bot was kicked from the group chat"
            return ApiError(403, fault.description or text)
        if fault.kind == "400":
            return ApiError(400, fault.description or "Bad Request: chat not found")
        return ApiError(500, fault.description or "Internal Server Error")

    async def _sleep_for_timeout(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), self.timeout_delay)

    # ----------------------------------------------------------------- state set-up

    def add_chat(self, chat: JSON) -> JSON:
        """Register a chat (chats from pushed updates are registered automatically)."""
        self.chats[int(chat["id"])] = dict(chat)
        return chat

    def set_chat_member(
        self, chat_id: int, member: JSON | int, status: str, **fields: Any
    ) -> JSON:
        """Set what getChatMember returns for ``member`` (a User dict or user id)."""
        u = self._user(member) if isinstance(member, int) else member
        self.users.setdefault(int(u["id"]), u)
        result = chat_member(u, status, **fields)
        self.chat_members.setdefault(chat_id, {})[int(u["id"])] = result
        return result

    def set_bot_status(self, chat_id: int, status: str, **fields: Any) -> JSON:
        """Set the bot's own membership in ``chat_id``."""
        return self.set_chat_member(chat_id, self.bot_user, status, **fields)

    def add_file(
        self, data: bytes, filename: str = "file.bin", mime_type: str | None = None
    ) -> JSON:
        """Register a file (e.g. for a user's document) and return its ``Document`` dict."""
        return self._document(self._store_file(filename, data, mime_type, "documents"))

    def stub(self, method: str, result: Any) -> None:
        """Answer ``method`` with ``result`` (or ``result(params)`` if callable)."""

        def handler(params: JSON, files: Files) -> Any:
            return result(params) if callable(result) else copy.deepcopy(result)

        self._handlers[method.lower()] = (method, handler)

    def my_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands currently set for ``scope`` / ``language_code``."""
        return self.commands.get(self._commands_key(scope, language_code), [])

    # ----------------------------------------------------------------- feeding updates

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot."""
        return [q.update for q in self._queue]

    def reset_update_ids(self, start: int) -> None:
        """Make the next update id ``start`` (Telegram restarting its counter)."""
        self._next_update_id = start

    def push_update(self, update: JSON) -> JSON:
        """Queue ``update`` for getUpdates (assigning ``update_id`` if missing)."""
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        self._register(update)
        self._queue.append(_Queued(copy.deepcopy(update)))
        self._notify_updates()
        return update

    def push_message(
        self, chat: JSON, user: JSON | None, text: str | None = None, **extra: Any
    ) -> JSON:
        """Push a ``message`` update from ``user`` in ``chat``."""
        return self.push_update({"message": self._incoming(chat, user, text, extra)})

    def push_channel_post(self, chat: JSON, text: str | None = None, **extra: Any) -> JSON:
        """Push a ``channel_post`` update."""
        extra.setdefault("sender_chat", chat)
        return self.push_update({"channel_post": self._incoming(chat, None, text, extra)})

    def push_edited_message(
        self, chat: JSON, user: JSON | None, message_id: int, text: str | None = None,
        **extra: Any,
    ) -> JSON:  # fmt: skip
        """Push an ``edited_message`` update for an earlier message."""
        msg = copy.deepcopy(self.messages.get((int(chat["id"]), message_id), {}))
        msg.update({"message_id": message_id, "chat": chat, "edit_date": int(time.time())})
        msg.setdefault("date", int(time.time()))
        if user is not None:
            msg["from"] = user
        if text is not None:
            msg["text"] = text
            msg.pop("entities", None)
            if entities := auto_entities(text):
                msg["entities"] = entities
        msg.update(extra)
        return self.push_update({"edited_message": msg})

    def push_callback(
        self, chat: JSON, user: JSON, message_id: int, data: str, **extra: Any
    ) -> JSON:
        """Push a ``callback_query`` for the button ``data`` under a message."""
        key = (int(chat["id"]), message_id)
        if key not in self.messages:
            stub = {"message_id": message_id, "date": int(time.time()), "chat": chat,
                    "from": self.bot_user, "text": "…"}  # fmt: skip
            self._store(stub)
            self._own_messages.add(key)
        query = {
            "id": str(next(self._callback_counter)),
            "from": user,
            "chat_instance": str(abs(int(chat["id"])) * 7919 % 2**62),
            "message": copy.deepcopy(self.messages[key]),
            "data": data,
            **extra,
        }
        return self.push_update({"callback_query": query})

    def push_my_chat_member(
        self, chat: JSON, actor_user: JSON, old_status: str, new_status: str
    ) -> JSON:
        """Push ``my_chat_member`` (the bot's status changed) and apply it."""
        update = self._member_update(chat, actor_user, self.bot_user, old_status, new_status)
        return self.push_update({"my_chat_member": update})

    def _member_update(self, chat: JSON, actor: JSON, member: JSON, old: str, new: str) -> JSON:
        self.add_chat(chat)
        new_member = self.set_chat_member(int(chat["id"]), member, new)
        return {
            "chat": chat,
            "from": actor,
            "date": int(time.time()),
            "old_chat_member": chat_member(member, old),
            "new_chat_member": copy.deepcopy(new_member),
        }

    def _incoming(self, chat: JSON, sender: JSON | None, text: str | None, extra: JSON) -> JSON:
        chat_id = int(chat["id"])
        msg: JSON = {"message_id": extra.pop("message_id", None) or self._next_mid(chat_id)}
        msg.update({"date": int(time.time()), "chat": chat})
        if sender is not None:
            msg["from"] = sender
        if text is not None:
            msg["text"] = text
            if entities := auto_entities(text):
                msg["entities"] = entities
        msg.update(extra)
        return msg

    def _notify_updates(self) -> None:
        event, self._updates_changed = self._updates_changed, asyncio.Event()
        event.set()

    def _register(self, update: JSON) -> None:
        """Remember chats, users, messages and callback ids seen in an update."""
        self._register_peers(update)
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            msg = update.get(key)
            if isinstance(msg, dict) and "message_id" in msg and "chat" in msg:
                self._store(copy.deepcopy(msg))
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._callback_ids.add(str(query["id"]))
            msg = query.get("message")
            if isinstance(msg, dict) and "chat" in msg and msg.get("date"):
                self._store(copy.deepcopy(msg), keep_existing=True)

    def _register_peers(self, obj: Any) -> None:
        if isinstance(obj, list):
            for item in obj:
                self._register_peers(item)
        elif isinstance(obj, dict):
            if isinstance(obj.get("id"), int):
                if obj.get("type") in ("private", "group", "supergroup", "channel"):
                    self.chats[obj["id"]] = dict(obj)
                elif "is_bot" in obj and "first_name" in obj:
                    self.users[obj["id"]] = dict(obj)
            for value in obj.values():
                self._register_peers(value)

    # ----------------------------------------------------------------- HTTP plumbing

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        """A file download (``/file/bot<token>/<path>``), as a bot fetches a user's file."""
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        for stored in self.files.values():
            if stored.path == request.match_info["path"]:
                return web.Response(body=stored.data, content_type=stored.mime_type)
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        raw_name = request.match_info["method"]
        method, handler = self._handlers.get(raw_name.lower(), (raw_name, None))
        params: JSON = {}
        files: Files = {}
        try:
            params, files = await self._read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
        except ApiError as exc:
            return self._fail(method, params, files, at, exc)
        fault = self._take_fault(method, params)
        if fault is not None and fault.kind == "timeout":
            self._record(method, params, files, at, ok=False, fault="timeout",
                         error_code=502, description="timeout (injected)")  # fmt: skip
            await self._sleep_for_timeout()
            return web.json_response(ApiError(502, "Bad Gateway").body(), status=502)
        if fault is not None and fault.kind != "timeout_after_send":
            return self._fail(method, params, files, at, self._fault_error(fault), fault.kind)
        limited = self.enforce_limits and method in _SEND_METHODS
        try:
            self._check_membership(method, params)
            if limited:
                self._check_limits(params.get("chat_id"))
            result = handler(params, files)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as exc:
            return self._fail(method, params, files, at, exc)
        except Exception as exc:
            logger.exception("fake Bot API: %s crashed", method)
            error = ApiError(500, f"Internal Server Error: fake Bot API bug: {exc!r}")
            return self._fail(method, params, files, at, error)
        if limited:
            self._note_sent(params.get("chat_id"))
        self._record(method, params, files, at, ok=True, result=result,
                     fault=fault.kind if fault else None)  # fmt: skip
        if fault is not None:
            await self._sleep_for_timeout()
        return web.json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> tuple[JSON, Files]:
        raw: JSON = dict(request.query)
        files: Files = {}
        if request.body_exists:
            if request.content_type == "application/json":
                try:
                    body = json.loads(await request.text())
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON object") from exc
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON object expected")
                raw.update(body)
            elif request.content_type in ("application/x-www-form-urlencoded",
                                          "multipart/form-data"):  # fmt: skip
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[key] = (value.filename, value.file.read())
                        value.file.close()
                    elif isinstance(value, bytes | bytearray):
                        raw[key] = bytes(value).decode("utf-8", "replace")
                    else:
                        raw[key] = value
        for key, value in list(raw.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                ref = value.removeprefix("attach://")
                if ref in files and ref != key:
                    files[key] = files.pop(ref)
                    raw[key] = f"attach://{key}"
        for key in files:
            if key in _FILE_FIELDS:
                raw.setdefault(key, f"attach://{key}")
        return {k: _normalise(k, v) for k, v in raw.items()}, files

    def _record(
        self, method: str, params: JSON, files: Files, at: float, *, ok: bool,
        fault: str | None = None, error_code: int | None = None,
        description: str | None = None, result: Any = None,
    ) -> Call:  # fmt: skip
        call = Call(method, params, files, at, ok, fault, error_code, description, result)
        self.calls.append(call)
        event, self._calls_changed = self._calls_changed, asyncio.Event()
        event.set()
        return call

    def _fail(
        self, method: str, params: JSON, files: Files, at: float, exc: ApiError,
        fault: str | None = None,
    ) -> web.Response:  # fmt: skip
        if exc.code == 429:
            self.n429 += 1
        self._record(method, params, files, at, ok=False, fault=fault,
                     error_code=exc.code, description=exc.description)  # fmt: skip
        return web.json_response(exc.body(), status=exc.code)

    # ----------------------------------------------------------------- limits & membership

    def _check_membership(self, method: str, params: JSON) -> None:
        chat_id = params.get("chat_id")
        if method not in _CHAT_WRITE_METHODS or not isinstance(chat_id, int):
            return
        status = self.chat_members.get(chat_id, {}).get(self.bot_id, {}).get("status")
        kind = self._chat(chat_id)["type"]
        if status == "kicked":
            if kind == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status == "left" and kind != "private":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _check_limits(self, chat_id: Any) -> None:
        now = self.clock()
        while self._sent_all and self._sent_all[0] <= now - 1.0:
            self._sent_all.popleft()
        sent = self._sent_chat.setdefault(chat_id, deque())
        while sent and sent[0] <= now - 60.0:
            sent.popleft()
        waits = []
        if len(self._sent_all) >= 30:
            waits.append(self._sent_all[0] + 1.0 - now)
        last_second = [t for t in sent if t > now - 1.0 + self.second_tolerance]
        if last_second:
            waits.append(last_second[0] + 1.0 - now)
        if isinstance(chat_id, int) and chat_id < 0 and len(sent) >= 20:
            waits.append(sent[0] + 60.0 - now)
        if waits:
            retry = max(1, math.ceil(max(waits)))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _note_sent(self, chat_id: Any) -> None:
        now = self.clock()
        self._sent_all.append(now)
        self._sent_chat.setdefault(chat_id, deque()).append(now)

    # ----------------------------------------------------------------- model helpers

    def _user(self, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return self.bot_user
        return self.users.get(user_id) or user(user_id, f"User {user_id}")

    def _chat(self, chat_id: int) -> JSON:
        if chat_id not in self.chats:
            if chat_id > 0:
                u = self._user(chat_id)
                self.chats[chat_id] = private_chat(u)
            else:
                kind = _chat_type(chat_id)
                self.chats[chat_id] = {"id": chat_id, "type": kind, "title": f"{kind} {chat_id}"}
        return copy.deepcopy(self.chats[chat_id])

    def _chat_id(self, params: JSON, key: str = "chat_id") -> int:
        value = params.get(key)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: {key} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ApiError(400, "Bad Request: chat not found")

    @staticmethod
    def _require(params: JSON, key: str) -> Any:
        value = params.get(key)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: {key} is empty")
        return value

    def _next_mid(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _store(self, msg: JSON, keep_existing: bool = False) -> None:
        chat_id, mid = int(msg["chat"]["id"]), int(msg["message_id"])
        self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), mid)
        if keep_existing and (chat_id, mid) in self.messages:
            return
        self.messages[(chat_id, mid)] = msg

    def _stored(self, chat_id: int, message_id: Any, action: str) -> JSON | None:
        msg = self.messages.get((chat_id, message_id))
        if msg is None and self.strict:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        return msg

    def _formatted(self, params: JSON, key: str) -> tuple[str | None, list[JSON]]:
        """``params[key]`` as Telegram keeps it (trimmed) and the entities it detects in it.

        The bot sends plain text: parse_mode and explicit entities are refused (strict), so a
        change that starts sending them fails here rather than passing unchecked."""
        text = params.get(key)
        if text is None:
            return None, []
        entity_key = "entities" if key == "text" else f"{key}_entities"
        if self.strict and (params.get("parse_mode") or params.get(entity_key)):
            raise ApiError(400, "Bad Request: this fake Bot API takes plain text only")
        text = str(text).strip()
        if self.strict and key == "text" and _u16(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        if self.strict and key == "caption" and _u16(text) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        return text, auto_entities(text)

    def _content(self, params: JSON, key: str) -> JSON:
        text, entities = self._formatted(params, key)
        content: JSON = {}
        if text:
            content[key] = text
            if entities:
                content["entities" if key == "text" else f"{key}_entities"] = entities
        return content

    def _markup(self, params: JSON) -> JSON | None:
        """Validate ``reply_markup``; returns it if it is an inline keyboard."""
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        kinds = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
        if not isinstance(markup, dict) or not any(k in markup for k in kinds):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return None
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: "
                                "InlineKeyboardButton must be an Object")  # fmt: skip
        for button in itertools.chain.from_iterable(rows):
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text "
                                    "buttons are unallowed in the inline keyboard")  # fmt: skip
            data = button.get("callback_data")
            if self.strict and data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _reply_to(self, chat_id: int, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        target_chat, mid = chat_id, params.get("reply_to_message_id")
        if isinstance(reply, dict):
            mid = reply.get("message_id")
            if isinstance(reply.get("chat_id"), int):
                target_chat = reply["chat_id"]
        if not isinstance(mid, int):
            return None
        stored = self.messages.get((target_chat, mid))
        if stored is not None:
            result = copy.deepcopy(stored)
            result.pop("reply_to_message", None)
            return result
        return {"message_id": mid, "date": int(time.time()), "chat": self._chat(target_chat)}

    def _outgoing(self, params: JSON, content: JSON, chat_key: str = "chat_id") -> JSON:
        """Create, store and return a message sent by the bot."""
        chat_id = self._chat_id(params, chat_key)
        markup = self._markup(params)
        chat = self._chat(chat_id)
        msg: JSON = {"message_id": self._next_mid(chat_id), "date": int(time.time())}
        if chat["type"] == "channel":
            msg["sender_chat"] = chat
        else:
            msg["from"] = self.bot_user
        msg["chat"] = chat
        if isinstance(thread := params.get("message_thread_id"), int):
            if self.strict and (chat_id, thread) not in self.topics:
                raise ApiError(400, "Bad Request: message thread not found")
            msg["message_thread_id"], msg["is_topic_message"] = thread, True
        if (reply := self._reply_to(chat_id, params)) is not None:
            msg["reply_to_message"] = reply
        msg.update(content)
        if markup is not None:
            msg["reply_markup"] = markup
        self._store(msg)
        self._own_messages.add((chat_id, msg["message_id"]))
        return copy.deepcopy(msg)

    def _store_file(self, filename: str, data: bytes, mime: str | None, folder: str) -> StoredFile:
        n = next(self._file_counter)
        ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        prefix = "AgACAgIAAxkBAAI" if folder == "photos" else "BQACAgIAAxkBAAI"
        stored = StoredFile(
            file_id=f"{prefix}{n:06d}{random.getrandbits(48):012x}",
            file_unique_id=f"AgAD{n:06d}",
            filename=filename,
            data=data,
            mime_type=mime or mimetypes.guess_type(filename)[0] or "application/octet-stream",
            path=f"{folder}/file_{n}.{ext}",
        )
        self.files[stored.file_id] = stored
        return stored

    @staticmethod
    def _document(stored: StoredFile) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.filename,
            "mime_type": stored.mime_type,
            "file_size": len(stored.data),
        }

    def _input_file(self, params: JSON, files: Files, key: str, folder: str) -> StoredFile:
        if key in files:
            filename, data = files[key]
            return self._store_file(filename or key, data, None, folder)
        value = params.get(key)
        if not isinstance(value, str) or not value or value.startswith("attach://"):
            raise ApiError(400, f"Bad Request: there is no {key} in the request")
        if value in self.files:
            return self.files[value]
        name = value.rsplit("/", 1)[-1] if "://" in value else f"{key}.bin"
        return self._store_file(name, b"", None, folder)

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _edit(self, params: JSON, content: JSON, key: str = "text") -> JSON:
        """editMessageText (or Caption): new text (and buttons) for a message the bot sent."""
        markup = self._markup(params)
        chat_id = self._chat_id(params)
        message_id = self._require(params, "message_id")
        msg = self._stored(chat_id, message_id, "edit")
        if msg is None:
            msg = {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id),
                   "from": self.bot_user}  # fmt: skip
            self._store(msg)
        elif self.strict and (chat_id, message_id) not in self._own_messages:
            raise ApiError(400, "Bad Request: message can't be edited")
        if self.strict and key == "text" and "text" not in msg:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if self.strict and key == "caption" and not {"photo", "document"} & set(msg):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        kept = (
            "reply_markup",
            "edit_date",
            key,
            "entities" if key == "text" else f"{key}_entities",
        )
        updated = {k: v for k, v in msg.items() if k not in kept} | content
        if markup is not None:
            updated["reply_markup"] = markup
        before = {k: v for k, v in msg.items() if k != "edit_date"}
        if self.strict and updated == before:
            raise ApiError(400, _NOT_MODIFIED)
        updated["edit_date"] = int(time.time())
        msg.clear()
        msg.update(updated)
        return copy.deepcopy(msg)

    # ----------------------------------------------------------------- Bot API methods
    # Each ``_m_<methodName>(params, files)`` returns the ``result`` or raises ApiError.

    def _m_getMe(self, p: JSON, f: Files) -> JSON:
        return self.me

    async def _m_getUpdates(self, p: JSON, f: Files) -> list[JSON]:
        try:
            offset = int(p["offset"]) if p.get("offset") not in (None, "") else None
            limit = min(max(int(p.get("limit") or 100), 1), 100)
            timeout = max(float(p.get("timeout") or 0), 0.0)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "Bad Request: wrong parameter value") from exc
        if "allowed_updates" in p:
            allowed = p["allowed_updates"]
            self._allowed = set(allowed) if isinstance(allowed, list) and allowed else None
        if offset is not None and offset < 0:
            self._queue = self._queue[offset:]
        elif offset is not None:
            self._queue = [
                q for q in self._queue if not (q.delivered and q.update["update_id"] < offset)
            ]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()  # terminates an older long poll with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")  # fmt: skip
            self._queue = [q for q in self._queue if self._is_allowed(q.update)]
            ready = self._queue[:limit]
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closing.is_set():
                break
            self.long_polls += 1
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._updates_changed.wait(), remaining)
            finally:
                self.long_polls -= 1
        for q in ready:
            q.delivered = True
        return [copy.deepcopy(q.update) for q in ready]

    def _is_allowed(self, update: JSON) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self._allowed is None:
            return kind not in _DEFAULT_EXCLUDED_UPDATES
        return kind in self._allowed

    def _m_deleteWebhook(self, p: JSON, f: Files) -> bool:
        if p.get("drop_pending_updates") is True:
            self._queue.clear()
        return True

    def _m_setMyCommands(self, p: JSON, f: Files) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand")
            if self.strict and not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if self.strict and not 1 <= len(str(command.get("description") or "")) <= 256:
                raise ApiError(400, "Bad Request: command description is empty")
        key = self._commands_key(p.get("scope"), p.get("language_code"))
        self.commands[key] = [{"command": c["command"], "description": c["description"]}
                              for c in commands]  # fmt: skip
        return True

    def _m_sendMessage(self, p: JSON, f: Files) -> JSON:
        content = self._content(p, "text")
        if "text" not in content:
            raise ApiError(400, "Bad Request: message text is empty")
        return self._outgoing(p, content)

    def _m_sendDocument(self, p: JSON, f: Files) -> JSON:
        stored = self._input_file(p, f, "document", "documents")
        document = self._document(stored)
        return self._outgoing(p, {"document": document, **self._content(p, "caption")})

    def _m_sendPhoto(self, p: JSON, f: Files) -> JSON:
        stored = self._input_file(p, f, "photo", "photos")
        sizes = [{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                  "file_size": len(stored.data), "width": 640, "height": 480}]  # fmt: skip
        return self._outgoing(p, {"photo": sizes, **self._content(p, "caption")})

    def _m_editMessageText(self, p: JSON, f: Files) -> Any:
        content = self._content(p, "text")
        if "text" not in content:
            raise ApiError(400, "Bad Request: message text is empty")
        return self._edit(p, content)

    def _m_editMessageCaption(self, p: JSON, f: Files) -> Any:
        return self._edit(p, self._content(p, "caption"), "caption")

    def _m_createForumTopic(self, p: JSON, f: Files) -> JSON:
        chat_id = self._chat_id(p)
        chat = self._chat(chat_id)
        if self.strict and not chat.get("is_forum"):
            raise ApiError(400, "Bad Request: the chat is not a forum")
        name = str(p.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
        mid = self._next_mid(chat_id)
        topic = {"name": name, "icon_color": 7322096}
        opening = {"message_id": mid, "date": int(time.time()), "from": self.bot_user,
                   "chat": chat, "message_thread_id": mid, "is_topic_message": True,
                   "forum_topic_created": topic}  # fmt: skip
        self._store(opening)
        self.topics[(chat_id, mid)] = name
        return {"message_thread_id": mid, **topic}

    def _m_copyMessage(self, p: JSON, f: Files) -> JSON:
        from_chat = self._chat_id(p, "from_chat_id")
        mid = self._require(p, "message_id")
        source = self._stored(from_chat, mid, "copy") or {"text": "…"}
        content = {k: copy.deepcopy(v) for k, v in source.items() if k in _COPYABLE}
        if "caption" in p:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._content(p, "caption"))
        msg = self._outgoing(p, content)
        return {"message_id": msg["message_id"]}

    def _m_deleteMessage(self, p: JSON, f: Files) -> bool:
        key = (self._chat_id(p), int(self._require(p, "message_id")))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to delete not found")
        del self.messages[key]
        return True

    def _m_getFile(self, p: JSON, f: Files) -> JSON:
        stored = self.files.get(str(p.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data), "file_path": stored.path}  # fmt: skip

    def _m_answerCallbackQuery(self, p: JSON, f: Files) -> bool:
        query_id = str(self._require(p, "callback_query_id"))
        if self.strict and query_id not in self._callback_ids:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")  # fmt: skip
        self.answered_callbacks[query_id] = dict(p)
        return True
