"""Short messages that are not fundraising questions: acknowledgements and thanks (收到, 好的,
谢谢老师🙏) and questions about the bot itself (你是谁, 你能做什么)."""

import re

from knowledge_base.normalize import without_symbols

# Spaces, punctuation and emphasis that do not change what a short reply says.
_NOISE = re.compile(r"[\s,，.。!！~～、…:：;；\"'“”]+")
_THANKS = r"(?:谢谢|多谢|感谢|辛苦)(?:了|啦|您|你|大家|各位|老师们?)*"
# A reply made only of these: 收到, 已收到谢谢, 好的收到, 好的辛苦了, 明白了老师, 你真棒.
_ACKNOWLEDGEMENT = re.compile(
    r"(?:好的?|ok(?:ay)?|嗯嗯?|(?:已经?|都)?收到(?:了|啦|咯|哈|啊|呢)?|明白了?|知道了?|了解"
    r"|已阅|已读|老师们?|(?:你|您)?(?:真|好|太)?(?:棒|厉害|给力)(?:了|啊|哦)?|" + _THANKS + r")+"
)
_SIGNS = re.compile(r"[🙏👌👍💪❤️✅🤝😊🙂]+")
# "You" asking who the bot is or what it does: 你是谁, 您能做什么, 你是机器人吗, 你咋个用.
_WHAT = r"(?:什么|啥|啥子|哪些|些什么|哪些事|嘛)"
_ABOUT_BOT = re.compile(
    r"(?:你好|您好|hello|hi|嗨)?(?:请问)?"
    r"(?:(?:你|您)(?:到底|究竟|都)?(?:是(?:谁|哪个|哪位|啥|什么|干" + _WHAT + r"的)"
    r"|叫" + _WHAT + r"(?:名字)?"
    r"|(?:能|会|可以)(?:做|干|帮|帮我|帮我们)?(?:做|干)?" + _WHAT + r"(?:事|忙)?"
    r"|有" + _WHAT + r"(?:用|功能|本事)"
    r"|(?:是不是|是)(?:机器人|真人|人工|ai|人工智能)(?:还是(?:机器人|真人|人工|ai|人工智能))?"
    r"|(?:能|会|可以)(?:回答|解答)些?(?:哪些|什么|啥子?)?(?:问题)?"
    r"|(?:怎么|咋个|咋|如何)(?:用|使用))"
    r"|(?:怎么|咋个|咋|如何)(?:用|使用)(?:你|您))"
    r"(?:吗|呢|啊|呀|哦|吖|哈|不)?"
)


def _core(text: str) -> str:
    return _SIGNS.sub("", _NOISE.sub("", text)).lower()


def is_acknowledgement(text: str) -> bool:
    """True for a reply that only acknowledges or thanks (收到, 已收到谢谢, 好的👌, 辛苦了)."""
    core = _core(text)
    if not core:
        return bool(_SIGNS.search(text))  # 👍 or 🙏 alone
    return _ACKNOWLEDGEMENT.fullmatch(core) is not None


def is_thanks(text: str) -> bool:
    """True for a reply that thanks (谢谢老师, 辛苦了🙏)."""
    return re.fullmatch(_THANKS, _core(text)) is not None


def is_about_bot(text: str) -> bool:
    """True for a question to the bot about itself (你是谁, 你能做什么, 你是机器人吗)."""
    # Any emoji left after the usual signs (你是机器人吗🤔) changes nothing it asks.
    core = _core(without_symbols(text))
    return _ABOUT_BOT.fullmatch(core.rstrip("?？")) is not None
