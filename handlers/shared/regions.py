"""Resolving what people type (泸州市, 凉山州, 阿坝, luzhou) to one of the 21 regions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol, TypeVar

# Traditional forms of the characters used in region names (people paste them from old files).
_TRADITIONAL = str.maketrans("瀘綿陽廣寧內樂賓達資壩涼貢", "泸绵阳广宁内乐宾达资坝凉贡")
_NOISE_SUFFIXES = ("慈善总会", "慈善会", "交流群", "沟通群", "群")
_ADMIN_SUFFIXES = ("自治州", "地区", "市", "州")


class RegionLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def full_name(self) -> str: ...


class AliasLike(Protocol):
    @property
    def alias(self) -> str: ...


class RegionWithAliases(RegionLike, Protocol):
    @property
    def aliases(self) -> Sequence[AliasLike]: ...


R = TypeVar("R", bound=RegionWithAliases)


def normalize_region_text(text: str) -> str:
    """Full-width to half-width, traditional to simplified, no spaces, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(_TRADITIONAL)
    return "".join(text.split()).lower()


def resolve_region(text: str, regions: Sequence[R], loose: bool = True) -> R | None:
    """The region ``text`` names, or None. Exact aliases first, then without suffixes,
    then (``loose``) a unique region whose short name starts the text (阿坝藏族… → 阿坝)."""
    wanted = normalize_region_text(text)
    for suffix in _NOISE_SUFFIXES:
        if wanted.endswith(suffix) and len(wanted) > len(suffix):
            wanted = wanted.removesuffix(suffix)
            break
    if not wanted:
        return None
    by_alias = {normalize_region_text(a.alias): r for r in regions for a in r.aliases}
    if wanted in by_alias:
        return by_alias[wanted]
    for suffix in _ADMIN_SUFFIXES:
        stripped = wanted.removesuffix(suffix)
        if stripped != wanted and stripped in by_alias:
            return by_alias[stripped]
    if not loose:
        return None
    starting = [r for r in regions if wanted.startswith(r.name)]
    return starting[0] if len(starting) == 1 else None


# Between region names: 、，, ; spaces, and 和 与 及 跟 (no region name holds one of these).
_BETWEEN = re.compile(r"[,，、;；\s]+|以及|和|与|及|跟")
# What may follow a short name without naming anything else: 藏族自治州, 市, 慈善会, 交流群.
_ADMINISTRATIVE = re.compile(
    r"(?:[\u4e00-\u9fff]{0,6}(?:自治州|地区|州|市))?(?:慈善总会|慈善会|慈善|交流群|沟通群|群)?"
)


def read_regions(text: str, regions: Sequence[R]) -> tuple[list[R], list[str]]:
    """Every region ``text`` names, once each and in order — 泸州、德阳, 泸州和德阳, 泸州 德阳,
    泸州德阳 — and the pieces that name none (泸州xyz gives 泸州 and “xyz”)."""
    found: list[R] = []
    unknown: list[str] = []
    for piece in (p for p in _BETWEEN.split(text) if p):
        named, rest = _run_together(piece, regions)
        found += [r for r in named if r not in found]
        if rest:
            unknown.append(rest[:30])
    return found, unknown


def _run_together(piece: str, regions: Sequence[R]) -> tuple[list[R], str]:
    """The regions written one after another in ``piece`` and what is left after them."""
    whole = resolve_region(piece, regions, loose=False)
    if whole is not None:
        return [whole], ""
    spellings = sorted(
        ((normalize_region_text(a.alias), r) for r in regions for a in r.aliases),
        key=lambda pair: -len(pair[0]),
    )
    rest = normalize_region_text(piece)
    named: list[R] = []
    while rest:
        match = next(((s, r) for s, r in spellings if s and rest.startswith(s)), None)
        if match is None:
            break
        named.append(match[1])
        rest = rest[len(match[0]) :]
    if named and _ADMINISTRATIVE.fullmatch(rest):
        rest = ""  # 阿坝藏族自治州: a longer official name, not another region
    return (named, rest) if named else ([], piece)


def region_names(regions: Sequence[RegionLike]) -> str:
    """The valid names, as shown to someone who typed an unknown one."""
    return "、".join(region.name for region in regions)
