"""Text normalisation for matching: width, script, case, noise, dialect and politeness."""

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc

_URL = re.compile(r"(?:https?://|www\.)\S+")
# A mention runs to the next blank (clients put one after the name); otherwise only ASCII names.
_MENTION = re.compile(r"@[^\s@]{1,20}(?=\s|$)|@[0-9a-z_]+|@")
# Chat clients render stickers, photos and voice notes as short bracketed placeholders.
_PLACEHOLDER = re.compile(r"[\[【][^\[\]【】]{1,8}[\]】]")
_SPACES = re.compile(r"\s+")
# Emoji, pictographs, arrows, dingbats, box drawing, variation selectors and invisible marks.
_SYMBOLS = re.compile(
    "[\u00a9\u00ae\u200b-\u200f\u2028-\u202f\u2060-\u206f\u2190-\u21ff\u2300-\u23ff"
    "\u2460-\u27bf\u2b00-\u2bff\u3297\u3299\ufe00-\ufe0f\ufff0-\uffff"
    "\U0001f000-\U0001faff\U000e0000-\U000e007f]+"
)
# A character typed three times or more is emphasis or laughter (急急急, 哈哈哈), not a word.
_EMPHASIS = re.compile(r"([\u4e00-\u9fff])\1{2,}")
_NON_WORD = re.compile(r"[^\w\s]|_")

# Sichuan and general colloquial forms mapped to standard Mandarin, longest first.
_DIALECT: tuple[tuple[str, str], ...] = (
    ("晓不晓得", "知不知道"),
    ("要不要得", "行不行"),
    ("得不得", "会不会"),
    ("咋办", "怎么办"),
    ("咋个", "怎么"),
    ("咋样", "怎样"),
    ("啷个", "怎么"),
    ("咋", "怎么"),
    ("啥子", "什么"),
    ("撒子", "什么"),
    ("啥", "什么"),
    ("没得", "没有"),
    ("莫得", "没有"),
    ("要得", "好"),
    ("晓得", "知道"),
    ("哪儿", "哪里"),
    ("哪点", "哪里"),
)
_DIALECT_RE = re.compile("|".join(re.escape(src) for src, _ in _DIALECT))
_DIALECT_MAP = dict(_DIALECT)
# "How to do/handle it" with a vague verb (弄, 搞, 整) is "what to do".
# Dates written in Chinese numerals (八月二日, 十二号) are written with digits, as in most texts.
_CN_DATE = re.compile(
    r"([一二三四五六七八九十]{1,3})(?=月[0-9一二三四五六七八九十]{1,3}[日号])"
    r"|(?<=月)([一二三四五六七八九十]{1,3})(?=[日号])|([一二三四五六七八九十]{1,3})(?=号)"
)
# "5号" after a month is the day "5日", as most texts write it.
_DAY_HAO = re.compile(r"(?<=月)([0-9]{1,2})号")
_CN_DIGITS = {char: value for value, char in enumerate("零一二三四五六七八九")}
# Years in Chinese numerals digit by digit (二零二五年, 二〇二四年) are written with digits.
_CN_YEAR = re.compile(r"[零〇一二三四五六七八九]{4}(?=年)")
_YEAR_DIGITS = str.maketrans("零〇一二三四五六七八九", "00123456789")
_HOW_TO_DO = re.compile(r"怎么(?:弄|搞|整)(?!好|完)")
# Sichuan 好久 asks "how long" (要好久, 好久能到, 好久批得下来); in 好久没更新 or 等了好久 it
# means "a long time".
# At the end of a clause after a verb it asks too (要审好久, 一般等好久); not after 了 (等了好久).
_HOW_LONG = re.compile(
    r"(?<=[要得是])好久(?![了没不都])|好久(?=[能才会可批到出开拨下审要截结])"
    r"|(?<=[\u4e00-\u9fff])(?<![了很都那这])好久(?=[哦啊呀嘛呢]?(?:[\s,.!?，。！？]|$))"
)
# "Did not pass" said short (审核没过, 没过审): both characters are function words, so without
# this the outcome the message is about would vanish. Not 没过期 or 没过多久.
_NOT_PASSED = re.compile(r"(?:没|未)过(?=审|[了吗呢啊呀哦吧咋怎还能要该]|[\W_]|$)")
# "哪个" means "who" after verbs of asking or handing over, before a verb or a clause end.
_WHO = re.compile(r"(找|问|联系|交给|报给|发给|给)哪个(?=[开办问报交要拿签审批领]|[\W_]|$)")
# A clause-final "么" (not part of 什么/怎么/那么/这么/多么) is the question particle "吗".
_FINAL_ME = re.compile(r"(?<![什怎那这多要干])么(?=[\s,.!?;:，。！？；：]|$)")

