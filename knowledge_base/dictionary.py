"""jieba's general word lists (its dictionary and IDF table), held compactly.

As Python dicts, jieba's 349,000 words with their 230,000 prefixes take about 60 MB and the
270,000-word IDF table 35 MB, in every process and again in every tokenizer's copy. Here each
list is one string of its words in code point order, with their values in an array (about
5 MB each), searched by bisection; nothing is copied per user, and the words a knowledge base
adds live in a small dict on top. jieba itself is not imported (its HMM tables cost 20 MB):
only its data files are read.
"""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
import os
from array import array
from bisect import bisect_left
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
CACHE_FORMAT = 2  # of the cached tables (marshal: strings, bytes, numbers and their containers)


def jieba_data(name: str) -> Path:
    """A data file shipped with jieba (``dict.txt``, ``analyse/idf.txt``), found without
    importing jieba."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("jieba is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / name


class SortedWords:
    """A read-only map from words to numbers: the words in code point order in one string
    (blank-separated; no word holds a blank), their values in a parallel array, and where the
    words of each first character begin and end (a lookup bisects only those)."""

    __slots__ = ("_ends", "_firsts", "_text", "_values")

    def __init__(
        self,
        text: str,
        ends: array[int],
        values: array[Any],
        firsts: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        self._text = text
        self._ends = ends
        self._values = values
        self._firsts = firsts if firsts is not None else self._first_characters()

    def _first_characters(self) -> dict[str, tuple[int, int]]:
        """Where the words of each first character begin and end (a pass over every word:
        about 0.15 s, so the cache keeps it)."""
        firsts: dict[str, tuple[int, int]] = {}
        start = 0
        for number, end in enumerate(self._ends):
            first = self._text[start]
            low, _ = firsts.get(first, (number, 0))
            firsts[first] = (low, number + 1)
            start = end + 1
        return firsts

    @classmethod
    def from_lines(cls, lines: list[str], value: Callable[[str], Any], code: str) -> SortedWords:
        """From lines "word value …"; of a word given twice, the later line's value counts (as
        in a dict filled line by line)."""
        last = {_word_of(line): line for line in lines}  # in order of first appearance
        words = sorted(last)
        ends = array("I")
        end = -1
        for word in words:
            end += len(word) + 1
            ends.append(end)
        return cls(" ".join(words), ends, array(code, (value(last[word]) for word in words)))

    def _word(self, number: int) -> str:
        start = self._ends[number - 1] + 1 if number else 0
        return self._text[start : self._ends[number]]

    def _first_from(self, text: str) -> tuple[int, str | None]:
        """The first word that is not smaller than ``text`` among those of its first
        character, and its number (None if there is none)."""
        low, high = self._firsts.get(text[:1], (0, 0))
        number = bisect_left(range(low, high), text, key=self._word) + low
        return number, self._word(number) if number < high else None

    def get(self, word: str, default: T) -> Any | T:
        """The word's value, or ``default``."""
        number, found = self._first_from(word)
        return self._values[number] if found == word else default

    def frequency(self, piece: str) -> Any | None:
        """jieba's prefix dictionary's answer for ``piece``: the value of a word, 0 for a piece
        that only begins words, None for one that begins none."""
        number, found = self._first_from(piece)
        if found is None:
            return None
        if found == piece:
            return self._values[number]
        return 0 if found.startswith(piece) else None

    def __len__(self) -> int:
        return len(self._ends)

    def values(self) -> array[Any]:
        return self._values

    def parts(self) -> tuple[str, bytes, str, bytes, dict[str, tuple[int, int]]]:
        """What the table is made of, for the cache."""
        values = self._values
        return self._text, self._ends.tobytes(), values.typecode, values.tobytes(), self._firsts

    @classmethod
    def from_parts(
        cls, text: str, ends: bytes, code: str, values: bytes, firsts: dict[str, tuple[int, int]]
    ) -> SortedWords:
        ends_array, values_array = array("I"), array(code)
        ends_array.frombytes(ends)
        values_array.frombytes(values)
        return cls(text, ends_array, values_array, firsts)


def _word_of(line: str) -> str:
    return line.partition(" ")[0]


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shanlin"


def _table(name: str, value: Callable[[str], Any], code: str) -> tuple[SortedWords, Any]:
    """The table of a jieba data file and the sum (int values) or median (float values) of its
    values; read from the cache (a few milliseconds) when made before from the same file,
    else made (about 0.5 s of CPU) and cached if the cache directory is writable."""
    source = jieba_data(name)
    stat = source.stat()
    key = f"{name.replace('/', '-')}-{stat.st_size}-{stat.st_mtime_ns}-{CACHE_FORMAT}"
    cached = _cache_dir() / f"jieba-{key}"
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        parts, summary = marshal.loads(cached.read_bytes())
        return SortedWords.from_parts(*parts), summary
    lines = [line.strip() for line in source.read_text("utf-8").split("\n") if line.strip()]
    table = SortedWords.from_lines(lines, value, code)
    if code == "d":
        values = sorted(table.values())
        summary = values[len(values) // 2]
    else:
        summary = sum(value(line) for line in lines)  # every line counts, as in jieba
    with contextlib.suppress(OSError):
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}")
        partial.write_bytes(marshal.dumps((table.parts(), summary)))
        partial.replace(cached)
    return table, summary


@lru_cache(maxsize=1)
def general_dictionary() -> tuple[SortedWords, int]:
    """jieba's dictionary (word → frequency) and the sum of its frequencies, once per process."""
    table, total = _table("dict.txt", lambda line: int(line.split(" ")[1]), "q")
    return table, int(total)


@lru_cache(maxsize=1)
def general_idf_table() -> tuple[SortedWords, float]:
    """IDF of words in a general Chinese corpus (shipped with jieba), and the median IDF."""
    table, median = _table("analyse/idf.txt", lambda line: float(line.partition(" ")[2]), "d")
    return table, float(median)


class Dictionary:
    """jieba's prefix dictionary for one tokenizer: the general words (shared by every
    tokenizer, never changed) and the words this one added. ``get`` answers as jieba's
    ``Tokenizer.FREQ.get`` does, ``add`` changes it as ``Tokenizer.add_word`` does."""

    def __init__(self) -> None:
        self._general, self.total = general_dictionary()
        self._added: dict[str, int] = {}  # words and their prefixes that the general lacks

    def get(self, piece: str) -> int | None:
        """A word's frequency, 0 for a piece that only begins words, None for one that begins
        none."""
        found = self._added.get(piece)
        if found is None:
            general = self._general.frequency(piece)
            return None if general is None else int(general)
        return found

    def add(self, word: str, freq: int) -> None:
        """Hold ``word`` with ``freq`` (the total grows by ``freq``, as in jieba), and make
        its prefixes known."""
        self._added[word] = freq
        self.total += freq
        for end in range(1, len(word)):
            if self.get(word[:end]) is None:
                self._added[word[:end]] = 0
