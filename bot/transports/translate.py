"""Telegram's update JSON → the core's model. Both framework adapters dump their update
objects to Telegram's own JSON shape and share this one translation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handlers.core.model import (
    Attachment,
    CallbackPress,
    Chat,
    ChatType,
    Incoming,
    IncomingMessage,
    MembershipChange,
    MemberStatus,
    MessageKind,
    ReplyTarget,
    User,
)

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
]

_MEDIA = (
    ("photo", MessageKind.PHOTO),
    ("document", MessageKind.DOCUMENT),
    ("sticker", MessageKind.STICKER),
    ("voice", MessageKind.VOICE),
    ("video", MessageKind.VIDEO),
    ("video_note", MessageKind.VIDEO),
)
_OTHER_MEDIA = ("animation", "audio", "contact", "location", "venue", "poll", "dice", "game")
_SERVICE = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "channel_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
    "message_auto_delete_timer_changed",
    "forum_topic_created",
    "video_chat_started",
    "video_chat_ended",
    "boost_added",
    "chat_background_set",
)

Json = dict[str, Any]


def to_incoming(update: Json) -> Incoming | None:
    """The core's view of one update, or None for kinds the bot does not handle."""
    update_id = int(update["update_id"])
    for key, is_edit, is_post in (
        ("message", False, False),
        ("edited_message", True, False),
        ("channel_post", False, True),
        ("edited_channel_post", True, True),
    ):
        if update.get(key):
            return _message(update_id, update[key], is_edit=is_edit, is_channel_post=is_post)
    if update.get("callback_query"):
        return _callback(update_id, update["callback_query"])
    if update.get("my_chat_member"):
        return _membership(update_id, update["my_chat_member"])
    return None


def _date(value: Any) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value
    return datetime.now(UTC)


def _chat(data: Json) -> Chat:
    try:
        chat_type = ChatType(data.get("type", "private"))
    except ValueError:
        chat_type = ChatType.GROUP
    title = data.get("title") or data.get("first_name")
    return Chat(int(data["id"]), chat_type, title, bool(data.get("is_forum")))


def _user(data: Json | None) -> User | None:
    if not data:
        return None
    return User(
        int(data["id"]),
        data.get("first_name") or "",
        data.get("last_name"),
        data.get("username"),
        bool(data.get("is_bot", False)),
    )


def _kind(message: Json) -> MessageKind:
    for key, kind in _MEDIA:
        if message.get(key):
            return kind
    if any(message.get(key) for key in _OTHER_MEDIA):
        return MessageKind.OTHER_MEDIA
    if message.get("text") is not None:
        return MessageKind.TEXT
    if any(message.get(key) for key in _SERVICE):
        return MessageKind.SERVICE
    return MessageKind.OTHER_MEDIA


def _message(update_id: int, message: Json, *, is_edit: bool, is_channel_post: bool) -> Incoming:
    sender_chat = message.get("sender_chat")
    reply = message.get("reply_to_message")
    left = _user(message.get("left_chat_member"))
    return IncomingMessage(
        update_id=update_id,
        chat=_chat(message["chat"]),
        message_id=int(message["message_id"]),
        date=_date(message.get("date")),
        sender=_user(message.get("from")),
        kind=_kind(message),
        text=message.get("text") if message.get("text") is not None else message.get("caption"),
        sender_chat_id=int(sender_chat["id"]) if sender_chat else None,
        reply_to=(
            ReplyTarget(
                int(reply["message_id"]),
                _user(reply.get("from")),
                reply.get("text") or reply.get("caption"),
            )
            if reply
            else None
        ),
        is_edit=is_edit,
        is_channel_post=is_channel_post,
        is_forward=bool(message.get("forward_origin") or message.get("forward_date")),
        names_someone=any(
            entity.get("type") == "text_mention"
            for entity in message.get("entities") or message.get("caption_entities") or []
        ),
        new_members=tuple(
            u for u in (_user(m) for m in message.get("new_chat_members") or []) if u
        ),
        left_member=left,
        migrate_to_chat_id=message.get("migrate_to_chat_id"),
        migrate_from_chat_id=message.get("migrate_from_chat_id"),
        group_created=bool(message.get("group_chat_created")),
        attachment=_attachment(message),
        media_group_id=message.get("media_group_id"),
        thread_id=(
            int(message["message_thread_id"])
            if message.get("is_topic_message") and message.get("message_thread_id")
            else None
        ),
    )


def _attachment(message: Json) -> Attachment | None:
    """The document, or the largest size of the photo, a message carries."""
    found = message.get("document")
    if not found and message.get("photo"):
        found = max(message["photo"], key=lambda size: size.get("file_size") or 0)
    if not found or not found.get("file_id"):
        return None
    return Attachment(
        str(found["file_id"]), found.get("file_name"), found.get("file_size"),
        found.get("mime_type"),
    )  # fmt: skip


def _callback(update_id: int, callback: Json) -> Incoming | None:
    user = _user(callback.get("from"))
    if user is None:
        return None
    message = callback.get("message") or {}
    return CallbackPress(
        update_id=update_id,
        callback_id=str(callback["id"]),
        user=user,
        data=callback.get("data") or "",
        chat=_chat(message["chat"]) if message.get("chat") else None,
        message_id=message.get("message_id"),
    )


def _status(member: Json | None) -> MemberStatus:
    try:
        return MemberStatus((member or {}).get("status", "left"))
    except ValueError:
        return MemberStatus.LEFT


def _membership(update_id: int, change: Json) -> Incoming | None:
    actor = _user(change.get("from"))
    if actor is None:
        return None
    return MembershipChange(
        update_id=update_id,
        chat=_chat(change["chat"]),
        actor=actor,
        old_status=_status(change.get("old_chat_member")),
        new_status=_status(change.get("new_chat_member")),
        date=_date(change.get("date")),
    )
