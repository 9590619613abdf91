"""Faster scanning for patterns with many alternatives.

Python's regex engine tries every alternative of a pattern at every position of the text. A
pattern of sixty phrases that each begin with one of a hundred-odd characters is much quicker
to scan behind a lookahead for those characters: most positions then fail at one set test.
``guarded`` works out that set from the pattern itself, so it cannot drift from the phrases.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

# The parser of the standard library's regex compiler (private: if it changes shape, patterns
# are compiled unguarded, which is slower and finds exactly the same).
try:
    _parser: Any = importlib.import_module("re._parser")
    _codes: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - other Python versions
    _parser = _codes = None

# A character class wider than this is as good as "any character".
_WIDEST = 3000


def _class_chars(items: Any) -> set[str] | None:
    chars: set[str] = set()
    for op, value in items:
        if op is _codes.LITERAL:
            chars.add(chr(value))
        elif op is _codes.RANGE and value[1] - value[0] <= _WIDEST:
            chars.update(chr(code) for code in range(value[0], value[1] + 1))
        else:  # negated sets, categories (\s, \w), wide ranges
            return None
    return chars


def _first(items: list[Any]) -> tuple[set[str] | None, bool]:
    """The characters a match of this sequence can begin with (None: any), and whether it
    can match the empty string."""
    found: set[str] = set()
    for op, value in items:
        if op is _codes.ASSERT and value[0] == 1:  # a lookahead: what follows must begin so
            chars, empty = _first(list(value[1]))
            if chars is not None and not empty:
                return found | chars, False
        if op in (_codes.ASSERT, _codes.ASSERT_NOT, _codes.AT):
            continue  # zero-width: the next item gives the first character
        if op is _codes.LITERAL:
            found.add(chr(value))
            return found, False
        if op is _codes.IN:
            chars = _class_chars(value)
            if chars is None:
                return None, False
            return found | chars, False
        if op is _codes.SUBPATTERN:
            alternatives = [list(value[3])]
            can_skip = False
        elif op is _codes.BRANCH:
            alternatives = [list(branch) for branch in value[1]]
            can_skip = False
        elif op in (_codes.MAX_REPEAT, _codes.MIN_REPEAT):
            alternatives = [list(value[2])]
            can_skip = value[0] == 0
        else:  # any character, back references, conditionals...
            return None, False
        for alternative in alternatives:
            chars, empty = _first(alternative)
            if chars is None:
                return None, False
            found |= chars
            can_skip = can_skip or empty
        if not can_skip:
            return found, False
    return found, True


def first_chars(pattern: str) -> str | None:
    """Every character a match of the pattern can begin with, or None if that is not known
    or the pattern can match the empty string."""
    if _parser is None:
        return None
    try:
        chars, empty = _first(list(_parser.parse(pattern)))
    except (AttributeError, TypeError, ValueError, IndexError):
        return None
    if chars is None or empty:
        return None
    return "".join(sorted(chars))


def guarded(pattern: str) -> re.Pattern[str]:
    """The pattern compiled behind a lookahead for the characters its matches begin with."""
    chars = first_chars(pattern)
    if chars is None:
        return re.compile(pattern)
    escaped = "".join(re.escape(char) for char in chars)
    return re.compile(f"(?=[{escaped}])(?:{pattern})")
