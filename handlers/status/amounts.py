"""Amounts, counts and shares as people type them in chat (12.5万, 十二万五千, 3万2, 八成…).

Everything here works on text that went through :func:`normalize` (half-width, simplified,
lower case, ``w``/``k`` spelled 万/千, no thousands separators), so positions found by one
function are valid for the others. Nothing here knows what a figure means: that is decided in
:mod:`handlers.status.parse` from the words before it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import cn2an

from knowledge_base.normalize import to_simplified

# What replaces a span that must not be read again (a project name, a date, a phone number).
MASK = "\u25a1"

_TEN_THOUSAND = re.compile(r"(?<=\d)\s*w(?![a-z])")
_THOUSAND = re.compile(r"(?<=\d)\s*k(?![a-z])")
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_SPACE_BEFORE_UNIT = re.compile(r"(?<=\d)[ \t]+(?=[万千亿元块笔人户名位%])")
_SPACE_AFTER_YEN = re.compile(r"(?<=¥)\s+")


def normalize(text: str) -> str:
    """Half-width, simplified, lower-case text with amounts written one way.

    Full-width digits and signs become ASCII (NFKC), traditional characters simplified ones,
    ``12.5w`` becomes ``12.5万`` and ``3k`` ``3千``, ``1,250,000`` becomes ``1250000`` and the
    blank in ``５ 万`` or ``2,315 笔`` goes, so that each figure is one run of characters.
    """
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text).lower()
    text = _TEN_THOUSAND.sub("万", text)
    text = _THOUSAND.sub("千", text)
    text = _THOUSANDS_SEPARATOR.sub("", text)
    text = _SPACE_BEFORE_UNIT.sub("", text)
    return _SPACE_AFTER_YEN.sub("", text)


def mask(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` blanked out (same length, so positions stay valid)."""
    return text[:start] + MASK * (end - start) + text[end:]


_CN_DIGIT = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_ANY = _CN_DIGIT + "十百千万亿拾佰仟"
# Financial numerals (壹拾贰万伍仟) written the everyday way.
_FINANCIAL = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟", "一二三四五六七八九十百千")

# Numbers that are not figures: dates, times, years, phone numbers, list numbering, ordinals.
_NOT_FIGURES = re.compile(
    "|".join(
        (
            r"\d{2,4}年(?:度)?(?:\d{1,2}月(?:\d{1,2}[日号])?)?",
            r"\d{1,2}月(?:\d{1,2}[日号])?",
            rf"[{_CN_DIGIT}十]{{1,3}}月(?:[{_CN_DIGIT}十]{{1,3}}[日号])?",
            r"\d{1,2}[./]\d{1,2}[日号]",
            r"(?<![\d.])\d{1,2}[日号]",
            r"\d{1,2}:\d{2}",
            r"(?<![\d.])\d{1,2}点(?:半|\d{1,2}分?)?",
            r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)",
            r"(?<!\d)1[3-9]\d{9}(?!\d)",
            r"\d{12,}",
            rf"第[\d{_CN_ANY}]+",
            rf"^[ \t]*(?:\d{{1,2}}|[{_CN_DIGIT}十]{{1,3}})[.、)](?!\d)",
            r"^[ \t]*\(\d{1,2}\)",
        )
    ),
    re.MULTILINE,
)


def mask_non_figures(text: str) -> str:
    """Blank out dates (8月3日, 8.2号, 2024年), times, phone numbers and list numbering."""
    for found in reversed(list(_NOT_FIGURES.finditer(text))):
        text = mask(text, found.start(), found.end())
    return text


