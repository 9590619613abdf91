"""Scores of the evaluation commands."""

from __future__ import annotations


def ratio(part: int, whole: int, empty: float = 0.0) -> float:
    """``part / whole``, or ``empty`` when there is nothing to count (``whole`` is 0)."""
    return part / whole if whole else empty
