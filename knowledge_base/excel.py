"""Excel exchange for coordinators: one row per entry, variants one per line, keywords by comma."""

from collections.abc import Iterable, Sequence
from pathlib import Path

from knowledge_base.limits import entry_problems
from knowledge_base.model import Entry, KbError, KnowledgeBase
from knowledge_base.yaml_source import ID_PATTERN, LIST_SEPARATORS

COLUMNS = ("id", "category", "question", "variants", "keywords", "answer")
# The sibling structure; optional on import (older workbooks have no such columns).
STRUCTURE_COLUMNS = ("topic", "general", "not_about")
ENTRY_SHEET = "entries"
SYNONYM_SHEET = "synonyms"
_WIDTHS = (28, 14, 40, 40, 24, 80, 14, 8, 24)
_TRUE = {"true", "yes", "1", "是", "y"}
_JOIN = "，"


def to_rows(kb: KnowledgeBase) -> list[tuple[str, ...]]:
    """A header row, then one row per entry."""
    rows: list[tuple[str, ...]] = [COLUMNS + STRUCTURE_COLUMNS]
    for entry in kb.entries:
        rows.append(
            (
                entry.id,
                entry.category,
                entry.question,
                "\n".join(entry.variants),
                _JOIN.join(entry.keywords),
                entry.answer,
                entry.topic,
                "true" if entry.general else "",
                _JOIN.join(entry.not_about),
            )
        )
    return rows


def _items(parts: Iterable[str]) -> tuple[str, ...]:
    return tuple(part.strip() for part in parts if part.strip())


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def from_rows(
    rows: Iterable[Sequence[object]],
    synonym_rows: Iterable[Sequence[object]] = (),
    source: str = "rows",
) -> KnowledgeBase:
    """Entries from a header row and data rows (columns found by name); KbError names rows."""
    table = [[_cell(value) for value in row] for row in rows]
    if not table:
        raise KbError(f"{source}:1: no header row")
    header = [name.strip().lower() for name in table[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise KbError(f"{source}:1: missing columns {', '.join(missing)}")
    where = {name: header.index(name) for name in COLUMNS + STRUCTURE_COLUMNS if name in header}
    entries: list[Entry] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(table[1:], start=2):
        cells = {name: row[index] if index < len(row) else "" for name, index in where.items()}
        cells = {name: cells.get(name, "") for name in COLUMNS + STRUCTURE_COLUMNS}
        if not any(value.strip() for value in cells.values()):
            continue
        problems = [
            f"empty {name!r}" for name in (*COLUMNS[:3], "answer") if not cells[name].strip()
        ]
        entry_id = cells["id"].strip()
        if entry_id and not ID_PATTERN.match(entry_id):
            problems.append(f"id {entry_id!r} must be ASCII kebab-case")
        if entry_id in seen:
            problems.append(f"duplicate id {entry_id!r} (also at row {seen[entry_id]})")
        seen.setdefault(entry_id, number)
        entry = Entry(
            id=entry_id,
            category=cells["category"].strip(),
            question=cells["question"].strip(),
            variants=_items(cells["variants"].split("\n")),
            keywords=_items(LIST_SEPARATORS.split(cells["keywords"])),
            answer=cells["answer"],
            source=f"{source}:{number}",
            topic=cells["topic"].strip(),
            general=cells["general"].strip().lower() in _TRUE,
            not_about=_items(LIST_SEPARATORS.split(cells["not_about"])),
        )
        if not problems:
            problems += [problem for _, problem in entry_problems(entry)]
        errors += [f"{source}:{number}: {problem}" for problem in problems]
        if not problems:
            entries.append(entry)
    if errors:
        raise KbError("\n".join(errors))
    groups = [
        _items(LIST_SEPARATORS.split(_cell(row[0]))) for row in list(synonym_rows)[1:] if row
    ]
    return KnowledgeBase(tuple(entries), tuple(group for group in groups if len(group) > 1))


def export_excel(kb: KnowledgeBase, path: Path | str) -> None:
    """Write the knowledge base to an .xlsx workbook (entries and synonyms sheets)."""
    from openpyxl import Workbook  # imported when used: openpyxl (and numpy) cost ~20 MB
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = ENTRY_SHEET
    for row in to_rows(kb):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # never a formula, even for text starting with "="
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHI", _WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    synonyms = book.create_sheet(SYNONYM_SHEET)
    synonyms.append(("synonyms",))
    for group in kb.synonyms:
        synonyms.append((_JOIN.join(group),))
    synonyms.column_dimensions["A"].width = 80
    book.save(str(path))


def import_excel(path: Path | str) -> KnowledgeBase:
    """Read a workbook written by export_excel (or edited by hand) back into a knowledge base."""
    from openpyxl import load_workbook  # imported when used, as in export_excel

    try:
        book = load_workbook(str(path), read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as error:
        raise KbError(f"{path}:1: cannot read the workbook: {error}") from error
    try:
        if ENTRY_SHEET not in book.sheetnames:
            raise KbError(f"{path}:1: no sheet named {ENTRY_SHEET!r}")
        rows = list(book[ENTRY_SHEET].iter_rows(values_only=True))
        synonym_rows: list[Sequence[object]] = []
        if SYNONYM_SHEET in book.sheetnames:
            synonym_rows = list(book[SYNONYM_SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    return from_rows(rows, synonym_rows, source=str(path))
