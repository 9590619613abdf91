"""Turning text into weighted terms, with the knowledge base's vocabulary and term statistics."""

import math
import re
from collections import Counter
from collections.abc import Iterable
from sys import intern

from knowledge_base.lexicon import INTENT_WORDS, base_weight, place_names
from knowledge_base.model import Entry, KnowledgeBase
from knowledge_base.normalize import clean, normalize, strip_punctuation
from knowledge_base.phonetic import HomophoneFixer
from knowledge_base.segment import Segmenter

_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{2,12})[”\"」』》]")
# Weight kept by a term found in every entry, relative to one found in a single entry.
COMMON_TERM_FLOOR = 0.4
# Weight kept by a character found in every entry when words only share characters.
CHAR_FLOOR = 0.3
# How many words' character shares, and how many tokens' analyses, are remembered.
SHARES_CACHE = 100_000
TOKEN_CACHE = 100_000
# Dictionary frequency given to the knowledge base's words, so cuts prefer them.
KB_WORD_FREQ = 1000
# Extra weight of a message word that the knowledge base never uses.
FOREIGN_TERM = 1.5
# Weight kept by a place name the knowledge base never uses: it says where, not what is asked.
PLACE_TERM = 0.3


def term_form(text: str) -> str:
    """How a keyword or synonym is written after normalisation (politeness kept)."""
    return strip_punctuation(clean(text))


def _damped(specific: float) -> float:
    return COMMON_TERM_FLOOR + (1 - COMMON_TERM_FLOOR) * specific


def _specificity(df: int, log_n: float) -> float:
    """1 for a term of at most one entry, falling towards 0 for a term of every entry."""
    return 1.0 if df <= 1 else max(0.0, 1.0 - math.log(df) / log_n)


