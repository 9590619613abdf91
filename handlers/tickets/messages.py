"""How tickets read: their card at the desk, its buttons, the notes the groups get."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.core.model import Button, Keyboard
from handlers.shared.dates import short_when
from storage.tickets import Ticket, TicketState

NAME = "tickets"  # the feature's name: its outbox deliveries and sent messages carry it
CATEGORIES = ("平台异常", "扩容提额", "账号开通", "公募对接", "票据", "其他")
STATE_NAMES = {
    TicketState.OPEN: "待处理",
    TicketState.CLAIMED: "处理中",
    TicketState.WAITING: "待补充",
    TicketState.RESOLVED: "已解决",
    TicketState.CLOSED: "已关闭",
}
MAX_TEXT = 3000  # characters of the report shown on the card


def state_name(ticket: Ticket) -> str:
    return STATE_NAMES.get(TicketState(ticket.state), ticket.state)


def where(ticket: Ticket) -> str:
    """泸州 · 泸州慈善交流群, or 私聊."""
    if ticket.group is None:
        return "私聊"
    region = ticket.region.name if ticket.region else "未绑定市州"
    return f"{region} · {ticket.group.title or ticket.group.chat_id}"


def card_text(ticket: Ticket, zone: ZoneInfo) -> str:
    """The ticket's card at the desk, edited in place as the ticket changes."""
    lines = [
        f"🎫 {ticket.number}｜{state_name(ticket)}｜{ticket.category}",
        f"来自：{where(ticket)}",
        f"报告人：{ticket.reporter_name}",
        f"时间：{short_when(ticket.created_at, zone)}",
    ]
    if ticket.claimed_by_name:
        lines.append(f"处理人：{ticket.claimed_by_name}")
    text = ticket.text if len(ticket.text) <= MAX_TEXT else ticket.text[:MAX_TEXT] + "……"
    lines += [
        "",
        text,
        "",
        "回复本卡片即可把答复转给报告人；以 ! 开头的回复是内部备注，不会转出。",
    ]
    return "\n".join(lines)


def card_buttons(ticket: Ticket) -> Keyboard:
    if ticket.state in (TicketState.RESOLVED, TicketState.CLOSED):
        return ()
    ident = ticket.id
    return (
        (
            Button("认领", f"ticket:claim:{ident}"),
            Button("需补充", f"ticket:wait:{ident}"),
            Button("已解决", f"ticket:done:{ident}"),
        ),
        (Button("改分类", f"ticket:cat:{ident}"),),
    )


def category_buttons(ticket: Ticket) -> Keyboard:
    return tuple(
        tuple(Button(name, f"ticket:cat:{ticket.id}:{index}") for index, name in pair)
        for pair in (list(enumerate(CATEGORIES))[i : i + 3] for i in (0, 3))
    )


def reopen_button(ticket: Ticket) -> Keyboard:
    return ((Button("重新打开", f"ticket:reopen:{ticket.id}"),),)
