"""Queued deliveries: the outgoing actions the outbox stores (as a payload it does not read)
and the sender turns back into actions."""

from __future__ import annotations

from typing import Any

from handlers.core.model import Button, CopyMessage, SendMessage
from storage.outbox import Delivery, OutboxMessage

Queued = SendMessage | CopyMessage


def encode(action: Queued) -> dict[str, Any]:
    if isinstance(action, CopyMessage):
        return {
            "copy": [action.from_chat_id, action.message_id],
            "reply_to": action.reply_to_message_id,
        }
    buttons = [[[b.text, b.data] for b in row] for row in action.buttons]
    return {"text": action.text, "reply_to": action.reply_to_message_id, "buttons": buttons}


def decode(row: OutboxMessage) -> Queued:
    payload = row.payload
    if "copy" in payload:
        from_chat_id, message_id = payload["copy"]
        return CopyMessage(row.chat_id, from_chat_id, message_id, payload.get("reply_to"))
    buttons = tuple(tuple(Button(t, d) for t, d in line) for line in payload["buttons"])
    return SendMessage(row.chat_id, payload["text"], payload["reply_to"], buttons)


def delivery(
    key: str,
    action: Queued,
    feature: str | None = None,
    ref: int | None = None,
    kind: str | None = None,
) -> Delivery:
    """``action`` to queue under ``key`` (idempotent), about ``ref`` of ``feature``."""
    return Delivery(key, action.chat_id, encode(action), feature, ref, kind)
