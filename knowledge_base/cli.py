"""The `kb` command line: ask, test, lint, export and import (wired as `shanlin kb`)."""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from knowledge_base.cli_args import DESCRIPTION, add_commands
from knowledge_base.engine import Index, Match
from knowledge_base.entries import (
    KbError,
    KnowledgeBase,
    bundled_paths,
    dump_yaml,
    export_excel,
    import_excel,
    lint_files,
    load_bundled,
    load_files,
)
from knowledge_base.evaluation import Report, evaluate, load_cases
from knowledge_base.examples import without_examples

USAGE_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description=DESCRIPTION)
    add_commands(parser)
    return parser


def _take_trailing(args: argparse.Namespace, name: str) -> None:
    """`--kb a.yaml "问题"` puts the positional into --kb's list; move it back."""
    if getattr(args, name) is None and args.kb:
        setattr(args, name, args.kb.pop())


def _load(files: Sequence[str]) -> KnowledgeBase:
    if not files:
        if not bundled_paths():
            raise KbError(
                "no knowledge base: pass --kb FILE or add YAML files to the bundled folder"
            )
        return load_bundled()
    return load_files(Path(file) for file in files)


def _print_match(match: Match, out: TextIO) -> None:
    print(f"normalized:  {match.normalized}", file=out)
    print(f"is_question: {'yes' if match.is_question else 'no'}", file=out)
    print(f"confidence:  {match.confidence:.3f}", file=out)
    print(f"decision:    {match.decision}", file=out)
    if match.ambiguous:
        names = ", ".join(entry.id for entry in match.ambiguous)
        print(f"ambiguous:   {names} (siblings the message does not tell apart)", file=out)
    for rank, candidate in enumerate(match.candidates, start=1):
        entry = candidate.entry
        print(
            f"{rank:>2}. {candidate.score:.3f}  {entry.id}  [{entry.category}] "
            f"{entry.question}  ({entry.source})",
            file=out,
        )


def _print_report(report: Report, out: TextIO) -> None:
    print(f"accuracy: {report.accuracy:.3f}  ({report.correct}/{report.answerable})", file=out)
    print(f"top3:     {report.top3:.3f}  ({report.in_top3}/{report.answerable})", file=out)
    print(f"silence:  {report.silence:.3f}  ({report.kept_silent}/{report.must_not})", file=out)
    print(
        f"precision: {report.precision:.3f}  ({report.answered_right}/{report.answered} "
        "answers given unasked)",
        file=out,
    )
    print("per category (answerable, accuracy, top3):", file=out)
    for name, score in sorted(report.categories.items()):
        print(f"  {name}: {score.answerable}  {score.accuracy:.3f}  {score.top3:.3f}", file=out)
    print(f"misses ({len(report.misses)}):", file=out)
    for miss in report.misses:
        got = ", ".join(miss.got) or "-"
        print(
            f"  [{miss.problem}] {miss.q}  expected {miss.expect or 'silence'}; "
            f"{miss.decision} {miss.confidence:.3f}: {got}",
            file=out,
        )


def _ask(args: argparse.Namespace, out: TextIO) -> int:
    _take_trailing(args, "question")
    if not args.question:
        raise KbError(f"usage: {args.kb_prog} [--kb FILE...] MESSAGE")
    _print_match(Index.build(_load(args.kb)).match(args.question, limit=args.limit), out)
    return 0


def _test(args: argparse.Namespace, out: TextIO) -> int:
    _take_trailing(args, "cases")
    if not args.cases:
        raise KbError(f"usage: {args.kb_prog} [--kb FILE...] CASES.jsonl [--json]")
    cases = load_cases(args.cases)
    # The messages measured are never learned from: examples with their texts are left out.
    kb = without_examples(_load(args.kb), (case.q for case in cases))
    report = evaluate(Index.build(kb), cases)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False), file=out)
    else:
        _print_report(report, out)
    return 0


def _lint(args: argparse.Namespace, out: TextIO) -> int:
    issues = lint_files(args.files)
    for issue in issues:
        print(issue, file=out)
    if not issues:
        print(f"ok: {len(args.files)} file(s), no issues", file=out)
    return 1 if issues else 0


def _export(args: argparse.Namespace, out: TextIO) -> int:
    _take_trailing(args, "output")
    if not args.output:
        raise KbError(f"usage: {args.kb_prog} [--kb FILE...] OUT.xlsx")
    kb = _load(args.kb)
    export_excel(kb, args.output)
    print(f"wrote {len(kb.entries)} entries to {args.output}", file=out)
    return 0


def _import(args: argparse.Namespace, out: TextIO) -> int:
    kb = import_excel(args.workbook)
    Path(args.output).write_text(dump_yaml(kb), encoding="utf-8")
    print(f"wrote {len(kb.entries)} entries to {args.output}", file=out)
    return 0


_COMMANDS = {"ask": _ask, "test": _test, "lint": _lint, "export": _export, "import": _import}


def kb_main(argv: list[str], out: TextIO | None = None) -> int:
    """Run one `kb` command; returns the exit status (2 for usage and file errors)."""
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else USAGE_ERROR
    return run_command(args, out)


def run_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the kb command parsed by a parser that ``add_commands`` set up."""
    out = out or sys.stdout
    try:
        return _COMMANDS[args.command](args, out)
    except (KbError, OSError) as error:
        print(f"{args.kb_prog}: {error}", file=sys.stderr)
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(kb_main(sys.argv[1:]))
