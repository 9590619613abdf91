"""The FAQ feature: answering (``answering``), managing the knowledge from chat (``admin``)
and the live index (``knowledge``), loaded at start and refreshed every few seconds."""

from __future__ import annotations

import logging

from handlers.core.feature import Feature, Job, Runtime, TextRoute, TextStage
from handlers.faq import admin, answering, browsing
from handlers.faq.knowledge import sync_bundled
from handlers.shared.knowledge import FaqKnowledge
from knowledge_base.entries import load_bundled
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

REFRESH_EVERY = 10  # seconds: FAQ edits made through another process apply here this late


async def start(runtime: Runtime) -> None:
    """Sync the bundled knowledge into the database and index it (before the bot takes
    updates: the first of them may well be questions)."""
    knowledge = runtime.services.find(FaqKnowledge)
    if knowledge is None:
        knowledge = FaqKnowledge()
        runtime.services.provide(knowledge)
    async with UnitOfWork(runtime.sessions) as uow:
        await sync_bundled(uow, load_bundled(), runtime.clock.now())
        await uow.commit()
    # Read in a read-only unit (SQLite's write lock stays free), indexed in a thread.
    async with UnitOfWork(runtime.sessions, read_only=True) as uow:
        await knowledge.reload(uow)


async def refresh(runtime: Runtime) -> None:
    """Pick up knowledge edited through another process."""
    try:
        await runtime.services.get(FaqKnowledge).refresh(runtime.sessions)
    except Exception:
        log.exception("FAQ refresh failed; the next run retries")


FEATURE = Feature(
    "faq",
    commands=(
        answering.ASK,
        answering.FAQ,
        answering.AUTO,
        answering.MISSES,
        browsing.LIST,
        browsing.SHOW,
        admin.ADD,
        admin.EDIT,
        admin.DELETE,
        admin.LOCAL,
    ),
    callbacks={"faq": answering.on_button},
    on_text=(TextRoute(TextStage.QUESTION, answering.on_text),),
    trackers={"faq_reply": answering.remember_message},
    jobs=(Job("faq-refresh", REFRESH_EVERY, refresh),),
    on_start=start,
)
