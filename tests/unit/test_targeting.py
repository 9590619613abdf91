"""Targets as coordinators type them: several regions joined every way people join them, and
whatever in them names nothing is reported, never folded into what follows."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from handlers.shared.regions import read_regions
from handlers.shared.targeting import leading_targets
from storage.region_data import REGIONS, aliases_of


@dataclass(frozen=True)
class Alias:
    alias: str


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    full_name: str
    aliases: tuple[Alias, ...] = field(default=())


PLACES = [
    Place(i, name, full, tuple(Alias(a) for a in aliases_of(code, name, full, extra)))
    for i, (code, name, full, extra) in enumerate(REGIONS, 1)
]


@pytest.mark.parametrize(
    ("typed", "named", "unknown"),
    [
        ("泸州", ["泸州"], []),
        ("泸州和德阳", ["泸州", "德阳"], []),
        ("泸州 德阳", ["泸州", "德阳"], []),
        ("泸州德阳", ["泸州", "德阳"], []),
        ("泸州及德阳", ["泸州", "德阳"], []),
        ("泸州与凉山", ["泸州", "凉山"], []),
        ("泸州跟凉山州", ["泸州", "凉山"], []),
        ("泸州市、德阳市，绵阳", ["泸州", "德阳", "绵阳"], []),
        ("凉山州甘孜州", ["凉山", "甘孜"], []),
        ("瀘州、luzhou", ["泸州"], []),
        ("阿坝藏族羌族自治州", ["阿坝"], []),
        ("泸州市慈善会", ["泸州"], []),
        ("泸州xyz", ["泸州"], ["xyz"]),
        ("德阳的同事", ["德阳"], ["的同事"]),
        ("火星", [], ["火星"]),
    ],
)
def test_regions_however_they_are_joined(typed: str, named: list[str], unknown: list[str]) -> None:
    found, missing = read_regions(typed, PLACES)
    assert [p.name for p in found] == named
    assert missing == unknown


@pytest.mark.parametrize(
    ("text", "named", "unknown", "rest"),
    [
        ("泸州和德阳 明天下午三点 交材料", ["泸州", "德阳"], [], "明天下午三点 交材料"),
        ("泸州 德阳 明天下午三点 交材料", ["泸州", "德阳"], [], "明天下午三点 交材料"),
        ("泸州 和 德阳 请于周五前提交", ["泸州", "德阳"], [], "请于周五前提交"),
        ("泸州xyz 明天 交材料", ["泸州"], ["xyz"], "明天 交材料"),
        # a later word that only starts with a region begins the text
        ("泸州 德阳市慈善会的同事请注意", ["泸州"], [], "德阳市慈善会的同事请注意"),
    ],
)
def test_targets_at_the_start_of_a_command(
    text: str, named: list[str], unknown: list[str], rest: str
) -> None:
    words = leading_targets(text, PLACES, {})  # type: ignore[arg-type]
    assert words is not None
    assert [r.name for r in words.regions] == named
    assert list(words.unknown) == unknown
    assert words.rest == rest


def test_everywhere_and_saved_lists_stand_alone() -> None:
    everywhere = leading_targets("全部 请注意", PLACES, {})  # type: ignore[arg-type]
    assert everywhere is not None and everywhere.everywhere and everywhere.rest == "请注意"
    listed = leading_targets("重点群 请注意", PLACES, {"重点群": [1, 2]})  # type: ignore[arg-type]
    assert listed is not None and listed.list_name == "重点群" and listed.label == "名单“重点群”"
    assert listed.listed == (1, 2)


def test_text_that_starts_with_no_target_has_none() -> None:
    assert leading_targets("明天下午三点 交材料", PLACES, {}) is None  # type: ignore[arg-type]
    assert leading_targets("", PLACES, {}) is None  # type: ignore[arg-type]
