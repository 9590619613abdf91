"""What is compared: the weighted terms of a message and the indexed terms of each entry.

An entry's score mixes three coverages, each in 0..1 so that it means the same for a small and a
large knowledge base: how much of the message's information (its terms, and its character
bigrams for typos) the entry explains, and how much of the entry's closest phrasing the message
contains.
"""

from dataclasses import dataclass
from sys import intern

from knowledge_base.model import Entry
from knowledge_base.normalize import clean, strip_politeness, strip_punctuation
from knowledge_base.questions import for_a_person, split_sentences
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


Parts = tuple[tuple[str, float], ...]
# A term, its weight, and its characters with their shares (empty for intent terms).
Item = tuple[str, float, Parts]


@dataclass(frozen=True, slots=True)
class Query:
    """A message reduced to weighted canonical terms, its characters and its bigrams."""

    normalized: str
    is_question: bool
    weights: dict[str, float]
    # The message as ``normalize`` gives it, before the knowledge's own rewriting (synonyms,
    # typos): what the labelled examples are learned from.
    plain: str
    # Each content term's characters, with the share of the term's meaning each carries.
    parts: dict[str, Parts]
    items: tuple[Item, ...]
    chars: frozenset[str]
    bigrams: dict[str, float]
    total: float
    bigram_total: float

    @property
    def content_terms(self) -> int:
        """How many terms say what the message is about (question words left out)."""
        return sum(1 for term in self.weights if term[0] != "?")


def _prepared(model: TextModel, sentence: str) -> str:
    return model.prepare(strip_punctuation(strip_politeness(sentence)))


def normalized_text(model: TextModel, text: str) -> str:
    """``analyse_query(model, text).normalized`` without the rest of the analysis."""
    pieces = (_prepared(model, sentence.text) for sentence in split_sentences(clean(text)))
    return " ".join(piece for piece in pieces if piece)


def analyse_query(model: TextModel, text: str) -> Query:
    """Clean, split into sentences, weight terms (asking sentences count most)."""
    cleaned = clean(text)
    sentences = split_sentences(cleaned)
    asking = any(sentence.asks for sentence in sentences) and not for_a_person(text)
    weights: dict[str, float] = {}
    parts: dict[str, Parts] = {}
    chars: set[str] = set()
    bigrams: dict[str, float] = {}
    pieces = []
    for sentence in sentences:
        factor = 1.0 if sentence.asks or not asking else CONTEXT
        prepared = _prepared(model, sentence.text)
        pieces.append(prepared)
        tokens, grams = model.analyse(prepared)
        for surface, term in tokens:
            weight = factor * model.weight(term)
            if weight > weights.get(term, 0.0):
                weights[term] = weight
            if term[0] != "?":
                chars.update(surface)
                if term not in parts:
                    parts[term] = model.char_shares(term)
        for gram in grams:
            weight = factor * model.bigram_weight(gram)
            if weight > bigrams.get(gram, 0.0):
                bigrams[gram] = weight
    normalized = " ".join(piece for piece in pieces if piece)
    return Query(
        normalized,
        asking,
        weights,
        strip_punctuation(strip_politeness(cleaned)),
        parts,
        tuple((term, weight, parts.get(term, ())) for term, weight in weights.items()),
        frozenset(chars),
        bigrams,
        sum(weights.values()),
        sum(bigrams.values()),
    )


# A phrasing of an entry: the positions of its terms in the entry's phrasing terms, and the
# sum of their weights.
Phrasing = tuple[tuple[int, ...], float]


@dataclass(frozen=True, slots=True)
class EntryFeatures:
    """An entry's terms, characters and bigrams (answer ones discounted) and its phrasings.

    The phrasings of an entry share most of their terms, so each distinct term is stored once
    (phrase_terms) and a phrasing lists the positions of its terms there.
    """

    terms: dict[str, float]
    chars: dict[str, float]
    bigrams: dict[str, float]
    phrase_terms: tuple[Item, ...]
    phrasings: tuple[Phrasing, ...]

    def term_factor(self, term: str, query: Query) -> float:
        """How well the entry contains a message term: exactly, or by shared characters."""
        factor = self.terms.get(term)
        if factor is not None:
            return factor
        if term[0] == "?":
            return 0.0
        chars = self.chars
        return PARTIAL * sum(chars.get(char, 0.0) * share for char, share in query.parts[term])

    def components(self, query: Query) -> tuple[float, float, float]:
        """Message term coverage, message bigram coverage, best phrasing coverage."""
        found = 0.0
        term_factor = self.terms.get
        char_factor = self.chars.get
        for term, weight, parts in query.items:
            factor = term_factor(term)
            if factor is None:
                if not parts:
                    continue
                factor = 0.0
                for char, share in parts:
                    factor += char_factor(char, 0.0) * share
                factor *= PARTIAL
            found += weight * factor
        gram_factor = self.bigrams.get
        grams = 0.0
        for gram, weight in query.bigrams.items():
            grams += weight * gram_factor(gram, 0.0)
        return (
            found / query.total if query.total > 0 else 0.0,
            grams / query.bigram_total if query.bigram_total > 0 else 0.0,
            self.phrasing_coverage(query),
        )

    def phrasing_coverage(self, query: Query) -> float:
        """The largest share of one phrasing's information present in the message.

        A phrasing term found in the message counts fully; one that is not counts by the
        message's characters it holds.
        """
        weights = query.weights
        chars = query.chars
        present = []
        for term, weight, parts in self.phrase_terms:
            if term in weights:
                present.append(weight)
                continue
            shared = 0.0
            for char, share in parts:
                if char in chars:
                    shared += share
            present.append(weight * PARTIAL * shared)
        best = 0.0
        for positions, total in self.phrasings:
            found = 0.0
            for position in positions:
                found += present[position]
            coverage = found / total
            if coverage > best:
                best = coverage
        return best

    def matched_terms(self, query: Query) -> int:
        """How many of the message's content terms (not question words) the entry contains.

        A term counts when the entry holds it, or at least half of its characters in its
        question, variants or keywords (预算编制 in an entry about 预算).
        """
        return sum(
            1 for term in query.weights if term[0] != "?" and self.term_factor(term, query) >= CLUE
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
                for char in surface:  # interned: one shared string per character, not per entry
                    _keep_max(chars, intern(char), factor)
        for gram in grams:
            _keep_max(bigrams, gram, 1.0 if main else ANSWER_FIELD)
    phrase_terms: dict[str, int] = {}
    phrasings = []
    for text in main_texts(entry)[: len(entry.phrasings)]:
        weights = {
            term: model.distinctive_weight(term) for _, term in model.analyse_kb_text(text)[0]
        }
        total = sum(weights.values())
        if total > 0:
            positions = tuple(phrase_terms.setdefault(term, len(phrase_terms)) for term in weights)
            phrasings.append((positions, total))
    items = tuple(model.phrasing_term(term) for term in phrase_terms)
    return EntryFeatures(terms, chars, bigrams, items, tuple(phrasings))
