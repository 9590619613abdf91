"""SQLAlchemy models. Alembic migrations in ``storage/migrations`` create these tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from handlers.model import person_label

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored in UTC and read back aware on every database (SQLite would
    otherwise drop the zone and compare wall-clock strings)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the Clock")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Region(Base):
    """One of the 21 cities/prefectures (市州) of Sichuan."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)  # short name: 泸州, 凉山
    full_name: Mapped[str] = mapped_column(String(64))  # 泸州市, 凉山彝族自治州
    position: Mapped[int] = mapped_column(Integer)  # the official order

    aliases: Mapped[list[RegionAlias]] = relationship(
        back_populates="region", lazy="selectin", cascade="all, delete-orphan"
    )


class RegionAlias(Base):
    __tablename__ = "region_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64), unique=True)

    region: Mapped[Region] = relationship(back_populates="aliases")


class Group(Base):
    """A Telegram group the bot is (or was) in. History refers to ``id``, never to chat_id,
    so a group upgraded to a supergroup keeps everything when its chat_id changes."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bound_by: Mapped[int | None] = mapped_column(BigInteger)
    bound_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    bot_is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    privacy_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    previous_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    auto_answer: Mapped[bool] = mapped_column(Boolean, default=True)  # FAQ without being asked
    workdays_only: Mapped[bool] = mapped_column(Boolean, default=False)  # reminders off holidays

    region: Mapped[Region | None] = relationship(lazy="joined")


class Person(Base):
    """A Telegram user the bot has seen."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64), index=True)  # lower case
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def label(self) -> str:
        return person_label(self.first_name, self.last_name, self.username)


