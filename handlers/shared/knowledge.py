"""The live FAQ knowledge: the database's entries, indexed by the matching engine. The FAQ
answers from it; tickets read its analysis of a message to notice problem reports, so each
message is analysed once (the last few analyses are kept).

The database is the source of truth (admins edit entries from chat). A reload builds a new
index off the event loop and swaps the reference, so answering never waits for it. Another
process may change the entries too: ``refresh`` (run every few seconds by the scheduler)
reloads when the database's revision of the knowledge differs from the one indexed here.
The first index is built at start, before the bot takes updates: after a restart Telegram
hands over a backlog at once, and every message of it needs the index (a first index built
while they arrive made each of them wait seconds for it).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable

from knowledge_base.engine import Index, Match
from knowledge_base.entries import load_bundled, with_structure
from knowledge_base.model import Entry, KnowledgeBase
from storage.faq import FaqEntry
from storage.uow import SessionFactory, UnitOfWork

IndexBuilder = Callable[[KnowledgeBase], Index]
REMEMBERED = 16  # analyses kept: the features looking at one message share its analysis


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
        self._recent: OrderedDict[str, Match] = OrderedDict()  # of the current index

    def match(self, text: str) -> Match | None:
        """The engine's verdict on ``text``; None before the first load."""
        if self._index is None:
            return None
        found = self._recent.get(text)
        if found is None:
            found = self._index.match(text)
            self._recent[text] = found
            if len(self._recent) > REMEMBERED:
                self._recent.popitem(last=False)
        return found

    def normalized(self, text: str) -> str | None:
        """``match(text).normalized`` (from a recent analysis, else without matching); None
        before the first load."""
        if (found := self._recent.get(text)) is not None:
            return found.normalized
        return self._index.normalized(text) if self._index is not None else None

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
        revision, knowledge = await self._read(uow)
        async with self._reloading:
            self._index = await asyncio.to_thread(self._build, knowledge)
            self._revision = revision
            self._recent.clear()

    async def _read(self, uow: UnitOfWork) -> tuple[tuple[object, ...], KnowledgeBase]:
        """The revision and the active entries of the database's knowledge."""
        revision = await uow.faq.revision()
        rows = await uow.faq.active_entries()
        synonyms = await uow.faq.synonyms()
        knowledge = KnowledgeBase(
            tuple(as_entry(row) for row in rows), tuple(tuple(group) for group in synonyms)
        )
        # The database keeps the texts; the sibling structure (topic, general, not_about) is
        # the bundled files', by entry id, and so are the labelled example messages.
        return revision, with_structure(knowledge, load_bundled())
