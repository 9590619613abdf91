"""FAQ: answering questions from the knowledge base, and managing it from chat."""

from handlers.faq.feature import FEATURE

__all__ = ["FEATURE"]
