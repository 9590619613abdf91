"""Noticing problem reports: does a group message report the writer's own platform problem?

Detection runs on every group message after the FAQ has analysed it, so it reads the FAQ's
analysis (the normalised text of ``knowledge_base``: simplified, half-width, lower case, Sichuan
forms mapped, politeness and placeholders such as [图片] dropped, punctuation turned into blanks,
sound-alike misspellings of known terms repaired) and never cuts or normalises the text again.

A message is a problem when, in a clause that is the writer's own (not hearsay about another
unit, not a hypothetical or generic how-to, not a call for reports, not resolved since), it
states a failing, stuck, refused or wrong state, or asks the desk to act on its case, and the
message is about the platform or the programme (not a printer or the hotel wifi). The category
follows the object of the problem, with the precedence the desk uses (a receipt first, then
money owed to the organisation, capacity, the fundraising partner, the account, the hub's own
lists and reviews, and the platform itself).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Final, Protocol

from handlers.shared.words import any_word
from handlers.tickets.categories import category_of
from handlers.tickets.fastre import guarded
from knowledge_base.lexicon import place_names

PROBLEM: Final = "problem"
OTHER: Final = "other"


class Analysed(Protocol):
    """What detection reads of the FAQ's analysis of a message (a Match or a Query)."""

    @property
    def normalized(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Detection:
    """The verdict on one message: problem or other, a category for a problem, and why."""

    verdict: str
    category: str | None
    reason: str

    @property
    def is_problem(self) -> bool:
        return self.verdict == PROBLEM


# --- spelling the normaliser leaves alone --------------------------------------------------
# Voice input writes 提现 (withdraw) as the real word 体现 (embody); next to money words it is
# the withdrawal. 提e is 提额 when the knowledge base did not know 提额 to repair it.
_ALIASES = re.compile(
    r"体现(?=申请|到账|失败|款|的钱|金额|记录|被|不了|没|还|一直|成功|审核|提交)"
    r"|(?<=[申请要去能了])体现|提e(?![a-z])"
)
_ALIAS_OF = {"体现": "提现", "提e": "提额"}

# --- what makes a state a problem ----------------------------------------------------------
_CJK = "\u4e00-\u9fff"
# "Cannot V": 打不开, 登不上, 传不上去, 改不了, 生成不出来, 谈不拢, 看不见, 打不通 (not idioms
# such as 少不了, 受不了, 离不开, 不了解, 比不上, 说不定).
_CANNOT = (
    rf"不(?<=[{_CJK}]不)(?<![少免受离比算顾怪大说对]不)(?:了(?!解)|上去?|进去?|来|出来?|到"
    r"|开(?!心)|动|拢|下来|过去?|见|通|起)|无法|没法|没办法"
    r"|不(?<![能可]不)能(?:正常)?[捐登用打提上访支付开显修改进审]"
)
# A span of days, weeks or months (not 几天, which asks).
_SPAN = r"(?:[0-9]+|[一二两三四五六七八九十半多]+)个?多?(?:天|周|星期|礼拜|月)"
# Statuses a case can be stuck in.
_STATUS = r"审核中|待审核|处理中|开具中|审批中|待处理|待确认|未通过|失败|错误|超时"
_TROUBLE_PHRASES = "|".join(
    (
        # failing
        r"打不开|白屏|空白|报错|错误|出错|报[0-9]{3}|闪退|崩溃|转圈|卡(?:住|在|死|着|了(?!纸))",
        r"失败|没有?(?:任何)?反应|无反应|繁忙|异常|无效|失效|超时|乱码|加载[^\s]{0,3}慢"
        r"|(?:很|特别|太|超)慢",
        r"(?:系统|平台|页面|网站|服务器|小程序|后台)(?:又|都|直接)?崩|(?:都|还是|也|就是)不行",
        r"(?:一|一点|点了?|扫了?|打开)[^\s]{0,6}就(?:跳|弹|闪|报|卡|白|没|出现|提示|显示|退)",
        r"(?:一直|总是|老是|每次都?)(?:提示|报|弹|跳)",
        # refused, withdrawn
        r"驳回|被拒|拒绝|退回|打回|不通过|没通过|冻结|下架|下线|封(?:了|号)|(?<![没不])用完",
        r"不(?:再)?(?:同意|愿意|配合|合作|做了|接|干了|盖章|签)|不让|不允许|才(?:肯|愿意)",
        r"被(?:取消|删|撤|清空|关闭|暂停|限制|锁|封|停|屏蔽|截|挡|遮|替换|篡改|调低|降|减|砍|扣)"
        r"|显示不全|(?:也|都)没用",
        # "it does this as soon as I tap it", shown in a screenshot: 点进项目就这样, 这是啥情况
        r"就(?:这样|成这样|变成)|这(?:个|是)?(?:是)?(?:什么|啥)(?:情况|意思)|怎么回事",
        # wrong or missing
        r"对不上|不一致|不一样|不匹配|不符|不(?<!对不)对(?!劲)|有误|不正确|不准",
        r"(?:写|开|填|显示|弄|搞|算)错|错了|是错的|(?:显示|开|写|填|弄|搞|打|变)成(?!功)"
        r"|(?<![太点好])少了|漏了|多扣|重复(?:扣|捐|支付)|丢了",
        r"(?:是|成了?)别(?:人|家)的|(?:是|还是|写的是)(?:去年|旧|以前|之前)的|不见了|消失"
        r"|(?:突然|全都?|都)没了|(?:图片?|照片|封面)[^\s]{0,4}裂"
        # a system message quoted (its quotes are blanks now): 提示“…”, 显示“…维护中”
        r"|(?<!温馨)(?<!友情)(?<!重要)提示\s|(?:弹出|跳出|弹窗)\s"
        r"|显示\s[^\s]{0,8}?(?:中(?=\s|$)|失败|错误|异常|不存在|未|无|请|已达|不|维护)"
        r"|不存在|达(?:到)?上限|远超|超出规定"
        # tried again and again
        r"|(?:几|多|[0-9两三四五六七八九十])次[^\s]{0,3}(?:都|还是|也)(?:不|没)"
        # greyed out, empty, stalled, flickering
        r"|(?:是|变|显示)?灰(?:色|的)|是个?空|空表|停(?:留)?在|就变|一会儿?有一会儿?没|时有时无"
        r"|已被(?:注册|占用|绑定|使用)|明明|从来没|是空的|为空",
        r"(?:里|上|中)(?:面|头|边)?没有|没有?(?:操作|改|动)过|不是我们[^\s]{0,2}的",
        # a figure or a state contradicted: 但实际…, 实际我们报了5个, 只记了15天, 但…才开始
        r"实际(?:(?<=但实际)|(?<=可实际)|(?<=却实际)|(?<=但是实际)|(?<=可是实际)|(?<=\s实际)"
        r"|(?<=^实际))|只(?:开|到|显示|记|收到|配|算|统计)[^\s]{0,4}"
        r"[一两二三四五六七八九十半0-9]|(?:但是?|可是?|却)[^\s]{0,8}(?:才|还没|明明|从来没|确实)",
        r"(?:显示|提示)[^\s]{0,3}\s?(?:该[^\s]{0,4})?(?:已|被)?(?:结束|下架|失效|过期|暂停|停止"
        r"|关闭|不存在|删除)|没(?:有)?给(?:我们|我)|没有?说(?:原因|理由|明)"
        r"|没有?(?:任何)?(?:说明|理由|解释)",
        # stuck or unanswered
        r"没有?(?:收到|见到|到账|批|通过|识别|更新|生成|开出|出来|拨|显示|消息|回音|回复|动静|下文|结果"
        r"|解决|恢复|修好)",
        r"还?没(?:有)?到(?!时间|期|点|截止|[0-9])|没有?人(?:回|理|管|接|处理|通知|告诉)"
        r"|不回(?:消息|复|话|应)?",
        r"(?:一直|还是|仍然|仍|依然|到现在|至今|始终|老是|总是)[^\s]{0,6}?\s?"
        rf"(?:{_STATUS}|审核|待|未|正在|没(?!人|[^\s通]{{1,2}}过)"
        r"|不(?!是|知|清|懂|会|太|错|用|要|记|住)"
        r"|(?<![0-9.])0(?![0-9.万千百])|旧)",
        rf"(?:都|每次都?)(?:显示|提示|是)\s?(?:{_STATUS})",
        # waited for some time: 提交了十天了, 等了一周, 申请了一个多月, 两周了也没看
        rf"(?:申请|提交|交|等|审|催|报|寄|拖|走)(?:[^\s]{{0,6}}?了[^\s]{{0,3}}?{_SPAN}"
        rf"|[^\s]{{0,6}}?{_SPAN}了)",
        rf"{_SPAN}了?[^\s]{{0,2}}(?:也|都|还)没|到哪一?步|没有?(?:找到)?公募(?!资格)"
        r"|(?:已|显示|提示)过期|过期了|这么久|那么久|太久",
        # why is ours like this: 为什么我们的…, 咋个我们的…
        r"(?:为什么|为何|怎么)(?:我们|咱们)",
        # over a limit (a target reached is good news until more capacity is asked for)
        r"超(?:过|出)[^\s]{0,10}(?:上限|额度|限额)",
        _CANNOT,
    )
)
_TROUBLE = guarded(_TROUBLE_PHRASES)
# Asking the desk to act on the writer's case, or asking for more capacity.
_NEED = guarded(
    r"(?:帮(?:我们|忙|一下|我)?|给(?:我们|我))[^\s]{0,3}?(?:查|催|协调|核实|对接|牵|推荐|扩|提|走"
    r"|处理|问|改|重开|加|解决)"
    r"|(?:需要|申请|要|急需)(?:紧急)?(?:提额|扩容|提高目标|追加目标)|(?:提到|再提|想提)[0-9]"
    r"|(?:要|需要)重新?开|总会[^\s]{0,4}(?:看|查|处理|协调)"
    r"|(?<!我们)(?<!我)(?:紧急|尽快|赶紧)(?:帮忙)?(?:看|查|处理)"
)
# A state that is over: clause-final 好了, 解决了, 到账了, 不卡了 (not 好了没 / 好了吗).
_SOLVED = guarded(
    r"(?:好了|恢复了|解决了|搞定了?|到账了|批了|批下来了|成功了|收到了|开通了|正常了|没问题了"
    r"|开出来了|通过了|弄好了|处理好了|没事了|解冻了|修复了|修好了|改好了|改过来了|可以[^\s]{0,4}了"
    r"|不(?:卡|报错|闪退|白屏)了)[啊呀哈啦的]*(?=\s|$)"
    r"|已(?:经)?(?:解决|处理好|恢复|到账|开通)"
)
# Hypothetical or generic: 如果/万一 before the trouble, 的话/一般/的原因 after it, or the
# trouble as a condition on whoever meets it (打不开的请反馈, 捐不进去的可以换个浏览器).
_BEFORE_GENERIC = re.compile(
    r"如果|万一|假如|要是|假设|遇到|担心|怕|以防|防止|避免|(?:人|他|她|们|领导)问(?!题|了|过)"
)
# 会/可能/能不能 just before it: what may or might be (页面会打不开吗, 能不能开成个人抬头),
# not what did (not 总会, 协会).
_JUST_BEFORE_GENERIC = re.compile(
    r"(?:(?<![总协工开学参大年例晚商])会(?!议|员)|可能|容易|能不能|可不可以|能否|可以)[^\s]{0,2}$"
)
_AFTER_GENERIC = re.compile(
    r"^了?(?:的话|一般|通常|多半|往往|大多|之后|以后|的(?:项目|申请)(?:还|能|可以|要)|过(?![去来])"
    r"|的?时候?(?:怎么|该|要|会)|的?(?:原因|情况|问题)"
    r"|[^\s]{0,2}的\s?(?:可以|请|先|就|要|统一|及时|马上|尽快|第一时间|反馈|联系))"
    # asking what follows from it: 被驳回是不是就不能再报了 (but 被拒了，还能再申请吗 happened)
    r"|^(?:是不是就?|就不能|还能再?|能不能再|可以再|会不会)"
)
# Asking in advance: 先问问, 有备无患, 怕到时候 — a how-to, unless the trouble is already here.
_IN_ADVANCE = re.compile(
    r"先问|先了解|有备无患|到时候|提前(?:避开|规划|准备|了解|问|想)|以防万一|下个项目"
)
# A clause about an earlier year or time (去年…没人回): past, unless it says it still is.
_PAST = any_word("去年", "往年", "上次", "以前")
_STILL = any_word("还", "一直", "到现在", "至今", "仍")
# A rejection that came with its reason, and a question about revising: a how-to (but a
# rejection without a reason, disputed, repeated or with a request, is the desk's).
_REJECTION = any_word("驳回", "退回", "打回", "被拒", "没通过", "不通过")
_REASON_GIVEN = re.compile(r"(?<![没不])说(?!明)|意见(?:说|是|写)|理由(?:是|写)|原因(?:是|写)")
_ASKS_NEXT = re.compile(
    r"(?:怎么|咋|如何)[^\s]{0,3}(?:改|再|重新|提交|交|处理)|还能|还赶得上|能不能再|重新提交|再提交"
)
_ONGOING = re.compile(
    r"一直|还是|到现在|至今|已经|突然|又|今天|昨天|刚才|刚刚|早上|[0-9]+天"
    r"|[一二两三四五六七八九十半多几]+(?:天|周|个?星期|个?礼拜|个?月)"
)
# News about others: 听说, 别个机构, 隔壁, 宜宾有个项目 (not the writer's own case).
_HEARSAY = re.compile(
    r"听说|据说|新闻|报道|(?:别人|有人|群里)(?:说|问|讲|反映|提到)"
    r"|(?:别个|别人|别家|别的)的?(?:机构|单位|项目|市|县|那边|地方)|别家"
    r"|其他(?:机构|单位|市州|县)|隔壁|(?<!我们)(?<![我咱])有(?:个|家|些)(?:机构|单位|项目|县|区)"
)
_PLACE_SIDE = any_word("那边", "那里", "有个", "有家")
# The writer's own case (我问了腾讯 is the writer acting, not their case).
_FIRST_PERSON = re.compile(r"我们|咱们|我的|本机构|本单位|我(?=这边|机构|单位|项目|账号|县|市)")
_WE = any_word("我们", "咱们", "我的")
# Asking how things are done: a request in such a message is for information, not action.
_HOW_TO = re.compile(
    r"怎么(?:申请|开通|设立|对接|找|解冻|恢复|修改|作废)|有没有(?:流程|模板|办法)|流程(?:是|怎么)"
    r"|什么流程|哪些材料|什么材料|一般"
)
_THANKS = any_word("谢", "感谢")
# The writer's own slip: 是我输错密码了, 是我们自己弄错了.
_SELF_CAUSED = re.compile(r"是我(?:们)?(?:自己)?[^\s]{0,4}(?:错|的原因)|我(?:们)?自己[^\s]{0,3}错")
# A question passed on for someone else: 我帮朋友问的.
_FOR_SOMEONE_ELSE = re.compile(r"(?:帮|替)(?:朋友|别人|同事|其他|人家)[^\s]{0,3}问")
_PEERS = any_word("大家", "各位")
# A notice, a reminder, a coordinator's call for reports, or a tip for everyone.
_NOTICE = re.compile(
    r"^(?:提醒|温馨提示|通知|公告|转发?)|(?:温馨|友情|重要)提示|请(?:各|大家|全体)|收到请回复|统一汇总"
    r"|请[^\s]{0,8}(?:反馈|报送|检查)|(?:大家|各位)[^\s]{0,4}(?:可以|先|注意|不要|遇到)"
)
# A figure of speech taken back: 系统崩了——我说的是我自己.
_JOKE = any_word("说的是我", "我说的是", "开玩笑")
# Things outside the platform: a trouble in their clause is not the desk's.
_OFF_PLATFORM = re.compile(
    r"打印机|电脑|wifi|网速|路由|空调|停电|投影|会议室|视频会议|腾讯会议|手机(?:摔|坏)"
    r"|下雨|大雨|暴雨|天气"
)
# The platform and the programme: something here must be what the message is about.
_PLATFORM = re.compile(
    r"项目|页面|平台|后台|系统|小程序|二维码|链接|网页|腾讯|公益|捐|付款|支付|配捐|证书|上传|进展"
    r"|筹|目标|金额|名单|统计|积分|课程|学员|审核|审查|申请|提交|账号|帐号|认证|开户|注册|登录|登"
    r"|管理员|机构信息|法人|票据|发票|抬头|公募|挂靠|提额|扩容|额度|提现|拨|到账|协议|数据|明细"
    r"|记录|按钮|封面|入口|权限|分享|海报|额|资金|款|钱|账户|划转|培训|一起学"
)


def _aliased(text: str) -> str:
    return _ALIASES.sub(lambda found: _ALIAS_OF.get(found.group(), "提现"), text)


def _is_place_side(clause: str) -> bool:
    """宜宾那边, 泸州有个: a place named as where something happened (to someone else)."""
    places = place_names()
    for found in _PLACE_SIDE.finditer(clause):
        at = found.start()
        if clause[max(0, at - 2) : at] in places or clause[max(0, at - 3) : at] in places:
            return True
    return False


def _hearsay(clause: str) -> bool:
    found = _HEARSAY.search(clause)
    start = found.start() if found else -1
    if found is None and _is_place_side(clause):
        start = len(clause)
    if start < 0:
        return False
    own = _FIRST_PERSON.search(clause)
    return own is None or own.start() > start


def _generic(clause: str, start: int, end: int) -> bool:
    """The trouble at clause[start:end] is a condition or a topic, not something that happened."""
    return bool(
        _BEFORE_GENERIC.search(clause, 0, start)
        or _JUST_BEFORE_GENERIC.search(clause, 0, start)
        or _AFTER_GENERIC.search(clause[end:])
    )


def detect(analysed: Analysed) -> Detection:
    """The verdict on a message the FAQ has analysed (``Index.match(text)``'s Match)."""
    return detect_normalized(analysed.normalized)


def detect_normalized(normalized: str) -> Detection:
    """The verdict on the FAQ's normalised text of a message."""
    text = _aliased(normalized) if "体现" in normalized or "提e" in normalized else normalized
    if not text or not _PLATFORM.search(text):
        return Detection(OTHER, None, "not about the platform")
    troubles = _TROUBLE.finditer(text)
    first_trouble = next(troubles, None)
    first_need = _NEED.search(text)
    if first_trouble is None and first_need is None:  # most chatter stops here
        return Detection(OTHER, None, "no problem stated")
    if not _WE.search(text):
        if _NOTICE.search(text):
            return Detection(OTHER, None, "a notice or a call for reports")
        if _FOR_SOMEONE_ELSE.search(text):
            return Detection(OTHER, None, "asked for someone else")
    if _SELF_CAUSED.search(text):
        return Detection(OTHER, None, "the writer's own slip")
    # Clauses, with where each starts. Quoted words (显示“处理中”) lost their quotes to
    # blanks, so the text is searched as a whole and each find placed in its clause.
    clauses = text.split(" ")
    starts = []
    offset = 0
    for clause in clauses:
        starts.append(offset)
        offset += len(clause) + 1

    def clause_of(at: int) -> int:
        return bisect_right(starts, at) - 1

    counted = _own_current(text, clauses, clause_of)
    # Asking in advance, or how a named failure is handled without saying it happened to
    # the writer (账号被冻结了怎么解冻？有没有流程): a how-to unless a clause says it is ongoing.
    how_to = _HOW_TO.search(text) is not None
    in_advance = _IN_ADVANCE.search(text) is not None or (how_to and not _WE.search(text))
    evidence: list[str] = []
    decided = False  # one stated trouble other than a rejection decides
    for found in chain((first_trouble,), troubles) if first_trouble else ():
        number = clause_of(found.start())
        if not counted[number]:
            continue
        clause, at = clauses[number], found.start() - starts[number]
        if _generic(clause, at, at + len(found.group())):
            continue
        if in_advance and not _ONGOING.search(clause):
            continue
        if _PAST.search(clause, 0, at) and not _STILL.search(clause):
            continue
        evidence.append(found.group())
        if not _REJECTION.fullmatch(found.group()):
            decided = True
            break
    if not decided and first_need is not None and not (in_advance or how_to):
        for found in _NEED.finditer(text, first_need.start()):
            number = clause_of(found.start())
            clause, at = clauses[number], found.start() - starts[number]
            # not 感谢…帮忙催 (thanks for help given), nor 大家帮忙看看 (asked of the group)
            thanked = _THANKS.search(clause, 0, at) or _PEERS.search(clause, 0, at)
            # 能不能直接提到15万: asking what is allowed, not asking for it
            maybe = found.group().startswith("提") and _JUST_BEFORE_GENERIC.search(clause, 0, at)
            if counted[number] and not thanked and not maybe:
                evidence.append(found.group())
                decided = True
                break
    if not evidence:
        return Detection(OTHER, None, "no own problem stated")
    if not decided and _REASON_GIVEN.search(text) and _ASKS_NEXT.search(text):
        return Detection(OTHER, None, "a rejection with its reason, asking how to revise")
    own = " ".join(clause for clause, keep in zip(clauses, counted, strict=True) if keep)
    return Detection(PROBLEM, category_of(own, text), "、".join(evidence))


def _own_current(text: str, clauses: list[str], clause_of: Callable[[int], int]) -> list[bool]:
    """Per clause: does it speak of the writer's own case as it stands now?

    Clauses up to the last resolved one, or a joke taken back, say nothing that still holds. A
    clause is the writer's own unless it, or a clause before it with no first person since,
    reports others' news. Outside the platform (the printer, the weather), troubles are not
    the desk's.
    """
    first_current = 0
    for pattern in (_SOLVED, _JOKE):
        for found in pattern.finditer(text):
            first_current = max(first_current, clause_of(found.start()) + 1)
    counted = [number >= first_current for number in range(len(clauses))]
    if _HEARSAY.search(text) or _PLACE_SIDE.search(text):
        hearsay = False
        for number, clause in enumerate(clauses):
            if _FIRST_PERSON.search(clause):
                hearsay = False
            hearsay = hearsay or _hearsay(clause)
            counted[number] = counted[number] and not hearsay
    if _OFF_PLATFORM.search(text):
        for number, clause in enumerate(clauses):
            counted[number] = counted[number] and not _OFF_PLATFORM.search(clause)
    return counted
