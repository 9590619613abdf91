"""Measuring an index on labelled messages: accuracy, top-3, silence, per category, misses."""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from knowledge_base.engine import Index, Match
from knowledge_base.examples import read_labelled

TOP = 3


@dataclass(frozen=True, slots=True)
class Case:
    """A message and the entry that answers it (None: the bot must not answer)."""

    q: str
    expect: str | None


@dataclass(frozen=True, slots=True)
class Miss:
    """A case the index got wrong, and what it did instead."""

    q: str
    expect: str | None
    decision: str
    got: tuple[str, ...]
    confidence: float
    problem: str


@dataclass(slots=True)
class CategoryScore:
    """Answerable cases of one category (the expected entry's)."""

    answerable: int = 0
    correct: int = 0
    in_top3: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.answerable if self.answerable else 0.0

    @property
    def top3(self) -> float:
        return self.in_top3 / self.answerable if self.answerable else 0.0


@dataclass(slots=True)
class Report(CategoryScore):
    """The measures of the kb-eval README, per category, and the misses."""

    must_not: int = 0
    kept_silent: int = 0
    # Messages the bot answers on its own (unaddressed in a group, confident), and how many of
    # those answers are right (an answer to a must-not message is wrong).
    answered: int = 0
    answered_right: int = 0
    categories: dict[str, CategoryScore] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)

    @property
    def silence(self) -> float:
        return self.kept_silent / self.must_not if self.must_not else 1.0

    @property
    def precision(self) -> float:
        """The share of the bot's own answers that are right (1.0 when it answers nothing)."""
        return self.answered_right / self.answered if self.answered else 1.0

    def to_json(self) -> dict[str, Any]:
        """One JSON-ready object with the measures, the categories and the misses."""
        return {
            "accuracy": round(self.accuracy, 4),
            "top3": round(self.top3, 4),
            "silence": round(self.silence, 4),
            "precision": round(self.precision, 4),
            "answered": self.answered,
            "answerable": self.answerable,
            "must_not": self.must_not,
            "categories": {
                name: {
                    "answerable": score.answerable,
                    "accuracy": round(score.accuracy, 4),
                    "top3": round(score.top3, 4),
                }
                for name, score in sorted(self.categories.items())
            },
            "misses": [asdict(miss) for miss in self.misses],
        }


def load_cases(path: Path | str) -> list[Case]:
    """Read a JSON Lines file of {"q": ..., "expect": id-or-null}; KbError names bad lines."""
    return [Case(question, expect) for question, expect, _ in read_labelled(path)]


def _miss(case: Case, match: Match, problem: str) -> Miss:
    got = tuple(candidate.entry.id for candidate in match.candidates)
    return Miss(case.q, case.expect, match.decision, got, match.confidence, problem)


def evaluate(index: Index, cases: Iterable[Case]) -> Report:
    """Run every case through the index and count the README's measures."""
    report = Report()
    for case in cases:
        match = index.match(case.q, limit=TOP)
        answered = match.decision == "answer"
        report.answered += answered
        if case.expect is None:
            report.must_not += 1
            if answered:
                report.misses.append(_miss(case, match, "answered a must-not message"))
            else:
                report.kept_silent += 1
            continue
        entry = index.kb.get(case.expect)
        category = entry.category if entry else "(unknown id)"
        score = report.categories.setdefault(category, CategoryScore())
        report.answerable += 1
        score.answerable += 1
        ids = [candidate.entry.id for candidate in match.candidates[:TOP]]
        correct = answered and bool(ids) and ids[0] == case.expect
        report.correct += correct
        report.answered_right += correct
        score.correct += correct
        report.in_top3 += case.expect in ids
        score.in_top3 += case.expect in ids
        if not correct:
            problem = "wrong entry" if answered else f"not answered ({match.decision})"
            if case.expect not in ids:
                problem += ", not in top 3"
            report.misses.append(_miss(case, match, problem))
    return report
