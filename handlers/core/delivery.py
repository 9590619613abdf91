"""Queued deliveries: the outgoing actions the outbox stores (as a payload it does not read)
and the sender turns back into actions."""

from __future__ import annotations

from typing import Any

from handlers.core.model import (
    Button,
    CopyMessage,
    CreateTopic,
    EditCaption,
    EditMessage,
    SendMessage,
)
from storage.outbox import Delivery, OutboxMessage

Queued = SendMessage | CopyMessage | CreateTopic | EditMessage | EditCaption


def encode(action: Queued) -> dict[str, Any]:
    if isinstance(action, CreateTopic):
        return {"topic": action.name}
    if isinstance(action, EditCaption):
        return {"caption": action.caption, "edit": action.message_id}
    if isinstance(action, EditMessage):
        buttons = [[[b.text, b.data] for b in row] for row in action.buttons]
        return {"text": action.text, "edit": action.message_id, "buttons": buttons}
    thread = {"thread": action.thread_id} if action.thread_id is not None else {}
    if isinstance(action, CopyMessage):
        return {
            "copy": [action.from_chat_id, action.message_id],
            "reply_to": action.reply_to_message_id,
        } | thread
    buttons = [[[b.text, b.data] for b in row] for row in action.buttons]
    return {
        "text": action.text,
        "reply_to": action.reply_to_message_id,
        "buttons": buttons,
    } | thread


def decode(row: OutboxMessage, thread: int | None = None) -> Queued:
    """The action a row stores; ``thread``: the topic a row queued ``in_topic_of`` goes to."""
    payload = row.payload
    if "topic" in payload:
        return CreateTopic(row.chat_id, payload["topic"])
    if "edit" in payload and "caption" in payload:
        return EditCaption(row.chat_id, payload["edit"], payload["caption"])
    buttons = tuple(tuple(Button(t, d) for t, d in line) for line in payload.get("buttons", ()))
    if "edit" in payload:
        return EditMessage(row.chat_id, payload["edit"], payload["text"], buttons)
    thread = payload.get("thread", thread)
    if "copy" in payload:
        from_chat_id, message_id = payload["copy"]
        return CopyMessage(row.chat_id, from_chat_id, message_id, payload.get("reply_to"), thread)
    return SendMessage(row.chat_id, payload["text"], payload["reply_to"], buttons, None, thread)


def delivery(
    key: str,
    action: Queued,
    feature: str | None = None,
    ref: int | None = None,
    kind: str | None = None,
    in_topic_of: str | None = None,
) -> Delivery:
    """``action`` to queue under ``key`` (idempotent), about ``ref`` of ``feature``; with
    ``in_topic_of`` (the key of a queued ``CreateTopic``) it waits for that topic and goes
    into it (into the chat itself if the topic could not be made)."""
    payload = encode(action) | ({"in_topic_of": in_topic_of} if in_topic_of else {})
    return Delivery(key, action.chat_id, payload, feature, ref, kind)
