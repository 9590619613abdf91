"""The import matrix: which layer may import which. Read from the source, never written to it.

- storage/ and knowledge_base/ import nothing from handlers/ or bot/;
- handlers/core/ imports no feature and nothing shared (features plug into it);
- handlers/shared/ imports the core, never a feature;
- a feature imports the core, shared, storage, knowledge_base and itself, never another feature;
- only bot/ (and tests, benches) import a Telegram framework.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("aiogram", "telegram")
FIRST_PARTY = ("bot", "handlers", "storage", "knowledge_base")


def imported_modules(source: str, module: str) -> set[str]:
    """Absolute names of the first-party and framework modules ``source`` imports."""
    found: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative (ruff bans them, but the matrix must not miss one)
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in FIRST_PARTY + FRAMEWORKS}


def layer_of(module: str) -> str:
    """storage, knowledge_base, bot, core, shared, or feature:<name>."""
    parts = module.split(".")
    if parts[0] != "handlers":
        return parts[0]
    if len(parts) == 1:
        return "handlers"
    if parts[1] in ("core", "shared"):
        return parts[1]
    return f"feature:{parts[1]}"


def violation(importer: str, imported: str) -> str | None:
    """Why ``importer`` may not import ``imported``; None if it may."""
    source, target = layer_of(importer), layer_of(imported)
    if target in FRAMEWORKS:
        return None if source == "bot" else "only bot/ may import a Telegram framework"
    allowed = {
        "storage": {"storage"},
        "knowledge_base": {"knowledge_base"},
        "core": {"core", "storage"},
        "shared": {"core", "shared", "storage", "knowledge_base"},
        "handlers": {"handlers"},
    }.get(source)
    if source.startswith("feature:"):
        allowed = {"core", "shared", "storage", "knowledge_base", source}
    if allowed is None or target in allowed:
        return None
    return f"{source} may not import {target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def offenders() -> list[str]:
    found = []
    for package in ("handlers", "storage", "knowledge_base"):
        for path in (ROOT / package).rglob("*.py"):
            module = module_name(path)
            if "migrations" in path.parts:
                continue
            for imported in sorted(imported_modules(path.read_text(encoding="utf-8"), module)):
                if why := violation(module, imported):
                    found.append(f"{module} imports {imported}: {why}")
    return found


def test_every_module_imports_only_what_its_layer_may() -> None:
    assert len(list((ROOT / "handlers").rglob("*.py"))) >= 20, "handlers/ was not found"
    assert offenders() == []


# Features being built: their packages hold working parts before FEATURE and a line in
# bot/features.py come with the chat flow.
IN_PROGRESS: set[str] = set()


def test_handlers_hold_core_shared_and_one_package_per_feature() -> None:
    loose = [p.name for p in (ROOT / "handlers").glob("*.py") if p.name != "__init__.py"]
    features = [
        p.name
        for p in (ROOT / "handlers").iterdir()
        if p.is_dir() and p.name not in ("core", "shared", "__pycache__", *IN_PROGRESS)
    ]
    assert loose == []
    assert len(features) >= 6
    for name in features:
        text = (ROOT / "handlers" / name / "__init__.py").read_text(encoding="utf-8")
        assert "FEATURE" in text, f"handlers/{name} does not export FEATURE"


def test_the_matrix_catches_each_kind_of_wrong_import() -> None:
    cases = {
        ("storage.outbox", "from handlers.core.model import SendMessage"): "storage",
        ("knowledge_base.engine", "import bot.settings"): "knowledge_base",
        ("handlers.core.dispatch", "from handlers.faq import FEATURE"): "core",
        ("handlers.shared.targeting", "from handlers.notices.commands import NAME"): "shared",
        ("handlers.deadlines.commands", "from handlers.notices import commands"): "feature",
        ("handlers.faq.answering", "from aiogram import Bot"): "Telegram",
        ("handlers.faq.answering", "from . import knowledge"): None,  # its own package
        ("handlers.faq.answering", "from ..notices import commands"): "feature",
    }
    for (module, source), expected in cases.items():
        reasons = [violation(module, name) for name in imported_modules(source, module)]
        reasons = [reason for reason in reasons if reason]
        if expected is None:
            assert reasons == [], source
        else:
            assert len(reasons) == 1 and expected in str(reasons[0]), (source, reasons)
