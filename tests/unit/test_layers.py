"""The core never imports a Telegram framework: only bot/ may (also enforced by ruff TID251)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ("handlers", "storage", "knowledge_base")
FRAMEWORKS = ("aiogram", "telegram")


def framework_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        line = getattr(node, "lineno", 0)
        found += [
            f"{path.relative_to(ROOT)}:{line} imports {n}"
            for n in names
            if n.split(".")[0] in FRAMEWORKS
        ]
    return found


def test_core_packages_do_not_import_telegram_frameworks() -> None:
    files = [p for package in CORE for p in (ROOT / package).rglob("*.py")]
    assert len(files) >= 10, "the core packages were not found"
    offenders = [line for path in files for line in framework_imports(path)]
    assert offenders == []


def test_the_checker_catches_a_framework_import(tmp_path: Path) -> None:
    bad = ROOT / "handlers" / "_layer_probe_tmp.py"
    bad.write_text("from aiogram import Bot\nimport telegram.ext\n", encoding="utf-8")
    try:
        assert len(framework_imports(bad)) == 2
    finally:
        bad.unlink()
