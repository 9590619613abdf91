"""The knowledge base's data: entries, synonym groups, and the errors found in its files."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    """One question the bot can answer; source is "file:line" of its definition.

    Siblings: entries of one topic answer neighbouring questions (an entry without a topic
    has no siblings). A topic may have one general entry, the others being specific ones; and an
    entry may list what it is not about (phrasings that belong to a sibling or elsewhere).
    """

    id: str
    category: str
    question: str
    variants: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    source: str
    topic: str = ""
    general: bool = False
    not_about: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical question followed by its variants."""
        return (self.question, *self.variants)

    @property
    def siblings_key(self) -> str:
        """The topic that groups this entry with its siblings (its own id if none is set)."""
        return self.topic or f"#{self.id}"


@dataclass(frozen=True, slots=True)
class Example:
    """A message someone wrote and the entry that answers it (None: the bot must leave it
    alone); source is "file:line"."""

    text: str
    entry_id: str | None
    source: str


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Entries, synonym groups (each group interchangeable) and labelled example messages, as
    loaded from files."""

    entries: tuple[Entry, ...]
    synonyms: tuple[tuple[str, ...], ...] = ()
    examples: tuple[Example, ...] = ()

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
