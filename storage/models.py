"""SQLAlchemy models. Alembic migrations in ``storage/migrations`` create these tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from handlers.model import person_label

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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
    bound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bot_is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    privacy_warned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    previous_chat_id: Mapped[int | None] = mapped_column(BigInteger)

    region: Mapped[Region | None] = relationship(lazy="joined")


class Person(Base):
    """A Telegram user the bot has seen."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64), index=True)  # lower case
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

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
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

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
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
