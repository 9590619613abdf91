"""Knowledge-base files: loading several into one base, linting them, and the bundled set."""

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from knowledge_base.examples import load_examples, read_labelled
from knowledge_base.excel import export_excel, from_rows, import_excel, to_rows
from knowledge_base.limits import entry_problems
from knowledge_base.model import Entry, KbError, KnowledgeBase, LintIssue
from knowledge_base.normalize import normalize
from knowledge_base.yaml_source import ParsedFile, dump_yaml, parse_file

__all__ = [
    "BUNDLED_DIR",
    "Entry",
    "KbError",
    "KnowledgeBase",
    "LintIssue",
    "bundled_example_paths",
    "bundled_paths",
    "dump_yaml",
    "export_excel",
    "from_rows",
    "import_excel",
    "lint_files",
    "load_bundled",
    "load_files",
    "to_rows",
    "with_structure",
]

BUNDLED_DIR = Path(__file__).parent / "bundled"


def bundled_paths() -> list[Path]:
    """The knowledge-base files shipped with the bot (sorted; possibly none)."""
    return sorted(BUNDLED_DIR.glob("*.yaml"))


def bundled_example_paths() -> list[Path]:
    """The labelled example messages shipped with the bot (JSON Lines, sorted)."""
    return sorted((BUNDLED_DIR / "examples").glob("*.jsonl"))


def _duplicate_ids(files: list[ParsedFile]) -> list[LintIssue]:
    first: dict[str, tuple[str, int]] = {}
    issues = []
    for parsed in files:
        for item in parsed.entries:
            entry_id = item.entry.id
            if entry_id in first:
                where = "{}:{}".format(*first[entry_id])
                issues.append(
                    LintIssue(
                        parsed.path, item.line, f"duplicate id {entry_id!r} (also at {where})"
                    )
                )
            else:
                first[entry_id] = (parsed.path, item.line)
    return issues


def _colliding_phrasings(files: list[ParsedFile]) -> list[LintIssue]:
    """Questions or variants that read the same (after normalisation) in two entries."""
    seen: dict[str, tuple[str, str, int]] = {}
    issues = []
    for parsed in files:
        for item in parsed.entries:
            for text, line in zip(item.entry.phrasings, item.phrasing_lines, strict=True):
                key = normalize(text)
                if not key:
                    continue  # no words at all: _over_limits reports it
                owner = seen.get(key)
                if owner is None:
                    seen[key] = (item.entry.id, parsed.path, line)
                elif owner[0] != item.entry.id:
                    issues.append(
                        LintIssue(
                            parsed.path,
                            line,
                            f"{text!r} of {item.entry.id!r} is the same as a phrasing of "
                            f"{owner[0]!r} ({owner[1]}:{owner[2]})",
                        )
                    )
    return issues


def _over_limits(files: list[ParsedFile]) -> list[LintIssue]:
    """Answers too long to send, categories and ids too long to store, phrasings without
    words; at the line of the phrasing, else of the entry."""
    issues = []
    for parsed in files:
        for item in parsed.entries:
            for position, problem in entry_problems(item.entry):
                line = item.line if position is None else item.phrasing_lines[position]
                issues.append(LintIssue(parsed.path, line, f"{item.entry.id!r}: {problem}"))
    return issues


def _shared_synonyms(files: list[ParsedFile]) -> list[LintIssue]:
    """A term in two synonym groups would make the groups one."""
    seen: dict[str, tuple[str, int]] = {}
    issues = []
    for parsed in files:
        for group, line in parsed.synonyms:
            for term in dict.fromkeys(group):
                if term in seen and seen[term] != (parsed.path, line):
                    where = "{}:{}".format(*seen[term])
                    issues.append(
                        LintIssue(parsed.path, line, f"synonym {term!r} is also in {where}")
                    )
                seen.setdefault(term, (parsed.path, line))
    return issues


