"""Reading what coordinators type for a project: ``key=value`` fields, amounts, owners."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handlers.status.amounts import find_quantities, normalize

# Each field and what people call it (the key before = or ：).
_NAMES = {
    "name": ("名称", "项目名", "项目名称"),
    "organisation": ("机构", "单位", "组织", "发起机构"),
    "region": ("市州", "地区"),
    "domain": ("领域", "类别"),
    "target": ("目标", "目标金额", "目标金额(元)"),
    "owners": ("负责人",),
    "aliases": ("简称", "别名"),
}
KEYS = {key: name for name, keys in _NAMES.items() for key in keys}
_PAIR = re.compile(r"^([^=:：]{1,12})[=:：](.*)$")
_LIST_SEPARATORS = re.compile(r"[,，、;；|/\s]+")
MAX_TARGET = 1_000_000_000  # 10亿元: more is a typo, not a charity project


@dataclass
class Typed:
    """A project as typed: its name and the fields given (by English key)."""

    name: str = ""
    values: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # keys nobody knows


def read_fields(args: str) -> Typed:
    """``阅芽计划 机构=泸州市慈善会 目标=30万`` → name and fields."""
    typed = Typed()
    name_words = []
    for word in args.split():
        found = _PAIR.match(word)
        if found is None:
            if typed.values or typed.unknown:  # a value with a blank in it
                last = list(typed.values)[-1] if typed.values else None
                if last is not None:
                    typed.values[last] += " " + word
                continue
            name_words.append(word)
            continue
        key = found.group(1).strip()
        english = KEYS.get(key.replace("（", "(").replace("）", ")"))
        if english is None:
            typed.unknown.append(key)
        else:
            typed.values[english] = found.group(2).strip()
    typed.name = " ".join(name_words).strip()
    if "name" in typed.values and not typed.name:
        typed.name = typed.values.pop("name")
    return typed


def read_amount(text: str) -> int | None:
    """One amount in yuan (30万, 300000, ￥8000, 三十万); None unless exactly one, positive
    and below MAX_TARGET."""
    clean = normalize(text.strip())
    if clean.startswith(("-", "负")):
        return None
    if re.fullmatch(r"\d+(\.\d+)?", clean):
        value = float(clean)
    else:
        found = find_quantities(clean)
        if len(found) != 1:
            return None
        value = found[0].value
    if value <= 0 or value >= MAX_TARGET:
        return None
    return round(value)


def split_list(text: str) -> list[str]:
    return [part for part in _LIST_SEPARATORS.split(text.strip()) if part]


def owner_entry(label: str) -> tuple[str, str | None]:
    """(label as written, lower-case username or None)."""
    if label.startswith("@") and len(label) > 1:
        return label, label[1:].lower()
    return label, None