class CoordinatorGrant(Base):
    """A regional coordinator's right over one region, granted by a provincial admin."""

    __tablename__ = "coordinator_grants"
    __table_args__ = (UniqueConstraint("person_id", "region_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    granted_by: Mapped[int] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())

    person: Mapped[Person] = relationship(lazy="joined")
    region: Mapped[Region] = relationship(lazy="joined")


class ProcessedUpdate(Base):
    """Updates already handled. The unique key makes a re-delivered update a no-op even when
    two workers race; the fingerprint keeps a recycled update_id from being taken for a repeat."""

    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("update_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)
    fingerprint: Mapped[str] = mapped_column(String(128))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


# --- FAQ ------------------------------------------------------------------------------------


class FaqEntry(Base):
    """One question and its provincial answer. Bundled entries are synced in at start;
    entries changed or deleted from chat keep their changes (``edited`` is set)."""

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    category: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bundled: Mapped[bool] = mapped_column(Boolean, default=False)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[int | None] = mapped_column(BigInteger)


class FaqSynonymGroup(Base):
    __tablename__ = "faq_synonym_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    terms: Mapped[list[str]] = mapped_column(JSON)


class FaqRegionAnswer(Base):
    """A region's own answer to an entry (e.g. its local contact), used in its groups."""

    __tablename__ = "faq_region_answers"
    __table_args__ = (UniqueConstraint("entry_id", "region_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[int] = mapped_column(BigInteger)

    region: Mapped[Region] = relationship(lazy="joined")


class FaqChange(Base):
    """Who changed which entry when, with the text before and after."""

    __tablename__ = "faq_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="CASCADE"), index=True
    )
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(16))  # add, edit, delete, local, local_delete
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    changed_by: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FaqReply(Base):
    """An answer the bot gave; feedback buttons and repeat detection refer to it."""

    __tablename__ = "faq_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the bot's answer, once sent
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class FaqVote(Base):
    __tablename__ = "faq_votes"
    __table_args__ = (UniqueConstraint("reply_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("faq_replies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    helpful: Mapped[bool] = mapped_column(Boolean)
    voted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FaqMiss(Base):
    """A question the bot could not answer, or an answer someone marked 👎."""

    __tablename__ = "faq_misses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(200), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"))
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="SET NULL")
    )  # set for 👎
    kind: Mapped[str] = mapped_column(String(16))  # unanswered, downvoted
    asked_by: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


# --- outbox and notices ---------------------------------------------------------------------


class OutboxMessage(Base):
    """A message the bot sends on its own, written in the same transaction as its cause and
    delivered once by the sender: pending → sending (leased) → sent, failed or cancelled."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_due_at", "state", "due_at"),
        Index("ix_outbox_chat_id_message_id", "chat_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)  # e.g. notice:12:group:7
    topic: Mapped[str | None] = mapped_column(String(64), index=True)  # e.g. notice:12
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the action, see storage/outbox.py
    state: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed tries (5xx, time-outs)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # Telegram's, once sent
    error: Mapped[str | None] = mapped_column(Text)  # plain reason, once failed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Notice(Base):
    """A notice a coordinator broadcasts to groups; deliveries are outbox rows of its topic."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(BigInteger, index=True)  # Telegram user id
    author_name: Mapped[str] = mapped_column(String(255))
    targets: Mapped[str] = mapped_column(String(255))  # as typed: 全部, 泸州、德阳, a list name
    text: Mapped[str] = mapped_column(Text)
    copy_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # an attachment to copy
    copy_message_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # sending, cancelled, deleted
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    nudged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    nudges: Mapped[int] = mapped_column(Integer, default=0)


class NoticeTarget(Base):
    """A group a notice goes to, fixed when the preview is shown."""

    __tablename__ = "notice_targets"
    __table_args__ = (UniqueConstraint("notice_id", "group_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))

    group: Mapped[Group] = relationship(lazy="joined")


class NoticeConfirmation(Base):
    """Someone pressed 收到 under a notice in a group; once per person and group."""

    __tablename__ = "notice_confirmations"
    __table_args__ = (UniqueConstraint("notice_id", "group_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class GroupList(Base):
    """A saved list of groups to send notices to (/notice_list)."""

    __tablename__ = "group_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    group_ids: Mapped[list[int]] = mapped_column(JSON)
    updated_by: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- deadlines ------------------------------------------------------------------------------


class Deadline(Base):
    """A deadline a coordinator set (/deadline); its reminders are rows of deadline_reminders."""

    __tablename__ = "deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    what: Mapped[str] = mapped_column(Text)  # what is due: 项目入场报名截止
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    leads: Mapped[list[int]] = mapped_column(JSON)  # reminder offsets, seconds before due_at
    targets_label: Mapped[str] = mapped_column(String(255))  # 本群, 全部, 泸州、德阳 …
    created_by: Mapped[int] = mapped_column(BigInteger, index=True)  # Telegram user id
    created_by_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # False while a far-off deadline awaits its creator's 确认 (no reminders exist yet)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    # a repeating deadline: {"kind", "day", "at": "HH:MM", "until": "YYYY-MM-DD" | None};
    # due_at is then its current occurrence
    recurrence: Mapped[dict[str, object] | None] = mapped_column(JSON)


class DeadlineTarget(Base):
    """A group a deadline is for; ``done_at`` once the group pressed 已完成 (for a repeating
    deadline: for its current occurrence)."""

    __tablename__ = "deadline_targets"
    __table_args__ = (UniqueConstraint("deadline_id", "group_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[int | None] = mapped_column(BigInteger)

    group: Mapped[Group] = relationship(lazy="joined")


class DeadlineReminder(Base):
    """One reminder of one deadline occurrence to one group: pending → enqueued (written to
    the outbox), or superseded, missed, done, cancelled."""

    __tablename__ = "deadline_reminders"
    __table_args__ = (
        UniqueConstraint("deadline_id", "due_at", "group_id", "lead"),
        Index("ix_deadline_reminders_state_fire_at", "state", "fire_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())  # the occurrence reminded of
    lead: Mapped[int] = mapped_column(Integer)  # seconds before due_at
    fire_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default="pending")
    enqueued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    deadline: Mapped[Deadline] = relationship(lazy="joined")
    group: Mapped[Group] = relationship(lazy="joined")
