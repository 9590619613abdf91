"""Labelled messages as a second opinion on the matcher's answer.

Examples are messages people wrote, each with the entry that answers it (None: the bot must
leave it alone), in the JSON Lines format of the evaluation cases. From them and the entries'
phrasings, a multinomial naive Bayes model over character n-grams learns how people really ask
for each entry. It is only asked to choose among the matcher's own shortlist (and "none"), so its
cost does not grow with the knowledge base, and it never brings in an entry the matcher did not
find. Measured on fresh blind rounds (docs/faq-research.md, "Labelled messages as a second
opinion"), it removes most wrong unasked answers and settles close siblings the words cannot.
"""

import heapq
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path
from sys import intern

from knowledge_base.model import Example, KbError, KnowledgeBase
from knowledge_base.normalize import normalize

# Fewer labelled messages than this and the model stays out: the entries' own phrasings alone
# cost the development set accuracy (0.787 → 0.720) for no precision.
MIN_EXAMPLES = 200
# Additive smoothing of the n-gram counts (chosen on blind rounds 11-16, each left out in turn).
ALPHA = 0.03
GRAM_SIZES = (1, 2, 3)
# Beyond the matcher's shortlist the model looks at the entries that share the message's rarer
# n-grams (two or three characters held by at most HOLDERS entries' examples), the EXTRA that
# share most of them: an entry whose words the message lacks but whose askers wrote like it.
HOLDERS = 8
EXTRA = 3
# The fewest known n-grams a lead is averaged over (a two-character question has about eight).
EVIDENCE = 8


def read_labelled(path: Path | str) -> list[tuple[str, str | None, int]]:
    """(message, expected id or None, line number) of a JSON Lines file of
    {"q": ..., "expect": id-or-null}; KbError names bad lines."""
    rows = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            question, expect = item["q"], item.get("expect")
        except (ValueError, KeyError, TypeError) as error:
            raise KbError(f"{path}:{number}: not a case object: {error}") from error
        if not isinstance(question, str) or not (expect is None or isinstance(expect, str)):
            raise KbError(f"{path}:{number}: 'q' must be text and 'expect' an id or null")
        rows.append((question, expect, number))
    return rows


def load_examples(paths: Iterable[Path | str]) -> tuple[Example, ...]:
    """The labelled messages of these files, each with its "file:line"."""
    return tuple(
        Example(text, expect, f"{Path(path).name}:{line}")
        for path in paths
        for text, expect, line in read_labelled(path)
    )


def without_examples(kb: KnowledgeBase, texts: Iterable[str]) -> KnowledgeBase:
    """The knowledge base minus the examples with these texts: a set being measured must not
    be learned from."""
    held_out = {normalize(text) for text in texts}
    kept = tuple(example for example in kb.examples if normalize(example.text) not in held_out)
    return KnowledgeBase(kb.entries, kb.synonyms, kept)


def grams(text: str) -> frozenset[str]:
    """The character 1-3-grams of the text, normalised (each counted once)."""
    return normalized_grams(normalize(text))


def normalized_grams(normalized: str) -> frozenset[str]:
    """The character 1-3-grams of text that ``normalize`` has already been through."""
    padded = f" {normalized} "
    return frozenset(
        gram
        for size in GRAM_SIZES
        for start in range(len(padded) - size + 1)
        if (gram := padded[start : start + size]).strip()
    )


@dataclass(frozen=True, slots=True)
class Opinion:
    """The examples' favourite among the choices (None: leave the message alone), and its lead:
    how much likelier it makes each known n-gram of the message than "leave it alone" does
    (the mean log-likelihood ratio; 0.0 when the favourite is None)."""

    favourite: str | None
    lead: float
    # An entry outside the choices that the examples make likelier than every choice and than
    # leaving the message alone (None when there is none).
    outside: str | None = None


