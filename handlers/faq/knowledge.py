"""The live FAQ knowledge: the database's entries, indexed by the matching engine.

The database is the source of truth (admins edit entries from chat); the bundled YAML is
synced into it at start. A reload builds a new index off the event loop and swaps the
reference, so answering never waits for it. Another process may change the entries too:
``refresh`` (run every few seconds by the scheduler) reloads when the database's revision of
the knowledge differs from the one indexed here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime

from knowledge_base.engine import Index, Match
from knowledge_base.model import Entry, KnowledgeBase
from storage.faq import FaqEntry
from storage.uow import SessionFactory, UnitOfWork

IndexBuilder = Callable[[KnowledgeBase], Index]


def as_entry(row: FaqEntry) -> Entry:
    return Entry(
        id=row.key,
        category=row.category,
        question=row.question,
        variants=tuple(row.variants),
        keywords=tuple(row.keywords),
        answer=row.answer,
        source=f"#{row.id}",
    )


class FaqKnowledge:
    def __init__(self, build: IndexBuilder = Index.build) -> None:
        self._build = build
        self._index: Index | None = None
        self._reloading = asyncio.Lock()
        self._revision: tuple[object, ...] | None = None  # of the indexed knowledge

    @property
    def loaded(self) -> bool:
        return self._index is not None

    def match(self, text: str) -> Match | None:
        """The engine's verdict on ``text``; None before the first load."""
        return self._index.match(text) if self._index is not None else None

    async def refresh(self, sessions: SessionFactory) -> bool:
        """Reload if the knowledge changed in the database since it was indexed (say, edited
        through another process); whether it did. Only reads: no write lock is taken."""
        async with UnitOfWork(sessions, read_only=True) as uow:
            if await uow.faq.revision() == self._revision:
                return False
            await self.reload(uow)
            return True

    async def reload(self, uow: UnitOfWork) -> None:
        """Index the database's active entries and swap the new index in."""
        revision = await uow.faq.revision()
        rows = await uow.faq.active_entries()
        synonyms = await uow.faq.synonyms()
        knowledge = KnowledgeBase(
            tuple(as_entry(row) for row in rows), tuple(tuple(group) for group in synonyms)
        )
        async with self._reloading:
            self._index = await asyncio.to_thread(self._build, knowledge)
            self._revision = revision


async def sync_bundled(uow: UnitOfWork, bundled: KnowledgeBase, now: datetime) -> int:
    """Bring the bundled knowledge into the database; the number of entries added or updated.

    Entries changed or deleted from chat (``edited``) keep their changes; untouched bundled
    entries follow the bundle, and leave when the bundle drops them."""
    rows = {row.key: row for row in await uow.faq.all_entries()}
    changed = 0
    for entry in bundled.entries:
        row = rows.pop(entry.id, None)
        content = {
            "category": entry.category,
            "question": entry.question,
            "variants": list(entry.variants),
            "keywords": list(entry.keywords),
            "answer": entry.answer,
        }
        if row is None:
            uow.faq.add(FaqEntry(key=entry.id, bundled=True, updated_at=now, **content))
            changed += 1
        elif row.bundled and not row.edited and _differs(row, content):
            for field, value in content.items():
                setattr(row, field, value)
            row.active, row.updated_at = True, now
            changed += 1
    for row in rows.values():
        if row.bundled and not row.edited and row.active:
            row.active, row.updated_at = False, now
            changed += 1
    await uow.faq.replace_synonyms(bundled.synonyms)
    await uow.faq.flush()
    return changed


def _differs(row: FaqEntry, content: Mapping[str, object]) -> bool:
    return any(getattr(row, field) != value for field, value in content.items()) or not row.active
