"""General (not knowledge-base specific) word knowledge: function words, question words, IDF."""

import re
from functools import lru_cache

from knowledge_base.dictionary import general_idf_table, jieba_data


def words(text: str) -> list[str]:
    """The blank-separated words of a block of text."""
    return text.split()


# Function words, pronouns, terms of address and fillers: they never say what a message is about.
STOP_WORDS = frozenset(
    words(
        """
        我 我们 你 你们 您 他 她 它 他们 她们 它们 咱 咱们 俺 大家 各位 自己 人家 别人 有人 有个
        这 那 这个 那个 这些 那些 这里 那里 这边 那边 这样 那样 这种 那种 这次 那次 这块 这儿
        那儿 此 的 地 得 了 着 过 吗 呢 吧 啊 呀 哈 嘛 么 哦 喔 噢 嗯 哇 啦 咯 呗 来着 哟 诶 欸
        哎 和 与 及 以及 跟 同 或 或者 还是 而 而且 并 并且 但 但是 可是 不过 因为 所以 如果
        要是 那么 就 都 也 还 又 再 才 只 就是 把 被 给 让 对 向 往 从 在 于 为 为了 关于 按 比
        比较 很 太 挺 非常 特别 真 真的 确实 一直 已经 马上 刚 刚才 刚刚 正在 现在 一下 一点
        有点 一些 一般 到底 大概 可能 应该 其实 然后 还有 另外 之前 之后 以后 以前 时候 东西
        事情 情况 能 能够 可以 会 要 想 得 必须 应当 该 需 是 有 在 做 弄 搞 去 来 说 问 看 下
        上 个 些 点 找 看到 看看 听说 弄好 一共 几个 几次 一次 这边 那边 来说 的话 之类 什么样
        里 中 内 先 直接 问题 开始 整个 第一次 完全 多 少 用 拿 放 办 一家 具体 主要 其他 相关
        方面 今天 明天 昨天 今年 去年 明年 最近 上次 下次 这次 下个月 上个月 本来 其实 感觉 觉得
        比如 例如 一样 一定 肯定 还能 还要 不能 不会 不行 可能 一起 总是 经常 有些 所有 全部
        老师 老师们 同事 领导 亲 小伙伴 朋友 各位老师 请 麻烦 谢谢 感谢 好 好的 一 一个 不 没
        没有 知道 不知道 请问 问问 帮忙 帮 一起 这么 怎么 怎样 怎么样 如何 什么 哪 哪些 哪个
        哪种 吗 是否 能否 可否 能不能 可不可以 是不是 要不要 会不会 有没有 需不需要 行不行
        可以吗 好不好 怎么办 咋办
        """
    )
)

# Everyday words newer than jieba's dictionary (it cuts 微信 into 微|信 and 靠谱 into 靠|谱).
MODERN_WORDS = words(
    """
    微信 微博 抖音 快手 小红书 视频号 公众号 小程序 朋友圈 群公告 评论区 热搜 上热搜 点赞 艾特
    网红 带货 主播 博主 自媒体 短视频 长图 网盘 扫码 付款码 收款码 微信支付 实名认证 闪退 卡顿
    登不上 线上 差评 吐槽 网暴 靠谱 打卡 刷屏
    """
)

# Question words that still say what kind of answer is wanted: mapped to one intent token each.
INTENT_WORDS: dict[str, str] = {
    word: intent
    for intent, spelled in {
        "?when": "什么时候 何时 哪天 几时 几号 几点 哪几天 多久 多长时间 什么时间",
        "?who": "谁 哪位 哪家 找谁 哪些单位",
        "?where": "哪里 哪儿 在哪 在哪里 哪边 去哪",
        "?amount": "多少 几 多大 多高",
        "?why": "为什么 为何 为啥",
    }.items()
    for word in spelled.split(" ")
}
INTENT_WEIGHT = 1.5
NUMBER_WEIGHT = 1.0


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Words that jieba's dictionary tags as place names (ns): 凉山, 宜宾, 锦江区."""
    with jieba_data("dict.txt").open(encoding="utf-8") as lines:  # line by line: the file is 5 MB
        stripped = (line.rstrip("\n") for line in lines)
        return frozenset(line[: line.index(" ")] for line in stripped if line.endswith(" ns"))


_NUMBER = re.compile(r"[0-9.%]+")


def is_number(token: str) -> bool:
    """True for digits and amounts such as 5, 12.5, 30%."""
    return _NUMBER.fullmatch(token) is not None


@lru_cache(maxsize=65536)
def base_weight(token: str) -> float:
    """How informative a token is in general Chinese text (0 for function words)."""
    if token in STOP_WORDS:
        return 0.0
    if token in INTENT_WORDS or token.startswith("?"):
        return INTENT_WEIGHT
    if is_number(token) or (len(token) == 1 and token.isascii() and token.isalpha()):
        return NUMBER_WEIGHT  # amounts, and placeholders such as the A in "A镇"
    table, median = general_idf_table()
    return table.get(token, median)
