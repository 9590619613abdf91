"""The category of a problem report, by the object of the problem, with the precedence the
desk uses: a receipt first, then money owed to the organisation, capacity, the fundraising
partner, the account, the hub's own lists and reviews, and the platform itself (the rest)."""

from __future__ import annotations

import re
from typing import Final

from handlers.tickets.fastre import guarded

CATEGORIES: Final = ("平台异常", "扩容提额", "账号开通", "公募对接", "票据", "其他")

# Categories by the object of the problem, in the desk's order of precedence.
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("票据", re.compile(r"票据|发票|开票|抬头")),
    ("其他", re.compile(r"提现|拨(?:付|款|给|了|到)|没拨|划转|执行款|项目款|资金|(?<!对公)打款")),
    (
        "扩容提额",
        re.compile(
            r"提额|扩容|扩(?:一下|下|个)容|(?<!配捐)额度|上限|限额|提(?:一下|下|个)额|提高目标|追加目标|提到?[0-9]"
            r"|筹满|(?:目标|额度|进度)[^\s]{0,6}满|100%"
        ),
    ),
    ("公募对接", re.compile(r"公募|挂靠")),
    (
        "账号开通",
        re.compile(
            r"账号|帐号|认证|开户|注册|(?<!跳)登录|登陆|登不|管理员|冻结|年检|信用代码|机构信息|法人"
            r"|入驻|打款验证|密码|登记证书|登记信息|机构类型|机构性质"
        ),
    ),
    (
        "其他",
        re.compile(
            r"名单|统计|积分|学员|培训|课程|一起学|打卡|意见栏|审核意见|审查"
            r"|(?:审核|申请|提交|反馈|报告|材料|资料)[^\s]{0,6}(?:退回|驳回|被拒|打回|没通过|不通过)"
        ),
    ),
)

# All cues in one scan: at each position, a lookahead names the first cue (in precedence order)
# that matches there, so the best cue of a text is the lowest-numbered one found.
_SCAN = guarded(
    "(?=" + "|".join(f"(?P<c{n}>{cue.pattern})" for n, (_, cue) in enumerate(_CUES)) + ")"
)


def category_of(own: str, text: str) -> str:
    """The category by the object of the writer's own clauses, else of the whole message."""
    for scope in (own, text):
        best = min(
            (int(str(found.lastgroup)[1:]) for found in _SCAN.finditer(scope)),
            default=None,
        )
        if best is not None:
            return _CUES[best][0]
    return "平台异常"