# Greetings and politeness formulas at the start of a clause carry no content.
_POLITE_LEAD = re.compile(
    r"(?:(?<=^)|(?<=[\s,.!?;:，。！？；：]))"
    r"(?:各位(?:老师|领导|伙伴|同仁|家人)?们?(?:好|早上好|下午好|晚上好)?|老师们?(?:好|您好)"
    r"|大家好|您好|你好|早上好|上午好|下午好|晚上好|(?:hello|hi)(?![a-z])"
    r"|(?:麻烦|想|请)?(?:问|请教)一?下|请问|请教|麻烦|打扰(?:了|一下)|不好意思"
    # Asking the room: 谁知道, 有没有人知道 — the 谁 asks for anyone, not for a person.
    r"|(?:有没有|有|请)?(?:人|谁|哪位|哪个|老师|哪位老师)(?:知道|清楚|了解)(?:一下)?)+"
)
# Thanks, pleasantries and "are you there?" that form a whole clause.
_POLITE_CLAUSE = re.compile(
    r"(?:(?<=^)|(?<=[\s,.!?;:，。！？；：]))"
    r"(?:(?:谢谢|多谢|感谢|辛苦)(?:了|啦|您|你|大家|各位|老师们?|分享)*"
    r"|(?:各位)?(?:老师们?|您|你|助手)?(?:在吗|在么|在不在|在不|在没)|有人(?:在)?吗)"
    r"(?=[\s,.!?;:，。！？；：]|$)"
)


@lru_cache(maxsize=1)
def _converter() -> tuple[opencc.OpenCC, frozenset[str]]:
    """The traditional-to-simplified converter and the characters that need it."""
    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    traditional: set[str] = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if source and source not in targets.split():
            traditional.add(source)
    return opencc.OpenCC("t2s"), frozenset(traditional)


def warm_up() -> None:
    """Load the conversion tables now rather than on the first message."""
    converter, _ = _converter()
    converter.convert("體")


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified ones (fast when there are none)."""
    converter, traditional = _converter()
    if traditional.isdisjoint(text):
        return text
    return str(converter.convert(text))


def _cn_number(found: re.Match[str]) -> str:
    """12 for 十二, 31 for 三十一; anything else is left as it is."""
    text = found.group()
    tens, ten, ones = text.partition("十")
    if not ten:
        return str(_CN_DIGITS[text]) if len(text) == 1 else text
    if len(tens) > 1 or len(ones) > 1:
        return text
    return str(10 * (_CN_DIGITS[tens] if tens else 1) + (_CN_DIGITS[ones] if ones else 0))


# Sichuan 好多 asks "how much / how many" after a verb of amount, at the end of a clause or
# before 钱/个点/以上 (上限是好多, 要扣好多个点, 捐好多钱以上); 好多人 or 筹了好多 says "a lot".
_HOW_MUCH = re.compile(
    r"(?<=[是有要收扣配提占交捐付剩])好多"
    r"(?=(?:钱|个点|个|块)?(?:以上|以下|[哦啊呀嘛呢]?(?:[\s,.!?，。！？]|$)))"
)


def without_symbols(text: str) -> str:
    """The text with emoji, pictographs and invisible marks replaced by blanks."""
    return _SYMBOLS.sub(" ", text)


def map_dialect(text: str) -> str:
    """Replace Sichuan and colloquial forms with standard words."""
    text = _DIALECT_RE.sub(lambda found: _DIALECT_MAP[found.group()], text)
    text = _HOW_TO_DO.sub("怎么办", text)
    text = _WHO.sub(r"\1谁", text)
    text = _NOT_PASSED.sub("没通过", text)
    text = _HOW_LONG.sub("多久", text)
    text = _HOW_MUCH.sub("多少", text)
    return _FINAL_ME.sub("吗", text)


def clean(text: str) -> str:
    """Normalise width, script, case, noise and dialect; punctuation is kept."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text).lower()
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    text = without_symbols(text)
    text = _EMPHASIS.sub(" ", text)
    text = map_dialect(text)
    text = _CN_YEAR.sub(lambda found: found.group().translate(_YEAR_DIGITS), text)
    text = _CN_DATE.sub(_cn_number, text)
    text = _DAY_HAO.sub(r"\1日", text)
    return _SPACES.sub(" ", text).strip()


def strip_politeness(text: str) -> str:
    """Remove greetings and thanks at clause boundaries from cleaned text."""
    text = _POLITE_LEAD.sub("", text)
    return _POLITE_CLAUSE.sub("", text)


def strip_punctuation(text: str) -> str:
    """Replace punctuation with blanks (so no word spans two clauses) and collapse blanks."""
    return " ".join(_NON_WORD.sub(" ", text).split())


def normalize(text: str) -> str:
    """The full normalisation: clean, drop politeness and punctuation."""
    return strip_punctuation(strip_politeness(clean(text)))
