"""Word segmentation with a private jieba dictionary that knows the knowledge base's terms."""

import re
import string
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from math import log

from knowledge_base.dictionary import Dictionary
from knowledge_base.lexicon import MODERN_WORDS, base_weight

# jieba's blocks of word characters (re_han_default) and its blanks (re_skip_default).
_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_SKIP = re.compile("(\r\n|\\s)", re.U)

# Single characters that jieba glues into one token when they follow each other.
_GLUED = frozenset(string.ascii_letters + string.digits)
# General informativeness (IDF) a synonym's head word needs to stand for the whole group.
HEAD_WEIGHT = 6.5
# Entries using a head word alone that make it a word of its own rather than its group's.
HEAD_USED_ALONE = 2
# How many pieces of text the cut remembers the dictionary's verdict on.
PIECE_CACHE = 20_000
# What the cut remembers for a piece that only begins longer words (log probabilities are <= 0).
PREFIX = 1.0


class _PieceScores(dict[str, float | None]):
    """The log probability of each piece of text that the dictionary holds as a word, PREFIX for
    a piece that only begins words, None for one that begins none; remembered (bounded).

    The dictionary holds hundreds of thousands of words and prefixes, most never seen in a
    message: the few thousand that messages use are read from this small table instead, which
    stays in the processor's caches, and their logarithms are taken once.
    """

    def __init__(self, dictionary: Dictionary) -> None:
        super().__init__()
        self._dictionary = dictionary

    def __missing__(self, piece: str) -> float | None:
        if len(self) >= PIECE_CACHE:
            self.clear()  # messages bring new pieces without end: stay bounded
        count = self._dictionary.get(piece)
        score = None
        if count is not None:
            score = log(count) - log(self._dictionary.total) if count else PREFIX
        self[piece] = score
        return score


