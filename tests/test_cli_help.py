"""Every `shanlin` command and subcommand answers --help with its full name."""

from __future__ import annotations

import argparse

import pytest

from bot.cli import _parser
from tests.test_cli import shanlin


def _command_paths(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[str]:
    """Every command of the parser tree, as typed after `shanlin` ("kb ask")."""
    paths = [" ".join(path)] if path else []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += _command_paths(sub, (*path, name))
    return paths


COMMANDS = _command_paths(_parser())


def test_the_command_tree_reaches_every_subcommand() -> None:
    expected = {"run", "demo", "db", "db upgrade", "kb"}
    expected |= {f"kb {name}" for name in ("ask", "test", "lint", "export", "import")}
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_of_each_command_names_it_in_full(command: str) -> None:
    result = shanlin(*command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: shanlin {command}".rstrip() + " ")
    assert result.stderr == ""


@pytest.mark.parametrize("command", ["kb ask", "kb test", "kb export"])
def test_a_missing_argument_is_reported_with_the_full_command_name(command: str) -> None:
    result = shanlin(*command.split())
    assert result.returncode == 2
    assert f"usage: shanlin {command} " in result.stderr
