"""Platform-problem tickets: what a group member reported, where, its state and its history.
The desk is the group marked ``groups.is_desk`` (at most one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import ForeignKey, UniqueConstraint
from sqlalchemy.types import BigInteger, Boolean, String, Text

from storage.base import Model, UtcDateTime, added, by_id, insert_new
from storage.directory import Group, Region


class TicketState(StrEnum):
    OPEN = "open"  # 待处理: filed, nobody at the desk has taken it
    CLAIMED = "claimed"  # 处理中: a desk member took it
    WAITING = "waiting"  # 待补充: waiting for the reporter
    RESOLVED = "resolved"  # 已解决: may be reopened for 7 days
    CLOSED = "closed"  # 已关闭


class Ticket(Model):
    """One reported problem. Its number (T-0042) is its id."""

    __tablename__ = "tickets"
    __table_args__ = (UniqueConstraint("origin_chat_id", "origin_message_id"),)

    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    origin_chat_id: Mapped[int] = mapped_column(BigInteger)  # where it was filed
    origin_message_id: Mapped[int] = mapped_column(BigInteger)  # the reporter's message
    reporter_id: Mapped[int] = mapped_column(BigInteger)
    reporter_name: Mapped[str] = mapped_column(String(255))
    filed_by: Mapped[int] = mapped_column(BigInteger)  # a colleague may file for the reporter
    category: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    attachment: Mapped[bool] = mapped_column(Boolean, default=False)  # the report has a file
    state: Mapped[str] = mapped_column(String(16), default=TicketState.OPEN, index=True)
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state_since: Mapped[datetime] = mapped_column(UtcDateTime())  # when it entered its state
    pinged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the once-only reminder

    region: Mapped[Region | None] = relationship(lazy="joined")
    group: Mapped[Group | None] = relationship(lazy="joined")

    @property
    def number(self) -> str:
        return f"T-{self.id:04d}"


class TicketEvent(Model):
    """A change of a ticket's state or category: who, when, from, to."""

    __tablename__ = "ticket_events"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by: Mapped[int] = mapped_column(BigInteger)
    by_name: Mapped[str] = mapped_column(String(255))
    change: Mapped[str] = mapped_column(String(16))  # state, category
    before: Mapped[str | None] = mapped_column(String(32))
    after: Mapped[str] = mapped_column(String(32))


