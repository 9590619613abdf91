"""What is compared: the weighted terms of a message and the indexed terms of each entry.

An entry's score mixes three coverages, each in 0..1 so that it means the same for a small and a
large knowledge base: how much of the message's information (its terms, and its character
bigrams for typos) the entry explains, and how much of the entry's closest phrasing the message
contains.
"""

from dataclasses import dataclass

from knowledge_base.model import Entry
from knowledge_base.normalize import clean, strip_politeness, strip_punctuation
from knowledge_base.questions import split_sentences
from knowledge_base.textmodel import TextModel, main_texts

# A term found only in an answer counts this much of one found in the question or variants,
# rising to ANSWER_UNIQUE for a term that no other entry uses.
ANSWER_FIELD = 0.35
ANSWER_UNIQUE = 0.6
# A term that only shares characters with the other side counts this much per shared character.
PARTIAL = 0.6
# How well an entry must contain a message term for the term to count as a shared clue.
CLUE = 0.3
# Weight of sentences that ask nothing, in a message where another sentence asks.
CONTEXT = 0.35
# Shares of the score: covering the message's terms, its bigrams, and the closest phrasing.
MESSAGE_SHARE = 0.45
BIGRAM_SHARE = 0.2
PHRASING_SHARE = 1 - MESSAGE_SHARE - BIGRAM_SHARE


@dataclass(frozen=True, slots=True)
class Query:
    """A message reduced to weighted canonical terms, its characters and its bigrams."""

    normalized: str
    is_question: bool
    weights: dict[str, float]
    chars: frozenset[str]
    bigrams: dict[str, float]
    total: float
    bigram_total: float


def analyse_query(model: TextModel, text: str) -> Query:
    """Clean, split into sentences, weight terms (asking sentences count most)."""
    sentences = split_sentences(clean(text))
    asking = any(sentence.asks for sentence in sentences)
    weights: dict[str, float] = {}
    chars: set[str] = set()
    bigrams: dict[str, float] = {}
    pieces = []
    for sentence in sentences:
        factor = 1.0 if sentence.asks or not asking else CONTEXT
        prepared = model.prepare(strip_punctuation(strip_politeness(sentence.text)))
        pieces.append(prepared)
        tokens, grams = model.analyse(prepared)
        for surface, term in tokens:
            weight = factor * model.weight(term)
            if weight > weights.get(term, 0.0):
                weights[term] = weight
            if term[0] != "?":
                chars.update(surface)
        for gram in grams:
            weight = factor * model.bigram_weight(gram)
            if weight > bigrams.get(gram, 0.0):
                bigrams[gram] = weight
    normalized = " ".join(piece for piece in pieces if piece)
    return Query(
        normalized,
        asking,
        weights,
        frozenset(chars),
        bigrams,
        sum(weights.values()),
        sum(bigrams.values()),
    )


@dataclass(frozen=True, slots=True)
class Phrasing:
    """One way of asking an entry's question: its terms and their weights."""

    weights: dict[str, float]
    total: float

    def coverage(self, query: Query) -> float:
        """Share of this phrasing's information present in the message."""
        found = 0.0
        for term, weight in self.weights.items():
            if term in query.weights:
                found += weight
            elif term[0] != "?":
                shared = sum(1 for char in term if char in query.chars)
                found += weight * PARTIAL * shared / len(term)
        return found / self.total if self.total > 0 else 0.0


@dataclass(frozen=True, slots=True)
class EntryFeatures:
    """An entry's terms, characters and bigrams (answer ones discounted) and its phrasings."""

    terms: dict[str, float]
    chars: dict[str, float]
    bigrams: dict[str, float]
    phrasings: tuple[Phrasing, ...]

    def term_factor(self, term: str) -> float:
        """How well the entry contains a message term: exactly, or by shared characters."""
        factor = self.terms.get(term)
        if factor is not None:
            return factor
        if term[0] == "?":
            return 0.0
        return PARTIAL * sum(self.chars.get(char, 0.0) for char in term) / len(term)

    def components(self, query: Query) -> tuple[float, float, float]:
        """Message term coverage, message bigram coverage, best phrasing coverage."""
        terms = sum(w * self.term_factor(t) for t, w in query.weights.items())
        grams = sum(w * self.bigrams.get(g, 0.0) for g, w in query.bigrams.items())
        phrasing = max((p.coverage(query) for p in self.phrasings), default=0.0)
        return (
            terms / query.total if query.total > 0 else 0.0,
            grams / query.bigram_total if query.bigram_total > 0 else 0.0,
            phrasing,
        )

    def matched_terms(self, query: Query) -> int:
        """How many of the message's content terms (not question words) the entry contains.

        A term counts when the entry holds it, or at least half of its characters in its
        question, variants or keywords (预算编制 in an entry about 预算).
        """
        return sum(
            1 for term in query.weights if term[0] != "?" and self.term_factor(term) >= CLUE
        )

    def score(self, query: Query) -> float:
        """Similarity in 0..1."""
        terms, grams, phrasing = self.components(query)
        return MESSAGE_SHARE * terms + BIGRAM_SHARE * grams + PHRASING_SHARE * phrasing


def _keep_max(table: dict[str, float], key: str, value: float) -> None:
    if value > table.get(key, 0.0):
        table[key] = value


def entry_features(model: TextModel, entry: Entry) -> EntryFeatures:
    """Index one entry with the knowledge base's text model."""
    terms: dict[str, float] = {}
    chars: dict[str, float] = {}
    bigrams: dict[str, float] = {}
    answer = strip_punctuation(clean(entry.answer))
    for text, main in [(answer, False)] + [(text, True) for text in main_texts(entry)]:
        tokens, grams = model.analyse_kb_text(text)
        for surface, term in tokens:
            factor = 1.0
            if not main:
                factor = max(ANSWER_FIELD, ANSWER_UNIQUE * model.specificity(term))
            _keep_max(terms, term, factor)
            if term[0] != "?":
                for char in surface:
                    _keep_max(chars, char, factor)
        for gram in grams:
            _keep_max(bigrams, gram, 1.0 if main else ANSWER_FIELD)
    phrasings = []
    for text in main_texts(entry)[: len(entry.phrasings)]:
        weights = {
            term: model.distinctive_weight(term) for _, term in model.analyse_kb_text(text)[0]
        }
        phrasings.append(Phrasing(weights, sum(weights.values())))
    return EntryFeatures(terms, chars, bigrams, tuple(phrasings))
