"""Cue lists: a pattern that finds any of a few plain words."""

from __future__ import annotations

import re


def any_word(*words: str) -> re.Pattern[str]:
    """A pattern that matches any of ``words``, each taken literally (no pattern syntax):
    ``any_word("去年", "往年")`` finds 去年 or 往年."""
    return re.compile("|".join(map(re.escape, words)))