class Segmenter:
    """Cuts normalised text into tokens; synonyms come out as their group's canonical token.

    Each instance owns the words it adds to jieba's dictionary (which all share), so building a
    new one never disturbs another that is serving messages. The dictionary is loaded in the
    constructor, never on the first message.
    """

    def __init__(self, terms: Iterable[str], synonyms: Sequence[Sequence[str]]) -> None:
        self._dictionary = Dictionary()
        self._pieces = _PieceScores(self._dictionary)
        self._canonical: dict[str, str] = {}
        for group in synonyms:
            members = [member for member in group if member]
            for member in members:
                self._canonical.setdefault(member, members[0])
                self._add(member)
        terms = [*terms, *self._canonical]
        for term in (*MODERN_WORDS, *terms, *self._shared_stems(terms)):
            self._add(term)
        self._heads = self._head_words()

    def _shared_stems(self, terms: Iterable[str]) -> set[str]:
        """Stems that begin two or more terms before a word: 公募 in 公募单位 and 公募机构.

        Messages use the stem alone (公募那边), which jieba would cut into single characters;
        a stem made of words already (增加项目) is left to them.
        """
        seen: dict[str, set[str]] = {}
        for term in set(terms):
            for size in range(2, len(term) - 1):
                if self.is_word(term[size:]):
                    seen.setdefault(term[:size], set()).add(term)
        return {
            stem
            for stem, found in seen.items()
            if len(found) >= 2 and not self.is_word(stem) and not self.subwords(stem)
        }

    def _head_words(self) -> dict[str, str]:
        """Words that end a synonym (负面舆论 -> 舆论) and so stand for its group when alone.

        Chinese compounds put the head last. Only specific heads count (报告 in 结项报告 is too
        general to mean 结项), and a head shared by two groups stands for neither.
        """
        heads: dict[str, str | None] = {}
        for member, canonical in self._canonical.items():
            for start in range(1, len(member) - 1):
                head = member[start:]
                if head in self._canonical or base_weight(head) < HEAD_WEIGHT:
                    continue
                if not self.is_word(head):
                    continue
                heads[head] = canonical if heads.get(head, canonical) == canonical else None
        return {head: canonical for head, canonical in heads.items() if canonical is not None}

    def forget_heads_used_alone(self, entry_texts: Iterable[Iterable[str]]) -> None:
        """A head that the knowledge base itself uses alone in several entries has a meaning of
        its own there and stops standing for its group (筹款 is not 团队筹款 = 一起捐)."""
        heads = self._heads
        entries_using: Counter[str] = Counter()
        for texts in entry_texts:
            # Only texts holding a head somewhere are cut (most hold none).
            holding = [text for text in texts if any(head in text for head in heads)]
            entries_using.update(
                {token for text in holding for token in self.cut(text)} & heads.keys()
            )
        self._heads = {
            head: group
            for head, group in self._heads.items()
            if entries_using[head] < HEAD_USED_ALONE
        }

    def prefer(self, words: Iterable[str], freq: int) -> None:
        """Make the knowledge base's words win over rarer cuts: 捐赠人|手滑, not 捐赠|人手|滑.

        jieba picks the cut with the most probable words; a word that the knowledge base uses
        is likely in messages about it, so it gets at least `freq`.
        """
        for word in words:
            if len(word) > 1 and (self._dictionary.get(word) or 0) < freq:
                self._dictionary.add(word, freq)
        self._pieces.clear()  # the dictionary and its total have changed

    def _add(self, term: str) -> None:
        if len(term) > 1 and not self.is_word(term):
            self._dictionary.add(term, self._suggested_freq(term))
            self._pieces.clear()  # the dictionary and its total have changed

    def _suggested_freq(self, word: str) -> int:
        """The frequency that makes the cut keep ``word`` whole: jieba's suggest_freq(word)."""
        total = self._dictionary.total
        freq = 1.0
        for piece in self._pieces_of(word):
            found = self._dictionary.get(piece)
            freq *= (1 if found is None else found) / float(total)
        known = self._dictionary.get(word)
        return max(int(freq * total) + 1, 1 if known is None else known)

    def is_word(self, text: str) -> bool:
        """True when the dictionary (general or knowledge-base) holds text as a word."""
        score = self._pieces[text]
        return score is not None and score != PREFIX

    def forget_pieces(self) -> None:
        """Forget the pieces of text seen so far (those of the knowledge base while building)."""
        self._pieces.clear()

    def cut(self, text: str) -> list[str]:
        """Surface tokens of normalised text, blanks dropped.

        The same tokens as jieba's lcut(text, HMM=False), which this follows step by step.
        """
        return [token for token in self._pieces_of(text) if not token.isspace()]

    def _pieces_of(self, text: str) -> Iterator[str]:
        """jieba's cut(text, HMM=False), blanks included."""
        for block in _HAN.split(text):
            if not block:
                continue
            if _HAN.match(block):
                yield from self._cut_block(block)
            else:
                for part in _SKIP.split(block):
                    if _SKIP.match(part):
                        yield part
                    else:
                        yield from part

    def _cut_block(self, block: str) -> list[str]:
        """jieba's most probable cut of a run of word characters (its DAG and route in one pass).

        Going backwards, each position takes the word starting there that maximises the summed
        log frequencies of the rest of the cut; ties go to the longer word, as in jieba.
        """
        pieces = self._pieces
        log_total = log(self._dictionary.total)
        size = len(block)
        # The best cut of block[start:]: its log probability, and where its first word ends.
        scores = [0.0] * (size + 1)
        ends = [0] * (size + 1)
        for start in range(size - 1, -1, -1):
            best: float | None = None
            end = start
            known = pieces[block[start]]
            while known is not None:  # the dictionary holds every prefix of its words
                if known != PREFIX:  # a word, with its log probability
                    score = known + scores[end + 1]
                    if best is None or score >= best:  # a tie goes to the longer word
                        best, ends[start] = score, end
                end += 1
                if end == size:
                    break
                known = pieces[block[start : end + 1]]
            if best is None:  # an unknown character counts as a word seen once
                best, ends[start] = -log_total + scores[start + 1], start
            scores[start] = best
        words: list[str] = []
        glued = ""  # single ASCII letters and digits in a row make one token
        start = 0
        while start < size:
            end = ends[start] + 1
            word = block[start:end]
            if len(word) == 1 and word in _GLUED:
                glued += word
            else:
                if glued:
                    words.append(glued)
                    glued = ""
                words.append(word)
            start = end
        if glued:
            words.append(glued)
        return words

    def canonical(self, token: str) -> str:
        """The canonical member of the token's synonym group (or the token itself)."""
        return self._canonical.get(token) or self._heads.get(token, token)

    def tokens(self, text: str) -> list[str]:
        """Canonical tokens of normalised text."""
        return [self.canonical(token) for token in self.cut(text)]

    def subwords(self, token: str) -> list[str]:
        """Dictionary words of two or more characters inside a longer token."""
        found = []
        for size in range(2, len(token)):
            for start in range(len(token) - size + 1):
                piece = token[start : start + size]
                if self.is_word(piece):
                    found.append(piece)
        return found
