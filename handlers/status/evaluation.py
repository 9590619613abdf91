"""Score the update parser on a labelled file, with the measures of status-eval/README.md.

- field accuracy: over all (case, field) pairs of the seven fields where the expected or the
  predicted value is non-null, the share that is right (amounts equal to the yuan, percent
  within 0.5, the other fields equal);
- exact: the share of cases with all seven fields right (both null counts as right).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handlers.shared.scores import ratio
from handlers.status.parse import FIELDS, parse_update
from handlers.status.projects import Registry


@dataclass(frozen=True)
class Case:
    id: str
    region: str
    text: str
    expect: dict[str, Any]


def load_cases(path: Path | str) -> list[Case]:
    """Read a JSON Lines file of {id, region, text, expect} objects."""
    cases = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            raw = json.loads(line)
            expect = raw.get("expect") or {}
            missing = [name for name in FIELDS if name not in expect]
            if missing:
                raise ValueError(f"{path}:{number}: expect lacks {', '.join(missing)}")
            cases.append(Case(str(raw.get("id", number)), raw["region"], raw["text"], expect))
    return cases


def field_right(name: str, expected: Any, predicted: Any) -> bool:
    """Whether one predicted field counts as right."""
    if expected is None or predicted is None:
        return expected is None and predicted is None
    if name == "percent":
        return abs(float(expected) - float(predicted)) <= 0.5
    if name in ("raised_yuan", "target_yuan"):
        return round(float(expected)) == round(float(predicted))
    return bool(expected == predicted)


@dataclass
class Miss:
    case: Case
    predicted: dict[str, Any]
    wrong: list[str]


@dataclass
class Score:
    cases: int = 0
    exact_cases: int = 0
    # per field: [right, scored]; scored are the cases where the expected or the predicted
    # value is non-null
    per_field: dict[str, list[int]] = field(default_factory=lambda: {f: [0, 0] for f in FIELDS})
    misses: list[Miss] = field(default_factory=list)

    @property
    def pairs(self) -> int:
        """The (case, field) pairs scored."""
        return sum(scored for _, scored in self.per_field.values())

    @property
    def right(self) -> int:
        return sum(right for right, _ in self.per_field.values())

    @property
    def field_accuracy(self) -> float:
        return ratio(self.right, self.pairs, empty=1.0)

    @property
    def exact(self) -> float:
        return ratio(self.exact_cases, self.cases, empty=1.0)

    def as_json(self) -> dict[str, Any]:
        return {
            "field_accuracy": self.field_accuracy,
            "exact": self.exact,
            "cases": self.cases,
            "pairs": self.pairs,
            "per_field": {
                name: {"right": r, "scored": n} for name, (r, n) in self.per_field.items()
            },
        }


def score(cases: Sequence[Case], predictions: Sequence[dict[str, Any]]) -> Score:
    """Both measures over ``cases`` and the parser's ``predictions`` (same order)."""
    result = Score(cases=len(cases))
    for case, predicted in zip(cases, predictions, strict=True):
        wrong = []
        for name in FIELDS:
            expected, got = case.expect[name], predicted.get(name)
            ok = field_right(name, expected, got)
            if not ok:
                wrong.append(name)
            if expected is None and got is None:
                continue
            result.per_field[name][0] += ok
            result.per_field[name][1] += 1
        if wrong:
            result.misses.append(Miss(case, predicted, wrong))
        else:
            result.exact_cases += 1
    return result


def evaluate(cases: Sequence[Case], registry: Registry) -> Score:
    """Parse every case and score the result."""
    predictions = [parse_update(c.text, c.region, registry).fields() for c in cases]
    return score(cases, predictions)
