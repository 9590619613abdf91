"""The `shanlin tickets` command line: `detect` one message, `detect-test` a labelled file.

The knowledge base and the detector are imported only when a command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from handlers.shared.scores import ratio

USAGE_ERROR = 2
LABELS = ("problem", "other")


class CaseError(ValueError):
    """A labelled file that cannot be scored."""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    text: str
    expect: str
    category: str | None


@dataclass(frozen=True, slots=True)
class Score:
    """The measures of tickets-eval: precision and recall of problem, and category accuracy
    over the true problems (a missed problem counts as wrong)."""

    cases: int
    actual: int
    predicted: int
    true_positives: int
    right_category: int

    @property
    def precision(self) -> float:
        return ratio(self.true_positives, self.predicted)

    @property
    def recall(self) -> float:
        return ratio(self.true_positives, self.actual)

    @property
    def category_accuracy(self) -> float:
        return ratio(self.right_category, self.actual)


def load_cases(path: Path) -> list[Case]:
    """Read and check a JSON Lines file of {id, text, expect, category}."""
    from handlers.tickets.categories import CATEGORIES

    cases: list[Case] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            case = Case(str(row["id"]), row["text"], row["expect"], row.get("category"))
        except (ValueError, KeyError, TypeError) as error:
            raise CaseError(f"line {number}: not a case ({error})") from error
        if case.id in seen:
            raise CaseError(f"line {number}: duplicate id {case.id}")
        if not isinstance(case.text, str) or not case.text.strip():
            raise CaseError(f"line {number}: empty text")
        if case.expect not in LABELS:
            raise CaseError(f"line {number}: expect must be problem or other")
        if case.expect == "problem" and case.category not in CATEGORIES:
            raise CaseError(f"line {number}: category must be one of {', '.join(CATEGORIES)}")
        if case.expect == "other" and case.category is not None:
            raise CaseError(f"line {number}: an other case has no category")
        seen.add(case.id)
        cases.append(case)
    return cases


def score(cases: Sequence[Case], predictions: Sequence[tuple[str, str | None]]) -> Score:
    """Score (verdict, category) predictions, one per case."""
    pairs = list(zip(cases, predictions, strict=True))
    return Score(
        cases=len(pairs),
        actual=sum(1 for case, _ in pairs if case.expect == "problem"),
        predicted=sum(1 for _, (verdict, _) in pairs if verdict == "problem"),
        true_positives=sum(
            1 for case, (verdict, _) in pairs if case.expect == verdict == "problem"
        ),
        right_category=sum(
            1
            for case, (verdict, category) in pairs
            if case.expect == verdict == "problem" and category == case.category
        ),
    )


def _detector() -> Callable[[str], tuple[str, str | None, str]]:
    """Analyse a message as the bot does (the FAQ's match on the bundled knowledge base), then
    detect on that analysis."""
    from handlers.tickets.detect import detect
    from knowledge_base.engine import Index
    from knowledge_base.entries import bundled_paths, load_files

    index = Index.build(load_files(bundled_paths()))

    def run(text: str) -> tuple[str, str | None, str]:
        found = detect(index.match(text))
        return found.verdict, found.category, found.reason

    return run


def _detect(args: argparse.Namespace, out: TextIO) -> int:
    text = " ".join(args.text).strip()
    if not text:
        print("tickets detect: give the message, e.g. 我们项目页面一直白屏", file=sys.stderr)
        return USAGE_ERROR
    verdict, category, reason = _detector()(text)
    print(f"verdict:  {verdict}", file=out)
    print(f"category: {category or '-'}", file=out)
    print(f"because:  {reason}", file=out)
    return 0


def _detect_test(args: argparse.Namespace, out: TextIO) -> int:
    try:
        cases = load_cases(Path(args.file))
    except OSError as error:
        print(f"tickets detect-test: {error}", file=sys.stderr)
        return USAGE_ERROR
    except CaseError as error:
        print(f"tickets detect-test: {args.file}: {error}", file=sys.stderr)
        return USAGE_ERROR
    run = _detector()
    results = [run(case.text) for case in cases]
    result = score(cases, [(verdict, category) for verdict, category, _ in results])
    if args.json:
        report: dict[str, Any] = {
            "precision": round(result.precision, 4),
            "recall": round(result.recall, 4),
            "category_accuracy": round(result.category_accuracy, 4),
            "cases": result.cases,
        }
        print(json.dumps(report, ensure_ascii=False), file=out)
        return 0
    for case, (verdict, category, reason) in zip(cases, results, strict=True):
        if verdict != case.expect or (verdict == "problem" and category != case.category):
            expected = f"{case.expect}/{case.category or '-'}"
            print(
                f"✗ {case.id} expected {expected}, got {verdict}/{category or '-'} "
                f"({reason}): {case.text}",
                file=out,
            )
    print(
        f"cases {result.cases}, problems {result.actual}\n"
        f"precision         {result.precision:.3f} ({result.true_positives}/{result.predicted})\n"
        f"recall            {result.recall:.3f} ({result.true_positives}/{result.actual})\n"
        f"category accuracy {result.category_accuracy:.3f} "
        f"({result.right_category}/{result.actual})",
        file=out,
    )
    return 0


def _parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    commands = parser.add_subparsers(title="tickets commands", metavar="COMMAND")
    detect = commands.add_parser(
        "detect",
        help="say whether a group message reports a platform problem, and its category",
        description="Analyse the message as the bot does and print the verdict and category.",
    )
    detect.add_argument("text", nargs="+", help="the message, e.g. 我们项目页面一直白屏")
    detect.set_defaults(tickets_action=_detect)
    test = commands.add_parser(
        "detect-test",
        help="score problem detection on a labelled JSON Lines file",
        description=(
            "Score a file of {id, text, expect: problem|other, category} lines: precision and "
            "recall of problem, and category accuracy over the true problems."
        ),
    )
    test.add_argument("file", help="JSON Lines file, e.g. ../shared/tickets-eval/cases.jsonl")
    test.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: precision, recall, category_accuracy, cases",
    )
    test.set_defaults(tickets_action=_detect_test)
    parser.set_defaults(tickets_action=None)
    return parser


def tickets_main(argv: Sequence[str], out: TextIO | None = None) -> int:
    """Run `shanlin tickets COMMAND ...`."""
    parser = argparse.ArgumentParser(
        prog="shanlin tickets",
        description="Platform-problem tickets: noticing problem reports in group messages.",
    )
    _parser(parser)
    args = parser.parse_args(list(argv))
    if args.tickets_action is None:
        parser.print_help(out or sys.stdout)
        return USAGE_ERROR
    return int(args.tickets_action(args, out or sys.stdout))


if __name__ == "__main__":
    sys.exit(tickets_main(sys.argv[1:]))
