"""The directory (people, groups, coordinator grants, regions) kept in memory between updates.

Most updates are a known person writing in a known group: reading who they are, their rights
and the group's settings from the database each time cost more than handling the message.
The cache holds plain column values, never live ORM objects; each update gets its own objects
in its own session, attached without a query (``attach``).

Staleness: every transaction that changes a directory table bumps the ``directory`` version
(one row) in that same transaction (``storage.versions``), and each update reads that row
first; a different number empties the cache. So a change made by another process (a second
bot, an admin command run by hand) is seen by the next update, as it would be without the
cache. Only rows read (never rows this transaction wrote, which a rollback may undo) are put
in the cache.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached

from storage.directory import CoordinatorGrant, Group, Person, Region, RegionAlias
from storage.versions import VersionCounter

DIRECTORY_MODELS = (Person, Group, CoordinatorGrant, Region, RegionAlias)
SQLITE_TRUST_S = 1.0  # on SQLite, how long a read of the version stands (see ``check``)
_monotonic = time.monotonic  # the clock of that (tests move it)
M = TypeVar("M", bound=DeclarativeBase)


DIRECTORY = VersionCounter("directory", DIRECTORY_MODELS)


def _columns(obj: DeclarativeBase) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs}


def _as_loaded(*objects: DeclarativeBase) -> None:
    """Make new objects look as if loaded from the database and then detached."""
    for obj in objects:
        make_transient_to_detached(obj)


def _copy_region(region: Region) -> Region:
    """A detached copy of a loaded region and its aliases, owned by the cache."""
    aliases = [RegionAlias(**_columns(alias)) for alias in region.aliases]
    copy = Region(**_columns(region), aliases=aliases)
    _as_loaded(*aliases, copy)
    return copy


def attach(session: AsyncSession, cached: M) -> M:
    """The session's own copy of a cached object (and the objects it holds), made without a
    query: ``merge(load=False)``, the cache's objects themselves never join a session."""
    return session.sync_session.merge(cached, load=False)


class DirectoryCache:
    """People (column values, by Telegram user id), groups (by chat id), regions (by id) and
    each person's coordinator regions, valid for one ``directory_version``. Groups and regions
    are detached objects owned by the cache, with their relationships loaded; handlers get
    copies in their own session (``attach``)."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.people: dict[int, dict[str, Any]] = {}
        self.groups: dict[int, Group] = {}
        self.regions: dict[int, Region] = {}
        self.regions_of: dict[int, tuple[int, ...]] = {}
        self.loads = 0  # how many times the cache was (re)filled from scratch
        self._read_at = -SQLITE_TRUST_S  # when the version was last read (monotonic)
        self._committed = DIRECTORY.committed

    async def check(self, session: AsyncSession) -> None:
        """Read the version (one row by primary key); forget everything if it moved.

        On SQLite (one bot process) the read is skipped while the last one is under
        ``SQLITE_TRUST_S`` old and this process committed no directory change since: a chatter
        message then touches the database not at all. A change made by hand from another
        process is seen within that time."""
        now = _monotonic()
        if (
            session.bind.dialect.name == "sqlite"
            and now - self._read_at < SQLITE_TRUST_S
            and self._committed == DIRECTORY.committed
        ):
            return
        self._committed = DIRECTORY.committed
        version = await DIRECTORY.read(session)
        self._read_at = now
        if version != self.version or version is None:
            self.people.clear()
            self.groups.clear()
            self.regions_of.clear()
            self.regions.clear()
            self.version = version
            self.loads += 1

    def keep_person(self, session: AsyncSession, person: Person) -> dict[str, Any]:
        """Keep a person row just read; its values."""
        values = _columns(person)
        if not DIRECTORY.wrote(session):
            self.people[person.user_id] = values
        return values

    def keep_group(self, session: AsyncSession, group: Group) -> None:
        """Keep a group row just read (with its region, loaded with it)."""
        if DIRECTORY.wrote(session):
            return
        region = None
        if group.region is not None:
            region = self.regions.get(group.region.id) or _copy_region(group.region)
            self.regions[region.id] = region
        copy = Group(**_columns(group), region=region)
        _as_loaded(copy)
        self.groups[group.chat_id] = copy

    async def coordinator_regions(
        self, session: AsyncSession, user_id: int, read: Any
    ) -> tuple[Region, ...]:
        """The regions the user coordinates, as the session's objects. ``read`` loads them
        from the database (``Grants.regions_of``) on a miss."""
        ids = self.regions_of.get(user_id)
        if ids is None:
            regions = tuple(await read(user_id))
            if not DIRECTORY.wrote(session):
                for region in regions:
                    if region.id not in self.regions:
                        self.regions[region.id] = _copy_region(region)
                self.regions_of[user_id] = tuple(r.id for r in regions)
            return regions
        return tuple(attach(session, self.regions[i]) for i in ids)
