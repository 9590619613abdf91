"""Reading and writing knowledge-base YAML files, keeping the line of every value."""

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.model import Entry, KnowledgeBase, LintIssue

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIST_SEPARATORS = re.compile(r"[,，、;；\n]")
_TOP_KEYS = {"entries", "synonyms"}
_REQUIRED = ("id", "category", "question", "answer")
_LISTS = ("variants", "keywords", "not_about")
# The sibling structure: the entry's topic (default: its category) and whether it is the
# topic's general entry.
_STRUCTURE = ("topic", "general")
_ENTRY_KEYS = set(_REQUIRED) | set(_LISTS) | set(_STRUCTURE)


@dataclass(slots=True)
class ParsedEntry:
    """An entry as read, with the line of the entry and of each phrasing."""

    entry: Entry
    line: int
    phrasing_lines: tuple[int, ...]


@dataclass(slots=True)
class ParsedFile:
    """What one file holds: entries, synonym groups (with lines), and schema issues."""

    path: str
    entries: list[ParsedEntry] = field(default_factory=list)
    synonyms: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    issues: list[LintIssue] = field(default_factory=list)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _text(node: yaml.Node) -> str | None:
    """The string value of a scalar node; None for anything else (or null)."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


class _Reader:
    """Turns the composed node tree of one file into entries, collecting issues."""

    def __init__(self, path: str) -> None:
        self.result = ParsedFile(path)

    def issue(self, node: yaml.Node | int, message: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.result.issues.append(LintIssue(self.result.path, line, message))

    def read(self, root: yaml.Node | None) -> ParsedFile:
        if root is None:
            self.issue(1, "the file is empty (expected a mapping with 'entries')")
            return self.result
        if not isinstance(root, yaml.MappingNode):
            self.issue(root, "the file must be a mapping with 'entries' and optional 'synonyms'")
            return self.result
        for key_node, value in root.value:
            key = _text(key_node)
            if key == "entries":
                self.read_entries(value)
            elif key == "synonyms":
                self.read_synonyms(value)
            else:
                self.issue(
                    key_node, f"unknown top-level key {key!r} (expected one of {_TOP_KEYS})"
                )
        if not any(_text(key) == "entries" for key, _ in root.value):
            self.issue(root, "missing 'entries'")
        return self.result

    def read_entries(self, node: yaml.Node) -> None:
        if not isinstance(node, yaml.SequenceNode):
            self.issue(node, "'entries' must be a list")
            return
        for item in node.value:
            parsed = self.read_entry(item)
            if parsed is not None:
                self.result.entries.append(parsed)

    def read_entry(self, node: yaml.Node) -> ParsedEntry | None:
        if not isinstance(node, yaml.MappingNode):
            self.issue(node, "an entry must be a mapping with id, category, question, answer")
            return None
        fields: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            key = _text(key_node) or ""
            if key not in _ENTRY_KEYS:
                self.issue(key_node, f"unknown entry key {key!r}")
            elif key in fields:
                self.issue(key_node, f"key {key!r} appears twice in this entry")
            else:
                fields[key] = value
        ok = True
        values: dict[str, str] = {}
        for key in _REQUIRED:
            value = self.required_text(node, fields, key)
            ok = ok and value is not None
            values[key] = value or ""
        if values["id"] and not ID_PATTERN.match(values["id"]):
            self.issue(fields["id"], f"id {values['id']!r} must be ASCII kebab-case")
            ok = False
        variants, variant_lines = self.text_list(fields.get("variants"), "variants")
        keywords, _ = self.text_list(fields.get("keywords"), "keywords")
        not_about, _ = self.text_list(fields.get("not_about"), "not_about")
        topic = self.optional_text(fields.get("topic"), "topic")
        general = self.optional_flag(fields.get("general"), "general")
        if not ok:
            return None
        entry = Entry(
            id=values["id"],
            category=values["category"].strip(),
            question=values["question"].strip(),
            variants=variants,
            keywords=keywords,
            answer=values["answer"],
            source=f"{self.result.path}:{_line(node)}",
            topic=topic,
            general=general,
            not_about=not_about,
        )
        return ParsedEntry(entry, _line(node), (_line(fields["question"]), *variant_lines))

    def required_text(
        self, entry: yaml.Node, fields: dict[str, yaml.Node], key: str
    ) -> str | None:
        node = fields.get(key)
        if node is None:
            self.issue(entry, f"entry is missing {key!r}")
            return None
        value = _text(node)
        if value is None:
            self.issue(node, f"{key!r} must be text")
            return None
        if not value.strip():
            self.issue(node, f"empty {key!r}")
            return None
        return value

    def optional_text(self, node: yaml.Node | None, key: str) -> str:
        """A one-line text value, or "" when the key is absent."""
        if node is None:
            return ""
        value = _text(node)
        if value is None or not value.strip() or "\n" in value.strip():
            self.issue(node, f"{key!r} must be one line of text")
            return ""
        return value.strip()

    def optional_flag(self, node: yaml.Node | None, key: str) -> bool:
        """true or false, False when the key is absent."""
        if node is None:
            return False
        if node.tag != "tag:yaml.org,2002:bool" or not isinstance(node, yaml.ScalarNode):
            self.issue(node, f"{key!r} must be true or false")
            return False
        return str(node.value).lower() in ("true", "yes", "on")

    def text_list(
        self, node: yaml.Node | None, key: str
    ) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """A list of non-empty one-line strings (a separator is not allowed in keywords)."""
        if node is None or _text(node) == "" or node.tag == "tag:yaml.org,2002:null":
            return (), ()
        if not isinstance(node, yaml.SequenceNode):
            self.issue(node, f"{key!r} must be a list")
            return (), ()
        items: list[str] = []
        lines: list[int] = []
        for item in node.value:
            value = _text(item)
            if value is None or not value.strip():
                self.issue(item, f"empty or non-text item in {key!r}")
            elif "\n" in value.strip():
                self.issue(item, f"an item of {key!r} must fit on one line")
            elif key == "keywords" and LIST_SEPARATORS.search(value):
                self.issue(item, f"keyword {value!r} contains a list separator")
            else:
                items.append(value.strip())
                lines.append(_line(item))
        return tuple(items), tuple(lines)

    def read_synonyms(self, node: yaml.Node) -> None:
        if _text(node) == "" or node.tag == "tag:yaml.org,2002:null":
            return
        if not isinstance(node, yaml.SequenceNode):
            self.issue(node, "'synonyms' must be a list of lists")
            return
        for group in node.value:
            if not isinstance(group, yaml.SequenceNode):
                self.issue(group, "a synonym group must be a list of terms")
                continue
            terms, _ = self.text_list(group, "synonyms")
            if len(terms) < 2:
                self.issue(group, "a synonym group needs at least two terms")
            elif any(LIST_SEPARATORS.search(term) for term in terms):
                self.issue(group, "a synonym term contains a list separator")
            else:
                self.result.synonyms.append((terms, _line(group)))


def _compose(text: str) -> yaml.Node | None:
    """The document's nodes, read by libyaml when present (ten times faster); a syntax error
    is reported by PyYAML's own parser, in its words."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        with contextlib.suppress(yaml.YAMLError):
            return yaml.compose(text, Loader=fast)
    return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_file(path: Path | str) -> ParsedFile:
    """Parse one YAML file; syntax and schema problems become issues, never exceptions."""
    name = str(path)
    reader = _Reader(name)
    try:
        text = Path(path).read_text(encoding="utf-8")
        root = _compose(text)
    except OSError as error:
        reader.issue(1, f"cannot read the file: {error.strerror or error}")
        return reader.result
    except UnicodeDecodeError:
        reader.issue(1, "the file is not UTF-8")
        return reader.result
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        reader.issue(line, f"YAML syntax error: {error.problem or error}")
        return reader.result
    return reader.read(root)


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks, like hand-written files."""


def _represent_text(dumper: yaml.SafeDumper, data: str) -> Any:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


class _FlowList(list[str]):
    """A short list written on one line: [a, b, c]."""


def _represent_flow(dumper: yaml.SafeDumper, data: _FlowList) -> Any:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(_FlowList, _represent_flow)


def dump_yaml(kb: KnowledgeBase) -> str:
    """The knowledge base as YAML text in the documented format."""
    entries: list[dict[str, Any]] = []
    for entry in kb.entries:
        item: dict[str, Any] = {
            "id": entry.id,
            "category": entry.category,
            "question": entry.question,
        }
        if entry.variants:
            item["variants"] = list(entry.variants)
        if entry.keywords:
            item["keywords"] = _FlowList(entry.keywords)
        if entry.topic:
            item["topic"] = entry.topic
        if entry.general:
            item["general"] = True
        if entry.not_about:
            item["not_about"] = list(entry.not_about)
        item["answer"] = entry.answer
        entries.append(item)
    document: dict[str, Any] = {"entries": entries}
    if kb.synonyms:
        document["synonyms"] = [_FlowList(group) for group in kb.synonyms]
    return str(
        yaml.dump(
            document,
            Dumper=_Dumper,
            allow_unicode=True,
            sort_keys=False,
            width=1000,
            default_flow_style=False,
        )
    )
