"""The `status` command line: parse one update, score the parser (wired as `shanlin status`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from handlers.status.evaluation import evaluate, load_cases
from handlers.status.parse import FIELDS, parse_update
from handlers.status.projects import Registry, load_projects_csv

USAGE_ERROR = 2
PROJECTS_HELP = "project registry CSV: id,name,aliases,org,region,domain,target_yuan"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shanlin status", description="Shanlin project status updates: parser tools"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser(
        "parse",
        help="read one update and print the fields",
        description="Read one progress update and print project, figures and stage.",
    )
    parse.add_argument("--projects", required=True, metavar="FILE", help=PROJECTS_HELP)
    parse.add_argument(
        "--region", help="region of the group, e.g. 泸州 (default: the whole registry)"
    )
    parse.add_argument("--json", action="store_true", help="print one JSON object")
    parse.add_argument("text", help="the update, e.g. '阅芽计划 已筹12.5万/目标30万'")

    test = commands.add_parser(
        "parse-test",
        help="score the parser on a labelled JSON Lines file",
        description="Score the parser: field accuracy and exact cases (status-eval measures).",
    )
    test.add_argument("--projects", required=True, metavar="FILE", help=PROJECTS_HELP)
    test.add_argument("--json", action="store_true", help="print one JSON object")
    test.add_argument("--misses", action="store_true", help="also list every wrong case")
    test.add_argument("cases", metavar="CASES", help="JSON Lines of {id, region, text, expect}")
    return parser


def status_main(argv: Sequence[str], out: TextIO | None = None) -> int:
    """Run `shanlin status …`; returns the exit code."""
    out = out or sys.stdout
    args = _parser().parse_args(list(argv))
    try:
        registry = Registry(load_projects_csv(args.projects))
        if args.command == "parse":
            return _parse(args, registry, out)
        return _parse_test(args, registry, out)
    except (OSError, ValueError, KeyError) as error:
        print(f"shanlin status: {error}", file=sys.stderr)
        return USAGE_ERROR


def _parse(args: argparse.Namespace, registry: Registry, out: TextIO) -> int:
    if args.region is not None and args.region not in registry.regions():
        print(f"note: no project of the registry is in region {args.region}", file=sys.stderr)
    update = parse_update(args.text, args.region, registry)
    resolution = update.resolution
    assert resolution is not None
    if args.json:
        payload = update.fields()
        payload["candidates"] = [p.id for p in resolution.candidates]
        payload["elsewhere"] = [p.id for p in resolution.elsewhere]
        print(json.dumps(payload, ensure_ascii=False), file=out)
        return 0
    for name in FIELDS:
        value = getattr(update, name)
        shown = "-" if value is None else str(value)
        if name == "project":
            shown = _project_line(update.project, registry, resolution.status)
        print(f"{name + ':':15s}{shown}", file=out)
    if resolution.candidates:
        names = "、".join(f"{p.name}（{p.id}）" for p in resolution.candidates)
        print(f"{'candidates:':15s}{names}  (您是指)", file=out)
    if resolution.elsewhere:
        names = "、".join(f"{p.name}（{p.region}，{p.id}）" for p in resolution.elsewhere)
        print(f"{'elsewhere:':15s}{names}", file=out)
    return 0


def _project_line(project_id: str | None, registry: Registry, status: str) -> str:
    if project_id is None:
        return f"- ({status})"
    project = registry.by_id[project_id]
    return f"{project.id} {project.name} ({project.region}, {project.org})"


def _parse_test(args: argparse.Namespace, registry: Registry, out: TextIO) -> int:
    result = evaluate(load_cases(args.cases), registry)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False), file=out)
    else:
        print(f"cases {result.cases}  scored (case, field) pairs {result.pairs}", file=out)
        print(f"field accuracy {result.field_accuracy:.3f}   exact {result.exact:.3f}", file=out)
        for name, (right, scored) in result.per_field.items():
            share = right / scored if scored else 1.0
            print(f"  {name:14s} {right:3d}/{scored:3d} = {share:.3f}", file=out)
    if args.misses:
        for miss in result.misses:
            print(f"\n{miss.case.id} [{miss.case.region}] {miss.case.text!r}", file=out)
            for name in miss.wrong:
                want, got = miss.case.expect[name], miss.predicted.get(name)
                print(f"  {name}: expected {want!r}, got {got!r}", file=out)
    return 0