def _second_general_entries(files: list[ParsedFile]) -> list[LintIssue]:
    """A topic has at most one general entry."""
    first: dict[str, str] = {}
    issues = []
    for parsed in files:
        for item in parsed.entries:
            entry = item.entry
            if not entry.general:
                continue
            known = first.setdefault(entry.siblings_key, entry.id)
            if known != entry.id:
                issues.append(
                    LintIssue(
                        parsed.path,
                        item.line,
                        f"{entry.id!r} and {known!r} are both the general entry of topic "
                        f"{entry.siblings_key!r}",
                    )
                )
    return issues


def with_structure(kb: KnowledgeBase, like: KnowledgeBase) -> KnowledgeBase:
    """The entries of ``kb`` with the sibling structure (topic, general, not_about) that the
    entries of ``like`` with the same ids have, and ``like``'s labelled examples when ``kb`` has
    none; for entries kept where the structure is not (the database holds the bundled entries'
    texts, the bundled files their structure and examples)."""
    structure = {entry.id: entry for entry in like.entries}
    entries = []
    for entry in kb.entries:
        known = structure.get(entry.id)
        if known is not None and not (entry.topic or entry.general or entry.not_about):
            entry = replace(
                entry, topic=known.topic, general=known.general, not_about=known.not_about
            )
        entries.append(entry)
    return KnowledgeBase(tuple(entries), kb.synonyms, kb.examples or like.examples)


def _unknown_example_ids(
    files: list[ParsedFile], example_paths: list[Path | str]
) -> list[LintIssue]:
    """Labelled examples naming an entry these files do not have (the model ignores them)."""
    known = {item.entry.id for parsed in files for item in parsed.entries}
    issues = []
    for path in example_paths:
        for _, expect, line in read_labelled(path):
            if expect is not None and expect not in known:
                issues.append(
                    LintIssue(str(path), line, f"example names unknown entry {expect!r}")
                )
    return issues


def lint_files(paths: Iterable[Path | str]) -> list[LintIssue]:
    """Every problem in these files taken together, ordered by file and line; JSON Lines files
    among them are labelled examples, checked for entry ids the knowledge files lack."""
    paths = list(paths)
    example_paths = [path for path in paths if str(path).endswith(".jsonl")]
    files = [parse_file(path) for path in paths if path not in example_paths]
    issues = [issue for parsed in files for issue in parsed.issues]
    issues += _duplicate_ids(files) + _colliding_phrasings(files) + _shared_synonyms(files)
    issues += _second_general_entries(files) + _over_limits(files)
    issues += _unknown_example_ids(files, example_paths)
    order = {str(path): index for index, path in enumerate(paths)}
    return sorted(issues, key=lambda issue: (order.get(issue.file, 0), issue.line))


def load_files(paths: Iterable[Path | str]) -> KnowledgeBase:
    """Merge the entries and synonyms of several files, and the labelled examples of the JSON
    Lines files among them; KbError on schema errors or duplicates."""
    paths = list(paths)
    example_paths = [path for path in paths if str(path).endswith(".jsonl")]
    files = [parse_file(path) for path in paths if path not in example_paths]
    errors = [issue for parsed in files for issue in parsed.issues] + _duplicate_ids(files)
    if errors:
        raise KbError("\n".join(str(issue) for issue in errors))
    entries = tuple(item.entry for parsed in files for item in parsed.entries)
    groups = dict.fromkeys(group for parsed in files for group, _ in parsed.synonyms)
    return KnowledgeBase(entries, tuple(groups), load_examples(example_paths))


_BUNDLED: dict[bytes, KnowledgeBase] = {}  # the last version of the bundled files, parsed


def load_bundled() -> KnowledgeBase:
    """The bundled knowledge, parsed once per process for each version of its files: every app
    built in one process (the tests build hundreds) shares it; changed files are parsed again."""
    paths = bundled_paths() + bundled_example_paths()
    digest = hashlib.sha256()
    for path in paths:
        content = path.read_bytes()
        digest.update(f"{path.name}\0{len(content)}\0".encode())
        digest.update(content)
    key = digest.digest()
    if key not in _BUNDLED:
        _BUNDLED.clear()
        _BUNDLED[key] = load_files(paths)
    return _BUNDLED[key]
