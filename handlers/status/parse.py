"""Read a progress update (the text after #进展 or /update) into the fields of a status record.

The fields and their conventions are those of the status-eval set: ``project`` (registry id),
``raised_yuan``, ``target_yuan``, ``donations``, ``percent``, ``stage`` and ``beneficiaries``;
every field the text does not state is ``None``, nothing is filled in from the registry or
computed from other fields (except ``差3万满`` with a stated target).

How a figure is read: each number is classed by the words just before it in its clause
(已筹 → raised, 目标 → target, 受益/惠及 → beneficiaries, 人次/笔 → donations), and dropped
when those words make it something else than the current figure: history (去年), an increment
(又涨了, 新增), a part or a single gift (单笔, 人均, 含…配捐, 拨付), what is still missing (还差).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from handlers.shared.words import any_word
from handlers.status.amounts import (
    Quantity,
    find_quantities,
    find_shares,
    mask,
    mask_non_figures,
    normalize,
)
from handlers.status.projects import Registry, Resolution

FIELDS = (
    "project",
    "raised_yuan",
    "target_yuan",
    "donations",
    "percent",
    "stage",
    "beneficiaries",
)
STAGES = ("筹备", "审核", "上线", "筹款中", "执行中", "结项")

# A clause ends at punctuation or a line break; words before a number are read within it.
_CLAUSE_END = re.compile(r"[,;。!?\n、()\[\]【】~…]")

# Words before a number that make it something else than a current figure.
_HISTORY = re.compile(r"去年|前年|往年|上一?期|上一?轮|上次|之前|以前|原来|原(?=目标|计划)")
_INCREMENT = re.compile(r"又|新增|增加了|增长|涨了|涨(?!到)|多了|单日|从$")
_PART = re.compile(
    r"单笔|最大|最高|人均|平均|每人|每笔|每户|拨付|拨款|拨了|支出|花了|花费|发放|用了|用于|"
    r"配捐|配比|其中|含|包括|一笔|1笔|手续费|管理费|经费|余额|超(?:过|出)?了?目标|超额"
)
_MISSING = re.compile(r"差(?!不多|点)|还需|缺口|剩余|还剩|剩下")
_VOLUNTEERS = any_word("志愿", "义工", "工作人员")

# Words that say what a number is; the one nearest the number decides.
_KEYWORDS = re.compile(
    r"(?P<target>目标|计划筹|需筹|筹款额度)"
    r"|(?P<donations>人次|人数|捐款人|捐赠人|笔数|次数)"
    r"|(?P<beneficiaries>受益|惠及|资助|帮扶|帮助|覆盖|救助|受助|服务)"
    r"|(?P<raised>筹(?!备)|募|累计|一共|总共|合计|共计|总计|到账|完成|达到|涨到)"
    r"|(?P<raised_to>提到|提高到|提高至|提至|调到|调整为|调整到|上调到|上调至|改为|改成|增加到)"
)
_COUNT_KINDS = frozenset({"donations", "beneficiaries"})
# A round figure passed (破30万, 突破10万) stands for the amount only when no other is given.
_MILESTONE = any_word("破", "超过", "超出")
_TOTAL = any_word("累计", "一共", "总共", "合计", "共计", "总计", "共筹", "总筹")
# A count of people followed by these words is of donors or of beneficiaries.
_DONORS_AFTER = re.compile(r"^[^,;。!?\n]{0,2}(?:参与|捐|爱心)")
_TARGET_AFTER = re.compile(r"(?:元|块)?的?(?:筹款)?目标")  # used with .match(text, end)
_BENEFICIARIES_AFTER = re.compile(r"^[^,;。!?\n]{0,4}(?:受益|受助|受惠)")

# Stages and the phrasings that state them; the latest stage stated wins.
_STAGE_PHRASES = (
    ("筹备", "筹备|准备材料|准备中|在准备|项目书|申报材料"),
    ("审核", "审核中|提交审核|在审核|审核阶段|待审核|等[^,;。!?\n]{0,8}审|审查中|审批中|送审"),
    ("上线", "上线(?!审|前|后|时间|日期|申请)"),
    ("筹款中", "筹款中|正在筹|(?<!现)在筹(?!备)|筹款进行中|募捐中|募集中|继续筹|在募"),
    ("执行中", "执行中|在执行|进入执行|开始执行|执行阶段|实施中|在实施|进入实施|开始实施"),
    ("结项", "结项|项目结束|执行完毕"),
)
_STAGE_PATTERNS = tuple((stage, re.compile(phrases)) for stage, phrases in _STAGE_PHRASES)
# A stage said to come later (下个月才上线, 下周提交审核) or not reached (还没上线) is not stated.
_NOT_YET = re.compile(
    r"(?:下周|下个?月|下旬|明天|后天|过几天|过两天|即将|将要|将|马上|快要|快|准备|打算|计划|"
    r"才|还没有?|没有|未|尚未|等到|等待|争取)[^,;。!?\n]{0,3}$"
)


@dataclass
class StatusUpdate:
    """What one update states; ``None`` for every field it does not state."""

    project: str | None = None
    raised_yuan: int | None = None
    target_yuan: int | None = None
    donations: int | None = None
    percent: float | None = None
    stage: str | None = None
    beneficiaries: int | None = None
    resolution: Resolution | None = field(default=None, repr=False, compare=False)

    def fields(self) -> dict[str, Any]:
        """The seven fields, as status-eval names them."""
        return {name: getattr(self, name) for name in FIELDS}


def parse_update(text: str, region: str | None, registry: Registry) -> StatusUpdate:
    """Read ``text`` posted in a group of ``region`` (``None``: any region)."""
    clean = normalize(text)
    resolution = registry.resolve(clean, region)
    for start, end in resolution.spans:  # a name (三星堆, 一起捐) holds no figure
        clean = mask(clean, start, end)
    clean = mask_non_figures(clean)
    update = StatusUpdate(resolution=resolution)
    update.project = resolution.project.id if resolution.project else None
    update.stage = read_stage(clean)
    clean, update.percent = _read_percent(clean)
    _read_figures(clean, update)
    return update


def read_stage(text: str) -> str | None:
    """The latest stage the text states as reached (None when it states none)."""
    stated = []
    for rank, (stage, pattern) in enumerate(_STAGE_PATTERNS):
        for found in pattern.finditer(text):
            if not _NOT_YET.search(_clause_before(text, found.start())):
                stated.append((rank, stage))
    return max(stated)[1] if stated else None


def _clause_before(text: str, position: int) -> str:
    """The text from the start of the clause up to ``position``."""
    start = 0
    for found in _CLAUSE_END.finditer(text, 0, position):
        start = found.end()
    return text[start:position]


def _read_percent(text: str) -> tuple[str, float | None]:
    """The last share the text states, and the text with every share masked."""
    percent = None
    for share in find_shares(text):
        lead = _clause_before(text, share.start)
        if not re.search(r"比例|增长|增幅|同比|环比|费|去年|上周|上月|之前|配捐", lead) and not (
            re.search(r"(?:不到|没到|未到|不足|不够)$", lead)
        ):
            percent = share.percent
        text = mask(text, share.start, share.end)
    return text, percent


@dataclass
class _Figures:
    raised: list[tuple[bool, float]] = field(default_factory=list)  # (said as a total, yuan)
    plain_money: list[float] = field(default_factory=list)  # amounts with no word before
    milestones: list[float] = field(default_factory=list)
    missing: list[float] = field(default_factory=list)
    targets: list[float] = field(default_factory=list)
    donations: list[float] = field(default_factory=list)
    beneficiaries: list[float] = field(default_factory=list)


def _read_figures(text: str, update: StatusUpdate) -> None:
    figures = _Figures()
    previous: Quantity | None = None
    previous_kind = ""
    for quantity in find_quantities(text):
        clause_start = quantity.start - len(_clause_before(text, quantity.start))
        lead_start = max(clause_start, previous.end if previous else 0)
        lead = text[lead_start : quantity.start]
        kind = _classify(text, quantity, lead, text[clause_start : quantity.start], previous_kind)
        _record(figures, kind, quantity, lead)
        previous, previous_kind = quantity, kind
    if figures.raised:
        totals = [value for total, value in figures.raised if total]
        update.raised_yuan = round(max(totals or [value for _, value in figures.raised]))
    elif figures.plain_money:  # 昨天12万 今天12.5万: a total only grows
        update.raised_yuan = round(max(figures.plain_money))
    elif figures.milestones:
        update.raised_yuan = round(max(figures.milestones))
    if figures.targets:
        update.target_yuan = round(figures.targets[-1])
    if update.raised_yuan is None and figures.missing and update.target_yuan is not None:
        rest = update.target_yuan - round(figures.missing[0])
        update.raised_yuan = rest if rest >= 0 else None
    if figures.donations:
        update.donations = round(max(figures.donations))
    if figures.beneficiaries:
        update.beneficiaries = round(max(figures.beneficiaries))


def _classify(text: str, quantity: Quantity, lead: str, clause: str, previous_kind: str) -> str:
    """What a number is, from the words before it (and after it, for counts of people)."""
    counted = _last_keyword(lead, _COUNT_KINDS)
    if quantity.is_count or (not quantity.money and counted):
        if _VOLUNTEERS.search(lead) or _HISTORY.search(lead) or _INCREMENT.search(lead):
            return "other"
        after = text[quantity.end :]
        if counted == "beneficiaries" or _BENEFICIARIES_AFTER.match(after):
            return "beneficiaries"
        if counted == "donations" or quantity.unit in ("人次", "笔") or _DONORS_AFTER.match(after):
            return "donations"
        return "other"
    keyword = _last_keyword(lead)
    if not quantity.money and keyword not in ("target", "raised", "raised_to"):
        return "other"
    if _HISTORY.search(lead) or _PART.search(lead) or _INCREMENT.search(lead):
        return "other"
    if _MISSING.search(lead):
        return "missing"
    if keyword == "target" or (keyword == "raised_to" and "目标" in clause):
        return "target"
    if _TARGET_AFTER.match(text, quantity.end):
        return "target"  # 30万的目标
    if _MILESTONE.search(lead):
        return "milestone"  # 破30万: taken only when no figure is given
    if keyword == "raised":
        return "raised"
    if keyword == "beneficiaries":
        return "other"  # 资助5万: money paid out
    if lead.strip() == "/" and previous_kind in ("raised", "plain"):
        return "target"  # 12.5万/30万
    return "plain"


def _last_keyword(lead: str, kinds: frozenset[str] | None = None) -> str:
    """The kind of the keyword nearest the end of ``lead`` (among ``kinds``), or ""."""
    last = ""
    for found in _KEYWORDS.finditer(lead):
        kind = found.lastgroup or ""
        if kinds is None or kind in kinds:
            last = kind
    return last


# Where each kind of figure (but raised, which also notes whether it was said as a total) goes.
_LISTS = {
    "plain": "plain_money",
    "milestone": "milestones",
    "target": "targets",
    "missing": "missing",
    "donations": "donations",
    "beneficiaries": "beneficiaries",
}


def _record(figures: _Figures, kind: str, quantity: Quantity, lead: str) -> None:
    if kind == "raised":
        figures.raised.append((bool(_TOTAL.search(lead)), quantity.value))
    elif kind in _LISTS:
        getattr(figures, _LISTS[kind]).append(quantity.value)
