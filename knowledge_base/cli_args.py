"""The `kb` command line's arguments, apart from the tools (which load jieba): `shanlin`
builds its own parser with them without loading the FAQ engine."""

import argparse

DESCRIPTION = "Shanlin FAQ knowledge base tools"


def add_commands(parser: argparse.ArgumentParser) -> None:
    """The kb subcommands, under ``parser`` (its prog names them: `kb ask`, `shanlin kb ask`)."""
    commands = parser.add_subparsers(dest="command", required=True, title="commands")
    kb_help = "knowledge-base YAML files (default: the bundled ones)"

    ask = commands.add_parser("ask", help="match one message and show the decision")
    ask.add_argument("--kb", nargs="+", action="extend", default=[], metavar="FILE", help=kb_help)
    ask.add_argument("--limit", type=int, default=3, help="how many candidates to show")
    ask.add_argument("question", nargs="?", help="the message, e.g. 配捐比例是多少？")

    test = commands.add_parser("test", help="measure accuracy, top-3 and silence on cases")
    test.add_argument("--kb", nargs="+", action="extend", default=[], metavar="FILE", help=kb_help)
    test.add_argument("--json", action="store_true", help="print one JSON object")
    test.add_argument("cases", nargs="?", help="JSON Lines file of {q, expect}")

    lint = commands.add_parser("lint", help="check knowledge-base files (exit 1 on issues)")
    lint.add_argument("files", nargs="+", metavar="FILE")

    export = commands.add_parser("export", help="write the knowledge base to an Excel workbook")
    export.add_argument(
        "--kb", nargs="+", action="extend", default=[], metavar="FILE", help=kb_help
    )
    export.add_argument("output", nargs="?", help="OUT.xlsx")

    imp = commands.add_parser("import", help="convert an Excel workbook to a YAML file")
    imp.add_argument("workbook", help="IN.xlsx")
    imp.add_argument("output", help="OUT.yaml")
    for command in (ask, test, lint, export, imp):
        command.set_defaults(kb_prog=command.prog)
