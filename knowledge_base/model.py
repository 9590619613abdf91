"""The knowledge base's data: entries, synonym groups, and the errors found in its files."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    """One question the bot can answer; source is "file:line" of its definition."""

    id: str
    category: str
    question: str
    variants: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    source: str

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical question followed by its variants."""
        return (self.question, *self.variants)


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Entries and synonym groups (each group interchangeable), as loaded from files."""

    entries: tuple[Entry, ...]
    synonyms: tuple[tuple[str, ...], ...] = ()

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, if any."""
        return next((entry for entry in self.entries if entry.id == entry_id), None)


@dataclass(frozen=True, slots=True)
class LintIssue:
    """A problem in a knowledge-base file, at a 1-based line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KbError(ValueError):
    """A knowledge base that cannot be loaded; the message names files and lines."""