def _most_shared(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


_NOUGHT = repeat(0.0)  # the bonus of a gram a class never saw (map stops at the grams' end)
_LAST_BUILT: dict[object, "ExampleModel | None"] = {}
# Per label, a gram's count: plain dictionaries of strings and numbers, which the garbage
# collector does not track (a Counter it would walk through on every full pass).
Counts = dict[str | None, dict[str, int]]
_COUNTED: dict[tuple[Example, ...], Counts] = {}


def _count(table: dict[str, int], document: frozenset[str]) -> None:
    for gram in document:
        gram = intern(gram)
        table[gram] = table.get(gram, 0) + 1


def counted(examples: tuple[Example, ...]) -> Counts:
    """Per label, in how many of these examples each gram occurs (grams interned). The last
    set counted is kept: the bundled examples are counted once per process, and an index
    rebuilt after an edit in chat only adds the entries' phrasings."""
    if examples not in _COUNTED:
        counts: Counts = {}
        for example in examples:
            _count(counts.setdefault(example.entry_id, {}), grams(example.text))
        _COUNTED.clear()
        _COUNTED[examples] = counts
    return _COUNTED[examples]


class ExampleModel:
    """Per class (an entry id, or None for "leave alone"), the log-likelihood of each n-gram,
    learned from how many of its documents hold it; and, for looking beyond the matcher's
    shortlist, which entries' documents hold each rarer n-gram."""

    def __init__(self, counts: Counts) -> None:
        vocabulary = set().union(*counts.values())
        # A message's grams are looked up here and come back interned, so that they find the
        # tables' keys (interned when counted) by identity.
        self._vocabulary = dict(zip(vocabulary, vocabulary, strict=True))
        size = len(vocabulary)
        # log P(gram | class) = log(count + ALPHA) - log(total + ALPHA * |V|): the class's floor
        # for a gram it never saw, plus a bonus that depends on the count alone.
        self._floor = {
            label: math.log(ALPHA) - math.log(sum(table.values()) + ALPHA * size)
            for label, table in counts.items()
        }
        most = max((max(table.values(), default=0) for table in counts.values()), default=0)
        bonus = [0.0] + [math.log((count + ALPHA) / ALPHA) for count in range(1, most + 1)]
        # Per class, each gram's bonus (the floats shared between classes, one per count).
        self._bonus = {
            label: {gram: bonus[count] for gram, count in table.items()}
            for label, table in counts.items()
        }
        holders: dict[str, list[str]] = {}
        for label, table in counts.items():
            if label is not None:
                for gram in table:
                    if len(gram) > 1:
                        holders.setdefault(gram, []).append(label)
        # Grams held by the same entries share one tuple (about 6,000 sets among 47,000 grams).
        same: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._holders = {
            gram: same.setdefault(held, held)
            for gram, labels in holders.items()
            if len(held := tuple(labels)) <= HOLDERS
        }

    @classmethod
    def build(cls, kb: KnowledgeBase) -> "ExampleModel | None":
        """The model of these entries and examples, or None with too few examples to learn;
        the last one built is kept (a reload with unchanged phrasings and examples reuses it)."""
        key = (tuple((entry.id, entry.phrasings) for entry in kb.entries), kb.examples)
        if key not in _LAST_BUILT:
            _LAST_BUILT.clear()
            _LAST_BUILT[key] = cls._learn(kb)
        return _LAST_BUILT[key]

    @classmethod
    def _learn(cls, kb: KnowledgeBase) -> "ExampleModel | None":
        known = {entry.id for entry in kb.entries}
        usable = [e for e in kb.examples if e.entry_id is None or e.entry_id in known]
        if len(usable) < MIN_EXAMPLES or all(e.entry_id is not None for e in usable):
            return None  # too few to learn from, or nothing labelled "leave it alone"
        counts = {
            label: table.copy()
            for label, table in counted(kb.examples).items()
            if label is None or label in known
        }
        for entry in kb.entries:
            table = counts.setdefault(entry.id, {})
            for phrasing in entry.phrasings:
                _count(table, grams(phrasing))
        return cls(counts)

    def opinion(self, normalized: str, choices: Sequence[str]) -> Opinion:
        """Which of these entry ids, or None ("leave it alone"), the examples make likeliest
        for a message (as ``normalize`` gives it), by how much over "leave it alone", and any
        entry beyond the choices that they make likelier still."""
        seen = [
            known
            for gram in normalized_grams(normalized)
            if (known := self._vocabulary.get(gram)) is not None
        ]
        scores = self._scores(seen, (*choices, None))
        if not scores or not seen:
            return Opinion(None, 0.0)  # nothing it has seen: no entry to vouch for
        best = max(scores, key=scores.__getitem__)
        # Per known gram, but over no fewer than EVIDENCE of them: two known letters of qwxz
        # are too little to vouch for an entry however much likelier they make it.
        spread = max(len(seen), EVIDENCE)
        lead = (scores[best] - scores[None]) / spread if best is not None else 0.0
        sharing = Counter(chain.from_iterable(map(self._holders.get, seen, repeat(()))))
        for label in choices:
            sharing.pop(label, None)
        # The most shared first, ties by id (not by the order the message's grams came in).
        others = heapq.nsmallest(EXTRA, sharing.items(), key=_most_shared)
        beyond = self._scores(seen, [label for label, _ in others])
        outside = max(beyond, key=beyond.__getitem__, default=None)
        if outside is not None and beyond[outside] <= scores[best]:
            outside = None
        return Opinion(best, lead, outside)

    def _scores(self, seen: list[str], labels: Iterable[str | None]) -> dict[str | None, float]:
        """The log-likelihood of the message's known n-grams under each of these labels."""
        scores: dict[str | None, float] = {}
        for label in labels:
            table = self._bonus.get(label)
            if table is None:
                continue  # an entry without phrasings or examples: no opinion on it
            scores[label] = len(seen) * self._floor[label] + sum(map(table.get, seen, _NOUGHT))
        return scores
