"""The FAQ index of each version of the knowledge, built once per test session."""

from __future__ import annotations

from handlers.core.context import Services
from handlers.shared.knowledge import FaqKnowledge
from knowledge_base.engine import Index
from knowledge_base.model import KnowledgeBase

_INDEXES: dict[KnowledgeBase, Index] = {}


def cached_index(knowledge: KnowledgeBase) -> Index:
    """Tests build many apps over the same bundled knowledge: index each version once."""
    if knowledge not in _INDEXES:
        _INDEXES[knowledge] = Index.build(knowledge)
    return _INDEXES[knowledge]


def app_services() -> Services:
    """The services an app starts with in tests: the FAQ index cached across apps."""
    services = Services()
    services.provide(FaqKnowledge(cached_index))
    return services
