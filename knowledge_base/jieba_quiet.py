"""Import jieba without its import-time warnings and start-up chatter."""

import logging
import warnings
from functools import lru_cache

with warnings.catch_warnings():
    # jieba 0.42 has invalid escape sequences and may import the deprecated pkg_resources.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    warnings.filterwarnings("ignore", message=".*pkg_resources.*")
    import jieba

jieba.setLogLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _base_dictionary() -> tuple[dict[str, int], int]:
    """jieba's default prefix dictionary and total frequency, loaded once per process."""
    tokenizer = jieba.Tokenizer()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*pkg_resources.*")
        tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


def new_tokenizer() -> jieba.Tokenizer:
    """A private, fully loaded tokenizer with jieba's default dictionary.

    The dictionary is read from disk once per process; each tokenizer gets its own copy, so
    words added to one never show in another.
    """
    freq, total = _base_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = dict(freq)
    tokenizer.total = total
    tokenizer.initialized = True
    return tokenizer