class TicketOffer(Model):
    """The bot's offer to file a ticket: under a message that reads as a problem report
    (提交工单 / 不用), or an FAQ answer shown before filing (已解决 / 仍需人工)."""

    __tablename__ = "ticket_offers"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)  # the writer's message
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_name: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    attachment: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(16))  # noticed, deflected
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TicketRelay(Model):
    """A message relayed for a ticket (the desk's answer, the reporter's addition) and the
    outbox delivery that carries its copy: an edit of the message is carried over to it."""

    __tablename__ = "ticket_relays"
    __table_args__ = (UniqueConstraint("source_chat_id", "source_message_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    source_chat_id: Mapped[int] = mapped_column(BigInteger)
    source_message_id: Mapped[int] = mapped_column(BigInteger)
    delivery_key: Mapped[str] = mapped_column(String(160))  # the copy's outbox delivery
    head: Mapped[str] = mapped_column(String(64))  # the line above a relayed text


class Tickets:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def take_turn(self) -> None:
        """Wait for tickets being filed concurrently to commit first (PostgreSQL; SQLite has
        one writer at a time): numbers, the cards' places in the desk's queue and the commits
        then follow one order, the order the desk reads them in."""
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(sql_text("SELECT pg_advisory_xact_lock(14)"))

    async def file(self, ticket: Ticket) -> Ticket:
        return await added(self._session, ticket)

    async def get(self, ticket_id: int, *, lock: bool = False) -> Ticket | None:
        return await by_id(self._session, Ticket, ticket_id, lock=lock)

    async def from_message(self, chat_id: int, message_id: int) -> Ticket | None:
        """The ticket filed from this message, if any."""
        query = select(Ticket).where(
            Ticket.origin_chat_id == chat_id, Ticket.origin_message_id == message_id
        )
        return await self._session.scalar(query)

    def record(
        self,
        ticket: Ticket,
        change: str,
        before: str | None,
        after: str,
        by: int,
        by_name: str,
        at: datetime,
    ) -> None:
        self._session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=at,
                by=by,
                by_name=by_name[:255],
                change=change,
                before=before,
                after=after,
            )
        )

    async def history(self, ticket_id: int) -> list[TicketEvent]:
        query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
        return list((await self._session.scalars(query.order_by(TicketEvent.id))).all())

    async def desk(self) -> Group | None:
        """The desk group, if one is set and the bot is still in it."""
        query = select(Group).where(Group.is_desk.is_(True), Group.active.is_(True))
        return await self._session.scalar(query)

    async def offer(self, offer: TicketOffer) -> TicketOffer | None:
        """Record an offer; None if this message already had one."""
        existing = await self._session.scalar(
            select(TicketOffer).where(
                TicketOffer.chat_id == offer.chat_id, TicketOffer.message_id == offer.message_id
            )
        )
        if existing is not None:
            return None
        return await added(self._session, offer)

    async def get_offer(self, offer_id: int, *, lock: bool = False) -> TicketOffer | None:
        return await by_id(self._session, TicketOffer, offer_id, lock=lock)

    async def offered_since(self, user_id: int, since: datetime) -> bool:
        """Whether this person got a noticed offer since then (one per 30 minutes)."""
        query = select(TicketOffer.id).where(
            TicketOffer.user_id == user_id,
            TicketOffer.kind == "noticed",
            TicketOffer.offered_at >= since,
        )
        return await self._session.scalar(query.limit(1)) is not None

    async def relayed(
        self, ticket: Ticket, chat_id: int, message_id: int, key: str, head: str
    ) -> None:
        """Remember that this message was relayed by the delivery ``key`` (once)."""
        values = {"ticket_id": ticket.id, "source_chat_id": chat_id,
                  "source_message_id": message_id, "delivery_key": key, "head": head}  # fmt: skip
        source = ("source_chat_id", "source_message_id")
        await insert_new(self._session, TicketRelay, source, [values])

    async def relay_of(self, chat_id: int, message_id: int) -> TicketRelay | None:
        """How this message was relayed, if it was."""
        query = select(TicketRelay).where(
            TicketRelay.source_chat_id == chat_id, TicketRelay.source_message_id == message_id
        )
        return await self._session.scalar(query)

    async def move_desk(self, group: Group) -> None:
        """Make ``group`` the desk, and no other group (an old one the bot left included)."""
        await self._session.execute(
            update(Group)
            .where(Group.is_desk.is_(True), Group.id != group.id)
            .values(is_desk=False)
        )
        group.is_desk = True

    async def in_group(self, group_id: int, limit: int = 20) -> Sequence[Ticket]:
        query = select(Ticket).where(Ticket.group_id == group_id)
        return (await self._session.scalars(query.order_by(Ticket.id.desc()).limit(limit))).all()

    async def of_person(self, user_id: int, limit: int = 20) -> Sequence[Ticket]:
        """Tickets this person reported or filed for someone."""
        query = select(Ticket).where(
            (Ticket.reporter_id == user_id) | (Ticket.filed_by == user_id)
        )
        return (await self._session.scalars(query.order_by(Ticket.id.desc()).limit(limit))).all()

    async def all_tickets(self) -> Sequence[Ticket]:
        return (await self._session.scalars(select(Ticket).order_by(Ticket.id))).all()

    async def open_tickets(self, limit: int = 30) -> Sequence[Ticket]:
        query = select(Ticket).where(Ticket.state != TicketState.CLOSED)
        return (await self._session.scalars(query.order_by(Ticket.id).limit(limit))).all()
