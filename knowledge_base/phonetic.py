"""Homophone repair: spans that sound like a knowledge-base term are replaced by that term.

Staff type with pinyin keyboards and voice input, so 与论 stands for 舆论, 陪捐 for 配捐 and
提e for 提额. A span is repaired only when it shares a character with the term and is not itself
a known word, so real words are left alone.
"""

import importlib.util
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _character_readings() -> dict[int, str]:
    """pypinyin's table of single characters (code point → readings, comma-separated), read
    from its data file: importing ``pypinyin.pinyin_dict`` runs the package's ``__init__``,
    which loads its phrase dictionary too (about 55 MB resident, never used here). Read when
    first needed (building an index), not at import."""
    spec = importlib.util.find_spec("pypinyin")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pypinyin is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    return {int(code): readings for code, readings in json.loads(path.read_text("utf-8")).items()}


_UNIT = re.compile(r"[a-z]+|.", re.DOTALL)
_NUMERALS = ("ling", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu")
_DIGITS = dict(zip("0123456789", _NUMERALS, strict=True))
# Particles that end a sentence (吗, 嘛, 呢 ...): they sound like the end of many terms.
_FINAL_PARTICLES = frozenset("吗嘛么呢吧啊呀哈哦喔噢嗯哇啦咯呗")
_TERM = ""  # the key under which a trie node stores the term that ends there

Trie = dict[str, "Trie | str"]


@lru_cache(maxsize=16384)
def syllable(unit: str) -> str:
    """Toneless pinyin of a character; digits read as Chinese numerals; ASCII words as is."""
    if unit in _DIGITS:
        return _DIGITS[unit]
    if len(unit) > 1 or unit.isascii():
        return unit
    found = readings(unit)
    return found[0] if found else unit


def _toneless(reading: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c)
    )


@lru_cache(maxsize=16384)
def readings(char: str) -> tuple[str, ...]:
    """Every toneless reading of a Chinese character (多音字 have several); none for others."""
    table = _character_readings().get(ord(char)) if len(char) == 1 else None
    return tuple(dict.fromkeys(_toneless(r) for r in table.split(","))) if table else ()


def units(text: str) -> list[str]:
    """Characters of text, with each run of ASCII letters kept as one unit."""
    return _UNIT.findall(text)


class HomophoneFixer:
    """Replaces sound-alike misspellings of known terms (immutable once built)."""

    def __init__(self, terms: Iterable[str], is_word: Callable[[str], bool]) -> None:
        self._trie: Trie = {}
        ambiguous: set[str] = set()
        for term in terms:
            pieces = units(term)
            if len(pieces) < 2 or " " in term:
                continue
            node = self._trie
            for piece in pieces:
                child = node.setdefault(syllable(piece), {})
                assert isinstance(child, dict)
                node = child
            known = node.get(_TERM)
            if isinstance(known, str) and known != term:
                ambiguous.add(" ".join(syllable(piece) for piece in pieces))
            node[_TERM] = term
        for sound in ambiguous:  # two terms sound alike: repair neither
            node = self._trie
            for part in sound.split(" "):
                child = node[part]
                assert isinstance(child, dict)
                node = child
            del node[_TERM]
        self._is_word = is_word

    def _longest(self, sounds: list[str], start: int) -> tuple[int, str] | None:
        """The longest known term whose sound starts at `start`, as (length, term)."""
        node = self._trie
        found = None
        for index in range(start, len(sounds)):
            child = node.get(sounds[index])
            if not isinstance(child, dict):
                break
            node = child
            term = node.get(_TERM)
            if isinstance(term, str):
                found = (index - start + 1, term)
        return found

    def fix(self, text: str) -> str:
        """Return text with sound-alike spans replaced by the knowledge base's spelling."""
        pieces = units(text)
        sounds = [syllable(piece) for piece in pieces]
        starts = self._trie  # most units begin no term: skip the walk for them
        out: list[str] = []
        i = 0
        while i < len(pieces):
            found = self._longest(sounds, i) if sounds[i] in starts else None
            if found is not None:
                size, term = found
                span = "".join(pieces[i : i + size])
                if span == term or (
                    self._repairable(span, term) and not self._straddles(pieces, i, i + size)
                ):
                    out.append(term)
                    i += size
                    continue
            out.append(pieces[i])
            i += 1
        return "".join(out)

    def _straddles(self, pieces: list[str], start: int, end: int) -> bool:
        """True when a word crosses an edge of the span (可以支出 is not 可 + 一支 + 出)."""
        before = start > 0 and self._is_word(pieces[start - 1] + pieces[start])
        return before or (end < len(pieces) and self._is_word(pieces[end - 1] + pieces[end]))

    def _repairable(self, span: str, term: str) -> bool:
        """A span may be replaced if it looks like a one-character slip, not a real word.

        A sentence-final particle is not a slip: 几个项目嘛 is not 几个项目码.
        """
        if span[-1] in _FINAL_PARTICLES and span[-1] != term[-1]:
            return False
        return not set(span).isdisjoint(term) and not self._is_word(span)
