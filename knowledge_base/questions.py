"""Telling questions (and requests for help) from statements and chatter, by general cues."""

import re
from dataclasses import dataclass
from functools import cache

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")
_QUESTION_MARK = re.compile(r"[?？]")
# Interrogative words and A-not-A forms, minus their common non-question uses.
_INTERROGATIVE = re.compile(
    r"(?<![没不])(?:怎么|怎样|如何|为何|为什么)(?![也都])"
    r"|(?<!没)什么(?![都也])"
    r"|谁(?![都也])"
    r"|哪(?!怕)"
    r"|多少|多久|多长|多大|多高|多远|是否|能否|可否|有无"
    r"|(?<![好十这那前后近头最过])几(?![百千万十])"
    r"|([\u4e00-\u9fff])[不没]\1"
    r"|是[^,.!?，。！？]{1,15}还是"
    r"|(?<!干)吗(?!啡)"
    # Sichuan 好久 (how long) and 好多 (how much) that cleaning left as they are (it turns
    # only the sure ones into 多久 / 多少, since that changes the words matched): not 等了好久 /
    # 好久没 (a long time) nor 人好多 / 还差好多 (many, much); 好多 asks after a verb of amount
    # (要好多钱, 定好多).
    r"|(?<![了有])好久(?![没不了都])"
    r"|(?<=[要定设列提收写修是捐拍发交扣用给])好多(?![人家村])"
)
# Clause-final particles that make a question: 吗, and 不/没 after a verb (Sichuan and
# colloquial speech ask 还能交不, 能改过来不, 到账没).
_FINAL_PARTICLE = re.compile(
    r"(?:吗|么|(?<=[\u4e00-\u9fff])(?<![偏就也都决并再绝])不|(?<![还都也并从暂就])没有?)[啊呀呢哈嘛]*[\s.!?。！？]*$"
)
# Phone users end clauses with a space as often as with a comma (可以列吗 列好多合适).
_CLAUSE_END = re.compile(r"[,，;；:：]|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_SHORT_NE = re.compile(r"^.{1,6}呢[\s?？]*$")
# Asking the group for something, or reporting that something cannot be done (麻烦 asks, but
# 不用麻烦了 and 麻烦大家了 decline help or thank for it).
_REQUEST = re.compile(
    r"请问|请教|(?<!不用)(?<!别)麻烦(?!(?:你|您|大家|各位)?了)|想问|问一?下|想了解|想知道|想确认|咨询|求(?:助|推荐|拉|问|解答)|谁能|谁有"
    r"|[\u4e00-\u9fff]不(?:了|开|进去?|上|到|出[去来]?|动)(?![解的])|[进出]不来"
)
# Saying one will ask someone else (我明天去银行问一下, 找公募单位问下) asks nothing here.
_PLAN_TO_ASK = re.compile(r"(?:去|找)[\u4e00-\u9fff]{0,8}问一?下")

# A roll call asks people where they stand, not for information: 谁还没交报名表？
# 还有哪些单位没报？
_ROLL_CALL = re.compile(
    r"^(?:各位|大家)?[,，]?(?:还有)?(?:谁|哪(?:些|个|家|位)?(?:单位|机构|群|人|老师)?)还?(?:没|未)"
)


# A message that opens by naming a person (@李姐 …) asks that person, not the bot (the chat
# handlers take the bot's own name out before matching); so does one that opens by calling a
# colleague by name (小周，… 王老师，… 李姐，…) or speaks to colleagues (你们几个把名单核对一下).
# 老师，… and 各位老师，… speak to whoever knows, the bot included.
_TO_A_PERSON = re.compile(
    r"^\s*(?:@[^\s@]{1,20}\s"
    r"|(?:[小老阿](?!师)[\u4e00-\u9fff]"
    r"|(?![各大好老])[\u4e00-\u9fff](?:老师|姐|哥|总|主任|书记|会长|科长|秘书长))\s*[,，]"
    r"|你们(?!好))"
)


# The bot's display names, longest first: people call it by name (善邻，… / @善邻 …).
BOT_NAMES = ("善邻助手", "善邻")


@cache
def _call_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"^\s*@?(?:{alternatives})(?:[\s,，:：!！、~～]+|(?=[你您帮请]))")


def calling_the_bot(text: str, names: tuple[str, ...] = BOT_NAMES) -> str | None:
    """What follows when a message opens by calling the bot by name (善邻 提额之后配捐还有没得,
    @善邻 公募单位去哪里找, 善邻帮我查下…), else None; 善邻刚才回答的不对 only speaks of it."""
    found = _call_pattern(names).match(text)
    return text[found.end() :].strip() if found else None


def for_a_person(text: str) -> bool:
    """True when a raw message opens with an @mention of someone (not of the bot), a
    colleague's name or 你们."""
    return _TO_A_PERSON.match(text) is not None and calling_the_bot(text) is None


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a message and whether it asks something."""

    text: str
    asks: bool


def asks(sentence: str) -> bool:
    """True when one sentence carries a question or help-seeking cue."""
    stripped = sentence.strip()
    if not stripped or _ROLL_CALL.search(stripped):
        return False
    return bool(
        _QUESTION_MARK.search(stripped)
        or _INTERROGATIVE.search(stripped)
        or any(_FINAL_PARTICLE.search(clause) for clause in _CLAUSE_END.split(stripped))
        or _SHORT_NE.search(stripped)
        or (_REQUEST.search(stripped) and _REQUEST.search(_PLAN_TO_ASK.sub("", stripped)))
    )


def split_sentences(text: str) -> list[Sentence]:
    """Split cleaned text into sentences (punctuation kept) and mark the asking ones."""
    parts = [part for part in _SENTENCE_END.split(text) if part.strip()]
    return [Sentence(part, asks(part)) for part in parts]


def is_question(text: str) -> bool:
    """True when any sentence of cleaned text asks something."""
    return any(sentence.asks for sentence in split_sentences(text))
