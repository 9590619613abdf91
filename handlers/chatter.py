"""Short replies that acknowledge or thank rather than ask: 收到, 好的, 谢谢老师🙏."""

import re

# Spaces, punctuation and emphasis that do not change what a short reply says.
_NOISE = re.compile(r"[\s,，.。!！~～、…:：;；\"'“”]+")
_THANKS = r"(?:谢谢|多谢|感谢|辛苦)(?:了|啦|您|你|大家|各位|老师们?)*"
# A reply made only of these: 收到, 已收到谢谢, 好的收到, 好的辛苦了, 明白了老师.
_ACKNOWLEDGEMENT = re.compile(
    r"(?:好的?|ok(?:ay)?|嗯嗯?|(?:已经?|都)?收到(?:了|啦|咯|哈|啊|呢)?|明白了?|知道了?|了解"
    r"|已阅|已读|老师们?|" + _THANKS + r")+"
)
_SIGNS = re.compile(r"[🙏👌👍💪❤️✅🤝😊🙂]+")


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
