"""The transport-agnostic model: what arrives from Telegram and what the bot sends back.

Adapters in ``bot/transports`` translate framework objects into these frozen dataclasses and
carry out the outgoing actions; nothing here knows which framework is running.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ChatType(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Chat:
    id: int
    type: ChatType
    title: str | None = None
    is_forum: bool = False  # a supergroup whose messages are kept in topics

    @property
    def is_group(self) -> bool:
        return self.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def person_label(first_name: str, last_name: str | None, username: str | None) -> str:
    """How the bot names a person in a message: full name, plus @username when known."""
    name = f"{first_name} {last_name}" if last_name else first_name
    return f"{name} (@{username})" if username else name


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    is_bot: bool = False

    @property
    def label(self) -> str:
        return person_label(self.first_name, self.last_name, self.username)


class MessageKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"
    STICKER = "sticker"
    VOICE = "voice"
    VIDEO = "video"
    OTHER_MEDIA = "other_media"
    SERVICE = "service"


@dataclass(frozen=True)
class ReplyTarget:
    """The message an incoming message replies to."""

    message_id: int
    sender: User | None = None
    text: str | None = None


@dataclass(frozen=True)
class Attachment:
    """The file of a photo (its largest size) or a document, fetched by ``file_id`` through
    the ``FileSource`` port."""

    file_id: str
    file_name: str | None = None
    file_size: int | None = None  # bytes, when Telegram says
    mime_type: str | None = None


@dataclass(frozen=True)
class IncomingMessage:
    """A message (or an edit, or a channel post) in a chat the bot is in."""

    update_id: int
    chat: Chat
    message_id: int
    date: datetime
    sender: User | None
    kind: MessageKind = MessageKind.TEXT
    text: str | None = None
    sender_chat_id: int | None = None  # anonymous group admin or linked channel
    reply_to: ReplyTarget | None = None
    is_edit: bool = False
    is_channel_post: bool = False
    is_forward: bool = False  # forwarded from elsewhere: someone else's words
    names_someone: bool = False  # mentions a person by name (no @username: a text_mention)
    new_members: tuple[User, ...] = ()
    left_member: User | None = None
    migrate_to_chat_id: int | None = None
    migrate_from_chat_id: int | None = None
    group_created: bool = False
    attachment: Attachment | None = None
    media_group_id: str | None = None  # the photos of one album share it
    thread_id: int | None = None  # the forum topic it was written in

    @property
    def fingerprint(self) -> str:
        """Identifies the update's content, so a re-used update_id is not mistaken for a repeat."""
        prefix = "e" if self.is_edit else "m"
        return f"{prefix}:{self.chat.id}:{self.message_id}"


@dataclass(frozen=True)
class CallbackPress:
    """A press on an inline button."""

    update_id: int
    callback_id: str
    user: User
    data: str
    chat: Chat | None = None
    message_id: int | None = None

    @property
    def fingerprint(self) -> str:
        return f"c:{self.callback_id}"


class MemberStatus(StrEnum):
    CREATOR = "creator"
    ADMINISTRATOR = "administrator"
    MEMBER = "member"
    RESTRICTED = "restricted"
    LEFT = "left"
    KICKED = "kicked"

    @property
    def is_present(self) -> bool:
        return self in _PRESENT


_PRESENT = frozenset(
    {
        MemberStatus.CREATOR,
        MemberStatus.ADMINISTRATOR,
        MemberStatus.MEMBER,
        MemberStatus.RESTRICTED,
    }
)


@dataclass(frozen=True)
class MembershipChange:
    """The bot's own membership in a chat changed (added, removed, promoted)."""

    update_id: int
    chat: Chat
    actor: User
    old_status: MemberStatus
    new_status: MemberStatus
    date: datetime

    @property
    def fingerprint(self) -> str:
        return f"b:{self.chat.id}:{int(self.date.timestamp())}:{self.new_status}"


Incoming = IncomingMessage | CallbackPress | MembershipChange


# --- outgoing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    text: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class ChatMessage:
    """Posts or edits a message in one chat: such actions share the chat's sending budget."""

    chat_id: int


@dataclass(frozen=True)
class SendMessage(ChatMessage):
    text: str
    reply_to_message_id: int | None = None
    buttons: Keyboard = ()
    track: tuple[str, int] | None = None  # (tracker kind, reference) told the message id
    thread_id: int | None = None  # in this forum topic


@dataclass(frozen=True)
class EditMessage(ChatMessage):
    message_id: int
    text: str
    buttons: Keyboard = ()


@dataclass(frozen=True)
class CopyMessage(ChatMessage):
    """A message copied (not forwarded: no "forwarded from", works for hidden senders)."""

    from_chat_id: int
    message_id: int
    reply_to_message_id: int | None = None
    thread_id: int | None = None  # in this forum topic


@dataclass(frozen=True)
class CreateTopic(ChatMessage):
    """A new topic in a forum supergroup; delivered with its message_thread_id as message_id
    (Telegram numbers a topic after the service message that opens it)."""

    name: str


@dataclass(frozen=True)
class EditCaption(ChatMessage):
    """New caption for one of the bot's media messages (a copied photo's caption)."""

    message_id: int
    caption: str


@dataclass(frozen=True)
class DeleteMessage:
    """Remove one of the bot's messages (an offer someone declined)."""

    chat_id: int
    message_id: int


@dataclass(frozen=True)
class AnswerCallback:
    callback_id: str
    text: str | None = None
    show_alert: bool = False


@dataclass(frozen=True)
class Upload(ChatMessage):
    """A file the bot sends (an Excel export, a chart)."""

    filename: str
    content: bytes
    caption: str | None = None


@dataclass(frozen=True)
class SendDocument(Upload):
    """Sent as a file."""


@dataclass(frozen=True)
class SendPhoto(Upload):
    """Sent as a photo, shown in the chat."""


class CommandScope(StrEnum):
    """Where a command menu shows (Telegram's BotCommandScope)."""

    PRIVATE = "all_private_chats"
    GROUPS = "all_group_chats"
    GROUP_ADMINS = "all_chat_administrators"


@dataclass(frozen=True)
class SetCommands:
    scope: CommandScope
    commands: tuple[tuple[str, str], ...]


Outgoing = (
    SendMessage
    | EditMessage
    | CopyMessage
    | CreateTopic
    | EditCaption
    | DeleteMessage
    | AnswerCallback
    | SendDocument
    | SendPhoto
    | SetCommands
)


@dataclass(frozen=True)
class Delivered:
    """What Telegram answered to an outgoing action (message_id when a message was created)."""

    message_id: int | None = None


@dataclass(frozen=True)
class BotInfo:
    id: int
    username: str
    can_read_all_group_messages: bool = True
    name: str = "善邻助手"  # the display name: people also type @善邻助手 by hand

    @property
    def handles(self) -> tuple[str, ...]:
        """How a message may address the bot: @username, or @ and its display name."""
        return tuple(f"@{handle}" for handle in (self.username, self.name) if handle)

    @property
    def names(self) -> tuple[str, ...]:
        """What people call the bot by: its display name and that name without 助手 (善邻)."""
        short = self.name.removesuffix("助手")
        return (self.name, short) if short and short != self.name else (self.name,)


@dataclass
class Replies:
    """Direct answers produced while handling one update, sent after its unit of work commits."""

    actions: list[Outgoing] = field(default_factory=list)

    def add(self, action: Outgoing) -> None:
        self.actions.append(action)