def cn_number(written: str) -> float | None:
    """The value of a number in digits, Chinese numerals or both (3万2, 十二万五千, 1.2万)."""
    written = written.translate(_FINANCIAL)
    if written in ("百", "一百"):
        return 100.0
    try:
        value = cn2an.cn2an(written, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return float(value)


@dataclass(frozen=True)
class Share:
    """A share of the target the text states (完成42%, 八成, 三分之一, 一半), in percent."""

    percent: float
    start: int
    end: int


_PERCENT = re.compile(
    "|".join(
        (
            r"(?P<pct>\d+(?:\.\d+)?)%",
            rf"百分之(?P<per>[\d.{_CN_ANY}点]+)",
            rf"(?P<ten>[{_CN_DIGIT}\d]|十)成(?P<tenth>[{_CN_DIGIT}\d])?"
            # not 八成是企业捐的 (a part of the money) nor 一成不变
            r"(?![员本功立为绩果就交年人是不])",
            rf"(?P<den>[\d{_CN_ANY}]+)分之(?P<num>[\d{_CN_ANY}]+)",
            r"(?<![过超])一半(?![以多])",
        )
    )
)


def _share_value(found: re.Match[str]) -> float | None:
    if found.group("pct"):
        return float(found.group("pct"))
    if found.group("per"):
        return cn_number(found.group("per").replace("点", "."))
    if found.group("ten"):
        tens = cn_number(found.group("ten"))
        tenth = cn_number(found.group("tenth")) if found.group("tenth") else 0.0
        if tens is None or tenth is None:
            return None
        return 100.0 if tens == 10 else tens * 10 + tenth
    if found.group("den"):
        denominator, numerator = cn_number(found.group("den")), cn_number(found.group("num"))
        if not denominator or numerator is None:
            return None
        return round(100 * numerator / denominator, 1)
    return 50.0


def find_shares(text: str) -> list[Share]:
    """Every stated share in normalized text, in order."""
    shares = []
    for found in _PERCENT.finditer(text):
        value = _share_value(found)
        if value is not None:
            shares.append(Share(value, found.start(), found.end()))
    return shares


# Units after a number that make it something else than an amount or a count of people.
_OTHER_UNITS = re.compile(r"[天日周个年月号岁期届次所场批轮季倍点分秒g]|小时|公里|斤|米")
_QUANTITY = re.compile(
    r"(?P<yen>¥)?"
    rf"(?P<num>(?:\d+(?:\.\d+)?|[{_CN_DIGIT}十拾])(?:\d+(?:\.\d+)?|[{_CN_ANY}])*)"
    r"(?P<tail>(?:多|余|来|出头|左右|上下|元|块钱|块|整)*)"
    r"(?P<unit>人次|笔|人|名|户|位)?"
)
COUNT_UNITS = frozenset({"人次", "笔", "人", "名", "户", "位"})


@dataclass(frozen=True)
class Quantity:
    """A number found in text: its value, where it is and how it is written."""

    value: float
    start: int
    end: int
    money: bool  # written as an amount: ¥, 元/块, or with 万/千/亿
    unit: str  # a unit of people or gifts (人次, 笔, 人, 名, 户, 位) or ""

    @property
    def is_count(self) -> bool:
        return bool(self.unit)


def find_quantities(text: str) -> list[Quantity]:
    """Every amount or count in normalized text whose shares and non-figures are masked."""
    quantities = []
    for found in _QUANTITY.finditer(text):
        written, tail, unit = found.group("num"), found.group("tail"), found.group("unit") or ""
        has_digit = any(char.isdigit() for char in written)
        magnitude = any(char in "万千亿仟" for char in written)
        yuan = "元" in tail or "块" in tail
        structured = any(char in "十百拾佰" for char in written)
        if not (has_digit or magnitude or yuan or unit or structured):
            continue  # a lone 一 or 三 inside a word (一起, 三星堆)
        if not unit and not tail and _OTHER_UNITS.match(text, found.end()):
            continue  # 3天, 两个项目, 12点
        value = cn_number(written)
        if value is None or (unit and value == 1):
            continue  # 一笔2万的捐赠 is one gift, not the number of donations
        money = not unit and (bool(found.group("yen")) or yuan or magnitude)
        quantities.append(Quantity(value, found.start(), found.end(), money, unit))
    return quantities
