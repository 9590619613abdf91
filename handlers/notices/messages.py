"""What a notice looks like in the groups, its delivery keys, and texts cut to fit Telegram."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TypeVar

from handlers.core.model import (
    Button,
    Keyboard,
)
from storage.notices import Notice

LIMIT = 4096  # Telegram's limit for one message, in UTF-16 code units
NUDGE_EVERY = timedelta(minutes=30)
# A notice the same as one its author sent this recently gets a warning in its preview.
REPEAT_WARNING = timedelta(hours=24)
# How long after a notice (or its nudge) reached a group a plain 收到 there still confirms it.
BARE_ACK_WINDOW = timedelta(hours=12)
# Words that confirm a notice even without quoting it (好的 or 谢谢 alone do not).
PLAIN_RECEIPTS = ("收到", "已阅", "已读")
T = TypeVar("T")
_SHOWN = 3900  # status and report texts are cut here, leaving room for the last line


NAME = "notices"  # the feature's name: its outbox deliveries carry it


def delivery_key(notice_id: int, group_id: int) -> str:
    return f"notice:{notice_id}:group:{group_id}"


def confirm_button(notice_id: int) -> Keyboard:
    return ((Button("收到", f"notice:ok:{notice_id}"),),)


def render(notice: Notice) -> str:
    """The notice as the groups read it."""
    return f"📢 通知 #{notice.id}\n\n{notice.text}\n\n—— {notice.author_name}"


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """A stored (aware) time in the bot's time zone."""
    return moment.astimezone(zone)


def fit_lines(lines: list[str]) -> str:
    """Lines joined, cut to fit one Telegram message."""
    text = ""
    for shown, line in enumerate(lines):
        if utf16_length(text) + utf16_length(line) > _SHOWN:
            return text + f"……（还有 {len(lines) - shown} 行未显示）"
        text += line + "\n"
    return text.rstrip("\n")
