"""Turning what a coordinator typed as targets (全部, a saved list, region names) into groups,
and the texts about groups and regions that several features show."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from handlers.core.access import Actor
from handlers.core.context import Context
from handlers.shared.regions import read_regions, region_names
from storage.directory import Group, Region
from storage.notices import PROVINCE

T = TypeVar("T")
EVERYWHERE = ("全部", "所有", "all")
_SEPARATORS = re.compile(r"[,，、;；\n]+")


_CONNECTORS = ("和", "与", "及", "跟", "以及")


@dataclass(frozen=True)
class TargetWords:
    """The targets a command's text starts with (全部, a saved list, or regions however they
    are joined), what in them names nothing, and the text after them."""

    rest: str
    everywhere: bool = False
    list_name: str | None = None
    listed: tuple[int, ...] = ()  # the saved list's group ids
    regions: tuple[Region, ...] = ()
    unknown: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """As previews and lists show the targets: 全部, 名单“重点群”, 泸州、德阳."""
        if self.everywhere:
            return "全部"
        if self.list_name is not None:
            return f"名单“{self.list_name}”"
        return "、".join(r.name for r in self.regions)

    def groups(self, groups: Sequence[Group]) -> list[Group]:
        """The groups these targets name among ``groups``."""
        if self.everywhere:
            return [g for g in groups if g.region_id is not None]
        if self.list_name is not None:
            return [g for g in groups if g.id in self.listed]
        wanted = {r.id for r in self.regions}
        return [g for g in groups if g.region_id in wanted]


def leading_targets(
    text: str, regions: Sequence[Region], lists: Mapping[str, Sequence[int]]
) -> TargetWords | None:
    """The targets ``text`` starts with, or None when its first word names none.

    全部 and a saved list stand alone; regions may be joined by 、，, 和 与 及 跟, spaces, or
    nothing (泸州德阳). A first word with something after its regions (泸州xyz) reports that
    rest as unknown; a later one (泸州 德阳的同事请注意) starts the text instead."""
    words = list(re.finditer(r"\S+", text))
    if not words:
        return None
    first = words[0].group()
    after_first = text[words[0].end() :].strip()
    if first.lower() in EVERYWHERE:
        return TargetWords(after_first, everywhere=True)
    if first in lists:
        return TargetWords(after_first, list_name=first, listed=tuple(lists[first]))
    found: list[Region] = []
    unknown: list[str] = []
    end = 0
    for index, word in enumerate(words):
        token = word.group()
        if token in _CONNECTORS and found:
            continue
        named, missing = read_regions(token, regions)
        if not named or (missing and index > 0):
            break
        found += [r for r in named if r not in found]
        unknown += missing
        end = word.end()
        if missing:
            break
    if not found:
        return None
    return TargetWords(text[end:].strip(), regions=tuple(found), unknown=tuple(unknown))


def list_owner(actor: Actor) -> str:
    """Whose saved lists this person sees and keeps: the provincial admins' shared ones, or
    their own."""
    if actor.is_provincial_admin or actor.user is None:
        return PROVINCE
    return str(actor.user.id)


async def read_targets(ctx: Context, text: str) -> TargetWords | None:
    """``leading_targets`` with the regions and the saved lists this person may use."""
    saved = await ctx.uow.notices.group_lists(list_owner(ctx.actor))
    lists = {item.name: item.group_ids for item in saved}
    return leading_targets(text, await ctx.uow.regions.all(), lists)


def pick_names(names: str, find: Callable[[str], T | None]) -> tuple[list[T], list[str]]:
    """What each of the names (separated by 、 , ; or new lines) finds, once each and in
    order, and the names that find nothing."""
    found: list[T] = []
    unknown: list[str] = []
    for name in (n.strip() for n in _SEPARATORS.split(names)):
        item = find(name) if name else None
        if item is None and name:
            unknown.append(name[:30])
        elif item is not None and item not in found:
            found.append(item)
    return found, unknown


def regions_outside(actor: Actor, groups: Sequence[Group]) -> list[str]:
    """Names of the regions (or 未绑定) among ``groups`` that ``actor`` may not reach."""
    names = {
        g.region.name if g.region else "未绑定市州的群"
        for g in groups
        if not actor.may_manage(g.region_id)
    }
    return sorted(names)


async def unknown_regions_text(ctx: Context, unknown: list[str]) -> str:
    names = "、".join(f"“{n}”" for n in unknown)
    return f"未找到市州：{names}。可选：{region_names(await ctx.uow.regions.all())}"


def group_titles(groups: Sequence[Group], limit: int = 20) -> str:
    """Group names for a message, the first ``limit`` of them."""
    names = [g.title or str(g.chat_id) for g in groups[:limit]]
    more = f" 等 {len(groups)} 个群" if len(groups) > limit else ""
    return "、".join(names) + more
