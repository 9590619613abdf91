"""Which registered project a loosely written name means, within the group's region.

People write a project's full name, one of its short names, a long piece of the full name
(光雾山护林 for 光雾山护林行动), or any of these with a voice-input homophone (阅牙 for 阅芽,
强绣 for 羌绣) or one mistyped character. A name is only resolved among the projects of the
region the group belongs to; when no project of the region fits, or more than one does, the
answer is no project, with the closest ones as candidates for a 您是指 question. Never a guess.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from handlers.status.amounts import normalize
from knowledge_base.phonetic import readings as character_readings

CSV_HEADER = ("id", "name", "aliases", "org", "region", "domain", "target_yuan")
# The shortest piece of a full name that is taken for the project, and the shortest name or
# short name that may be misheard (a homophone) or mistyped.
MIN_PIECE = 4
MIN_HOMOPHONE = 3
MIN_TYPO = 5
_NOT_NAME = re.compile(r"[^\w]|_")


@dataclass(frozen=True)
class Project:
    """One registered project (a row of the registry sheet)."""

    id: str
    name: str
    region: str
    aliases: tuple[str, ...] = ()
    org: str = ""
    domain: str = ""
    target_yuan: int | None = None


def load_projects_csv(path: Path | str) -> list[Project]:
    """Read a registry in the status-eval CSV layout (id,name,aliases,org,region,domain,…)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    projects = []
    for row in rows:
        aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
        target = (row.get("target_yuan") or "").strip()
        projects.append(
            Project(
                id=row["id"].strip(),
                name=row["name"].strip(),
                region=row["region"].strip(),
                aliases=aliases,
                org=(row.get("org") or "").strip(),
                domain=(row.get("domain") or "").strip(),
                target_yuan=int(target) if target.isdigit() else None,
            )
        )
    return projects


class Fit(IntEnum):
    """How a piece of text fits a project name; lower is better."""

    EXACT = 0  # the full name or a short name, as registered
    HOMOPHONE = 1  # the same, with a character or two that sound the same
    PIECE = 2  # a long piece of the full name, or the name less a character or two in the middle,
    # that no other registered name has
    TYPO = 3  # a full name or short name with one other character


@dataclass(frozen=True)
class Mention:
    """A place in the text that names a project."""

    project: Project
    start: int
    end: int
    fit: Fit


@dataclass(frozen=True)
class Resolution:
    """The answer for one message: the project, or why there is none and what to offer."""

    project: Project | None
    status: str  # "found", "ambiguous" (several fit), "unknown" (none of the region fits)
    mentions: tuple[Mention, ...] = ()
    candidates: tuple[Project, ...] = ()  # for a 您是指 question, best first
    elsewhere: tuple[Project, ...] = ()  # projects of other regions that the text names

    @property
    def spans(self) -> list[tuple[int, int]]:
        return [(m.start, m.end) for m in self.mentions]


def _plain(name: str) -> str:
    return _NOT_NAME.sub("", normalize(name))


# Sounds that voice input and Sichuan speech mix up: zh/z, ch/c, sh/s, n/l, -ing/-in, -eng/-en.
_FUZZY_SOUNDS = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"^n"), "l"))
_FUZZY_ENDINGS = ((re.compile(r"ing$"), "in"), (re.compile(r"eng$"), "en"))


@lru_cache(maxsize=8192)
def _sounds(char: str) -> frozenset[str]:
    """Every toneless reading of a character, with the mix-ups above folded."""
    if not ("\u4e00" <= char <= "\u9fff"):
        return frozenset()
    readings = set()
    for reading in character_readings(char):
        for pattern, replacement in (*_FUZZY_SOUNDS, *_FUZZY_ENDINGS):
            reading = pattern.sub(replacement, reading)
        readings.add(reading)
    return frozenset(readings)


@dataclass(frozen=True)
class _Form:
    text: str
    project: Project
    loose: bool  # may be matched with a homophone or a typo
    fit: Fit = Fit.EXACT


@dataclass
class _RegionIndex:
    names: list[_Form] = field(default_factory=list)  # names and short names
    exact: list[_Form] = field(default_factory=list)  # names, short names and pieces
    loose: list[_Form] = field(default_factory=list)  # names and short names, by sound


