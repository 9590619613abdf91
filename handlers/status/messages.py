"""The status feature's name, its texts and how it writes figures."""

from __future__ import annotations

from storage.status_tables import DOMAINS

NAME = "status"
STAGES = ("筹备", "审核", "上线", "筹款中", "执行中", "结项")
DOMAIN_LIST = "、".join(DOMAINS)

ADD_USAGE = (
    "/project_add 项目名 机构=单位 领域=儿童关爱 目标=30万 [简称=阅芽,阅芽行动] "
    "[负责人=@用户名] [市州=泸州]\n"
    "例如：/project_add 阅芽计划 机构=泸州市慈善会 领域=儿童关爱 目标=30万 简称=阅芽\n"
    f"领域是八类之一：{DOMAIN_LIST}。在本市州群里可省略市州。"
)
EDIT_USAGE = (
    "/project_edit 项目名 字段=新值 …（字段：名称、机构、领域、目标、简称、负责人）\n"
    "例如：/project_edit 阅芽计划 目标=35万 简称=阅芽"
)
UPDATE_USAGE = (
    "/update 项目名 数字 [阶段]\n例如：/update 阅芽计划 已筹12.5万/目标30万 捐赠1320人次 筹款中\n"
    "在群里也可以直接发：#进展 阅芽计划 已筹12.5万 …；私聊发送 /update 可按步骤填写。"
)
NOT_BOUND = "本群还没有绑定市州，无法记录进展。请协调员先发送 /bind 市州名。"
PICK_STALE = "这个选择已经处理过或已失效。"


def clip(text: str, limit: int = 24) -> str:
    """Someone's text quoted back, cut short (a 5,000-character name stays out of replies)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def yuan(amount: int | float | None) -> str:
    """12.5万元, 8000元, 1.2亿元."""
    if amount is None:
        return "—"
    if abs(amount) >= 100_000_000:
        return f"{_trim(amount / 100_000_000)}亿元"
    if abs(amount) >= 10_000:
        return f"{_trim(amount / 10_000)}万元"
    return f"{_trim(amount)}元"


def _trim(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def signed_yuan(amount: int) -> str:
    return ("+" if amount >= 0 else "-") + yuan(abs(amount))
