"""No desk set yet: tickets are kept (their cards go out once a provincial admin sends /desk),
and the provincial admins are told, in /help and at start. At start, when tickets are waiting,
each admin gets one private message about them; a restart with no new ticket waiting sends
nothing again (the message's key names the newest waiting ticket)."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.delivery import delivery
from handlers.core.feature import Runtime
from handlers.core.model import SendMessage
from handlers.tickets.messages import NAME
from storage.uow import UnitOfWork

HOW = "请在要作为工单台的群里发送 /desk。"


def _waiting_text(count: int) -> str:
    kept = f"已有 {count} 张工单保存着，等待转过去" if count else "各群提交的工单会先保存着"
    return f"⚠️ 省总会工单台还没有设置：{kept}。{HOW}"


async def tell_admins_at_start(runtime: Runtime) -> None:
    """At start, with no desk and tickets waiting: one message to each provincial admin (once
    per backlog)."""
    async with UnitOfWork(runtime.sessions) as uow:
        if await uow.tickets.desk() is not None:
            return
        waiting = await uow.tickets.open_tickets(limit=10_000)
        if not waiting:
            return  # nothing kept yet; /help says it
        newest = max((t.id for t in waiting), default=0)
        text = _waiting_text(len(waiting))
        told = [
            delivery(f"ticket:nodesk:{admin}:{newest}", SendMessage(admin, text), NAME)
            for admin in sorted(runtime.config.provincial_admins)
        ]
        await uow.outbox.enqueue(told, runtime.clock.now())
        await uow.commit()


async def help_note(ctx: Context) -> str | None:
    """Under /help for a provincial admin while no desk is set."""
    if not ctx.actor.is_provincial_admin or await ctx.uow.tickets.desk() is not None:
        return None
    waiting = await ctx.uow.tickets.open_tickets(limit=10_000)
    return _waiting_text(len(waiting))