class Registry:
    """The projects, indexed per region for resolving names."""

    def __init__(self, projects: Iterable[Project]) -> None:
        self.projects = list(projects)
        self.by_id = {p.id: p for p in self.projects}
        self._regions: dict[str | None, _RegionIndex] = {}
        # How many distinct registered names hold each piece of MIN_PIECE characters or more.
        holders: Counter[str] = Counter()
        for name in {_plain(p.name) for p in self.projects}:
            holders.update(set(_pieces(name)) | {name})
        for project in self.projects:
            forms = [_Form(_plain(s), project, True) for s in (project.name, *project.aliases)]
            forms = [f for f in forms if f.text]
            plain_name = _plain(project.name)
            pieces = [
                _Form(piece, project, False, Fit.PIECE)
                for piece in [
                    *(p for p in _pieces(plain_name) if holders[p] == 1),
                    *(s for s in _shortened(plain_name) if s not in holders),
                ]
            ]
            for key in (project.region, None):  # None: the whole registry
                index = self._regions.setdefault(key, _RegionIndex())
                index.names += forms
                index.exact += forms + pieces
                index.loose += [f for f in forms if len(f.text) >= MIN_HOMOPHONE]

    def regions(self) -> list[str]:
        return sorted({p.region for p in self.projects})

    def in_region(self, region: str | None) -> list[Project]:
        return [p for p in self.projects if region is None or p.region == region]

    def mentions(self, text: str, region: str | None, loose: bool = True) -> list[Mention]:
        """Every place in normalized ``text`` that names a project of ``region``.

        With ``loose=False`` only registered names and short names written as registered.
        """
        index = self._regions.get(region)
        if index is None:
            return []
        found = []
        for form in index.exact if loose else index.names:
            start = text.find(form.text)
            while start >= 0:
                found.append(Mention(form.project, start, start + len(form.text), form.fit))
                start = text.find(form.text, start + 1)
        if not loose:
            return found
        sounds = [_sounds(char) for char in text]
        present = set(text)
        for form in index.loose:
            # a window off by one or two characters shares the others with the form
            if sum(char in present for char in form.text) >= len(form.text) - _most_off(form):
                found += _loose_mentions(form, text, sounds)
        return found

    def resolve(self, text: str, region: str | None) -> Resolution:
        """The project of ``region`` that normalized ``text`` names, if exactly one fits."""
        kept = _non_overlapping(self.mentions(text, region))
        if any(m.fit <= Fit.HOMOPHONE for m in kept):
            # 惠及留守儿童 beside 羌绣妈妈 is a description, not the project 留守儿童成长陪伴:
            # a piece of a name or a typo does not compete with a name written as registered.
            kept = [m for m in kept if m.fit <= Fit.HOMOPHONE]
        named = _unique(m.project for m in kept)
        elsewhere: tuple[Project, ...] = ()
        if region is not None and not named:
            other = _non_overlapping(self.mentions(text, None, loose=False))
            elsewhere = tuple(p for p in _unique(m.project for m in other) if p.region != region)
        if len(named) == 1:
            return Resolution(named[0], "found", tuple(kept))
        if named:
            return Resolution(None, "ambiguous", tuple(kept), tuple(named), elsewhere)
        return Resolution(None, "unknown", (), self._closest(text, region), elsewhere)

    def _closest(self, text: str, region: str | None, limit: int = 3) -> tuple[Project, ...]:
        """The region's projects whose names look most like a part of the text."""
        scored = []
        for project in self.in_region(region):
            forms = [_plain(s) for s in (project.name, *project.aliases)]
            score = max(fuzz.partial_ratio(form, text) for form in forms if form)
            if score >= 50:
                scored.append((-score, project.id, project))
        return tuple(project for _, _, project in sorted(scored)[:limit])


def _pieces(name: str) -> list[str]:
    """The pieces of a full name long enough to stand for it (not the name itself)."""
    return [
        name[start : start + size]
        for size in range(MIN_PIECE, len(name))
        for start in range(len(name) - size + 1)
    ]


def _shortened(name: str) -> list[str]:
    """The full name with one or two characters left out in the middle (三星堆讲解员)."""
    if len(name) < MIN_PIECE + 2:
        return []
    return [
        name[:start] + name[start + gap :]
        for gap in (1, 2)
        for start in range(2, len(name) - gap - 1)
    ]


def _most_off(form: _Form) -> int:
    """How many characters of a name may be homophones (a typo counts as one of them)."""
    return max(1, len(form.text) // 3)


def _loose_mentions(form: _Form, text: str, sounds: Sequence[frozenset[str]]) -> list[Mention]:
    """Windows of ``text`` that sound like ``form``, or differ from it in one character."""
    size = len(form.text)
    most_homophones = _most_off(form)
    typo_allowed = size >= MIN_TYPO
    found = []
    for start in range(len(text) - size + 1):
        homophones = typos = 0
        for offset, char in enumerate(form.text):
            got = text[start + offset]
            if got == char:
                continue
            if _sounds(char) & sounds[start + offset]:
                homophones += 1
            elif sounds[start + offset]:  # a Chinese character, not a blank or a digit
                typos += 1
            else:
                typos = 2
            if typos > 1 or homophones + typos > most_homophones:
                break
        else:
            if typos == 0 and homophones:
                found.append(Mention(form.project, start, start + size, Fit.HOMOPHONE))
            elif typos == 1 and typo_allowed and homophones == 0:
                found.append(Mention(form.project, start, start + size, Fit.TYPO))
    return found


def _non_overlapping(mentions: list[Mention]) -> list[Mention]:
    """The longest, best-fitting mentions; a shorter one inside a longer one is dropped.

    ``爱心午餐`` inside ``爱心午餐加个蛋`` is not a second project. Two mentions of different
    projects on the same span with the same fit are both kept: the text is ambiguous.
    """
    kept: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: (m.start - m.end, m.fit, m.start)):
        clash = [k for k in kept if k.start < mention.end and mention.start < k.end]
        if not clash or all(
            (k.start, k.end, k.fit) == (mention.start, mention.end, mention.fit)
            and k.project != mention.project
            for k in clash
        ):
            kept.append(mention)
    return kept


def _unique(projects: Iterable[Project]) -> list[Project]:
    seen: dict[str, Project] = {}
    for project in projects:
        seen.setdefault(project.id, project)
    return list(seen.values())
