"""Syncing the bundled FAQ knowledge into the database at start (the live index it feeds is
``handlers.shared.knowledge``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from knowledge_base.model import KnowledgeBase
from storage.faq import FaqEntry
from storage.uow import UnitOfWork


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