class TextModel:
    """Normalisation, homophone repair, segmentation and term weights for one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        synonyms = [[term_form(term) for term in group] for group in kb.synonyms]
        terms = set(_kb_terms(kb))
        self.segmenter = Segmenter(sorted(terms), synonyms)
        lexicon = set(terms) | {term for group in synonyms for term in group}
        lexicon |= {word for term in list(lexicon) for word in self.segmenter.subwords(term)}
        # Each entry's texts: question, variants and keywords, then the answer.
        entry_texts = [
            [*main_texts(entry), strip_punctuation(clean(entry.answer))] for entry in kb.entries
        ]
        for texts in entry_texts:
            for text in texts[:-1]:
                lexicon.update(self.segmenter.cut(text))
        used = set(lexicon)
        for texts in entry_texts:
            used.update(self.segmenter.cut(texts[-1]))
        self.segmenter.prefer(
            sorted(word for word in used if not word.isascii() and base_weight(word) > 0),
            KB_WORD_FREQ,
        )
        self.segmenter.forget_heads_used_alone(entry_texts)
        # surface -> ((surface, term) if the token counts, else None; its piece of a bigram run)
        self._tokens: dict[str, tuple[tuple[str, str] | None, str]] = {}
        self.fixer = HomophoneFixer(
            (term for term in lexicon if base_weight(term) > 0), self.segmenter.is_word
        )
        self._kb_texts: dict[str, tuple[list[tuple[str, str]], set[str]]] = {}
        self._phrasing_terms: dict[str, tuple[str, float, tuple[tuple[str, float], ...]]] = {}
        self._df: Counter[str] = Counter()
        self._bigram_df: Counter[str] = Counter()
        self._char_df: Counter[str] = Counter()
        for texts in entry_texts:
            analysed = [self.analyse_kb_text(text) for text in texts]
            self._df.update({term for tokens, _ in analysed for _, term in tokens})
            self._bigram_df.update({gram for _, grams in analysed for gram in grams})
            self._char_df.update(
                {
                    char
                    for tokens, _ in analysed
                    for surface, term in tokens
                    if term[0] != "?"
                    for char in surface
                }
            )
        self._log_n = math.log(max(len(kb.entries), 16) + 1)
        self._weights = {
            term: base_weight(term) * _damped(_specificity(df, self._log_n))
            for term, df in self._df.items()
        }
        self._char_weights = {
            char: CHAR_FLOOR + (1 - CHAR_FLOOR) * _specificity(df, self._log_n)
            for char, df in self._char_df.items()
        }
        self._shares: dict[str, tuple[tuple[str, float], ...]] = {}
        self._gram_weights = {
            gram: _damped(_specificity(df, self._log_n)) for gram, df in self._bigram_df.items()
        }

    def prepare(self, normalized: str) -> str:
        """Normalised text with sound-alike misspellings of known terms repaired."""
        return self.fixer.fix(normalized)

    def analyse(self, normalized: str) -> tuple[list[tuple[str, str]], set[str]]:
        """Content tokens as (surface, canonical term), and the bigrams of content words.

        Function words are dropped; they and clause ends also break the runs of characters
        that bigrams are taken from. Bigrams are interned, so a message's bigrams find the
        entries' ones by identity (fewer memory reads when entries are scored).
        """
        tokens = []
        runs = []
        known = self._tokens.get
        for surface in self.segmenter.cut(normalized):
            token, run = known(surface) or self._learn(surface)
            if token is not None:
                tokens.append(token)
            runs.append(run)
        grams = {
            intern(pair)
            for run in "".join(runs).split(" ")
            for pair in (run[i : i + 2] for i in range(len(run) - 1))
            if not pair.isascii()
        }
        return tokens, grams

    def _learn(self, surface: str) -> tuple[tuple[str, str] | None, str]:
        """What analyse() makes of one token, remembered.

        The cache also makes every occurrence of a term the same string object, so the
        message's terms find the entries' ones by identity.
        """
        if len(self._tokens) >= TOKEN_CACHE:
            self._tokens.clear()  # messages bring new words without end: stay bounded
        term = INTENT_WORDS.get(surface) or self.segmenter.canonical(surface)
        token = (surface, term) if base_weight(term) > 0 else None
        run = surface if base_weight(surface) > 0 and term[0] != "?" else " "
        found = self._tokens[surface] = (token, run)
        return found

    def analyse_kb_text(self, normalized: str) -> tuple[list[tuple[str, str]], set[str]]:
        """analyse() for knowledge-base texts, remembered while the index is being built."""
        found = self._kb_texts.get(normalized)
        if found is None:
            found = self._kb_texts[normalized] = self.analyse(normalized)
        return found

    def finish_build(self) -> None:
        """Forget the build-time analyses; the model is read-only from now on."""
        self._kb_texts = {}
        self._phrasing_terms = {}
        self.segmenter.forget_pieces()

    def terms(self, normalized: str) -> list[str]:
        """Canonical content terms (question words become intent terms such as ?when)."""
        return [term for _, term in self.analyse(normalized)[0]]

    def weight(self, term: str) -> float:
        """General informativeness, damped for terms that many entries share.

        A word the knowledge base never uses counts extra: it is what makes a question that the
        knowledge base does not cover different from one it does.
        """
        known = self._weights.get(term)
        if known is not None:
            return known
        if term in place_names():
            return base_weight(term) * PLACE_TERM
        return base_weight(term) * (1.0 if term[0] == "?" else FOREIGN_TERM)

    def knows(self, term: str) -> bool:
        """True when some entry of the knowledge base uses the term."""
        return term in self._weights

    def specificity(self, term: str) -> float:
        """1 for a term of at most one entry, towards 0 for a term of every entry."""
        return _specificity(self._df.get(term, 0), self._log_n)

    def char_shares(self, term: str) -> tuple[tuple[str, float], ...]:
        """The characters of a term and the share of its meaning each carries (summing to 1).

        A character that few entries use says more than a common one: in 拆成, 拆 is the clue.
        Characters are interned, like the ones entries are indexed by.
        """
        found = self._shares.get(term)
        if found is None:
            if len(self._shares) >= SHARES_CACHE:
                self._shares.clear()  # messages bring new words without end: stay bounded
            known = self._char_weights
            weights = [known.get(char, 1.0) for char in term]
            total = sum(weights)
            found = tuple(
                (intern(char), weight / total) for char, weight in zip(term, weights, strict=True)
            )
            self._shares[term] = found
        return found

    def distinctive_weight(self, term: str) -> float:
        """Weight of a term as evidence for one entry rather than its neighbours."""
        return self.weight(term) * max(self.specificity(term), 0.1)

    def phrasing_term(self, term: str) -> tuple[str, float, tuple[tuple[str, float], ...]]:
        """A term of an entry's phrasing: (term, distinctive weight, character shares).

        While the index is built, entries get one shared tuple per term (less memory to read
        when entries are scored).
        """
        found = self._phrasing_terms.get(term)
        if found is None:
            shares = () if term[0] == "?" else self.char_shares(term)
            found = self._phrasing_terms[term] = (term, self.distinctive_weight(term), shares)
        return found

    def bigram_weight(self, gram: str) -> float:
        """How specific a bigram is to few entries (unknown bigrams count fully)."""
        return self._gram_weights.get(gram, 1.0)


def main_texts(entry: Entry) -> list[str]:
    """The normalised question, variants and keywords of an entry."""
    return [normalize(text) for text in entry.phrasings] + [term_form(k) for k in entry.keywords]


def _kb_terms(kb: KnowledgeBase) -> Iterable[str]:
    """Terms the segmenter must keep whole: keywords, synonyms and quoted names."""
    for entry in kb.entries:
        for keyword in entry.keywords:
            yield term_form(keyword)
        for text in (*entry.phrasings, entry.answer):
            for quoted in _QUOTED.findall(clean(text)):
                term = strip_punctuation(quoted)
                if 2 <= len(term) <= 12:
                    yield term
    for group in kb.synonyms:
        for term in group:
            yield term_form(term)
