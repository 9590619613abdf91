"""The live FAQ knowledge: the database's entries, indexed by the matching engine. The FAQ
answers from it; tickets read its analysis of a message to notice problem reports, so each
message is analysed once (the last few analyses are kept).

The database is the source of truth (admins edit entries from chat). A reload builds a new
index off the event loop and swaps the reference, so answering never waits for it. Another
process may change the entries too: ``refresh`` (run every few seconds by the scheduler)
reloads when the database's revision of the knowledge differs from the one indexed here.
At start the entries are read and indexed in a thread by the first refresh, while the bot
begins to take updates; a message that needs the index before it is ready waits for it.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future

from knowledge_base.engine import Index, Match
from knowledge_base.entries import load_bundled, with_structure
from knowledge_base.examples import ExampleModel
from knowledge_base.model import Entry, KnowledgeBase
from storage.faq import FaqEntry
from storage.uow import SessionFactory, UnitOfWork

IndexBuilder = Callable[[KnowledgeBase], Index]
REMEMBERED = 16  # analyses kept: the features looking at one message share its analysis
# Seconds the first refresh lets pass before it builds the first index: the bot's first
# updates (often waiting since a restart) are taken and answered without sharing the
# interpreter with the build; a message that needs the index meanwhile builds it at once.
FIRST_BUILD_DELAY = 0.5


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
        # The first index, read from the database at start and built after (``load_later``).
        self._pending: tuple[tuple[object, ...], KnowledgeBase] | None = None
        self._building: Future[Index] | None = None
        self._first_built = asyncio.Event()

    @property
    def loaded(self) -> bool:
        return self._index is not None or self._pending is not None

    def match(self, text: str) -> Match | None:
        """The engine's verdict on ``text``; None before the first load. A message that comes
        while the first index is still being built waits for it (a moment after start)."""
        if self._pending is not None:
            self._settle(self._start_building().result())
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
        if self._pending is not None:
            self._settle(self._start_building().result())
        return self._index.normalized(text) if self._index is not None else None

    async def refresh(self, sessions: SessionFactory) -> bool:
        """Reload if the knowledge changed in the database since it was indexed (say, edited
        through another process); whether it did. Only reads: no write lock is taken. The
        first run after ``load_later`` builds the first index, off the event loop, shortly
        after the bot begins taking updates."""
        if self._pending is not None:
            await asyncio.sleep(FIRST_BUILD_DELAY)
            if self._pending is not None:
                self._settle(await asyncio.wrap_future(self._start_building()))
        async with UnitOfWork(sessions, read_only=True) as uow:
            if await uow.faq.revision() == self._revision:
                return False
            await self.reload(uow)
            return True

    async def reload(self, uow: UnitOfWork) -> None:
        """Index the database's active entries and swap the new index in."""
        revision, knowledge = await self._read(uow)
        async with self._reloading:
            if self._pending is not None:  # an older first load: this one replaces it
                self._settle(await asyncio.wrap_future(self._start_building()))
            self._index = await asyncio.to_thread(self._build, knowledge)
            self._revision = revision
            self._recent.clear()

    async def load_later(self, uow: UnitOfWork) -> None:
        """Read the database's active entries now and index them later: in a thread at the
        first ``refresh`` (the scheduler runs it as the bot starts taking updates), or at once
        if a message needs the index before that. Start-up does not wait for the index, only
        for the labelled examples to be learned (about half a second, in a thread): done
        before updates are taken, it keeps the first index, built while messages arrive, as
        short as the words alone make it (the index takes the model learned here)."""
        self._pending = await self._read(uow)
        await asyncio.to_thread(ExampleModel.build, self._pending[1])

    def _start_building(self) -> Future[Index]:
        """The first index's build (started in a thread if it was not yet)."""
        if self._building is None:
            assert self._pending is not None
            _, knowledge = self._pending
            building: Future[Index] = Future()

            def build() -> None:
                try:
                    building.set_result(self._build(knowledge))
                except BaseException as error:  # re-raised where the index is needed
                    building.set_exception(error)

            self._building = building
            threading.Thread(target=build, name="faq-index", daemon=True).start()
        return self._building

    def _settle(self, index: Index) -> None:
        """Put the first index in place (once, whoever waited for it first)."""
        if self._pending is None:
            return
        self._index, self._revision = index, self._pending[0]
        self._pending, self._building = None, None
        self._recent.clear()
        self._first_built.set()

    async def first_built(self) -> None:
        """Return once the first index that ``load_later`` deferred is in place (at once if
        none is waited for)."""
        if self._pending is not None:
            await self._first_built.wait()

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
