"""Resolving what people type (泸州市, 凉山州, 阿坝, luzhou) to one of the 21 regions."""

from __future__ import annotations

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


def resolve_region(text: str, regions: Sequence[R]) -> R | None:
    """The region ``text`` names, or None. Exact aliases first, then without suffixes,
    then a unique region whose short name starts the text (阿坝藏族… → 阿坝)."""
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
    starting = [r for r in regions if wanted.startswith(r.name)]
    return starting[0] if len(starting) == 1 else None


def region_names(regions: Sequence[RegionLike]) -> str:
    """The valid names, as shown to someone who typed an unknown one."""
    return "、".join(region.name for region in regions)
