"""What a collection round says: the ask (privately or in the group with mentions), the
nudge, and the close with who reported and the region's summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from handlers.shared.dates import format_when, short_when, time_left
from handlers.status.messages import yuan
from storage.status_rounds import StatusRound
from storage.status_tables import ProjectFigures, StatusProject

MAX_LINES = 60  # projects listed in one message; Telegram takes 4096 characters
LATE = "（机器人停机后延迟发出）"


@dataclass
class Recipients:
    """Who is asked about which projects: privately by user id, in the group by mention."""

    private: dict[int, list[StatusProject]] = field(default_factory=dict)
    in_group: dict[str, list[StatusProject]] = field(default_factory=dict)  # mention → projects
    ownerless: list[StatusProject] = field(default_factory=list)

    def add(self, mention: str, user_id: int | None, project: StatusProject) -> None:
        if user_id is not None:
            self.private.setdefault(user_id, []).append(project)
        else:
            self.in_group.setdefault(mention, []).append(project)

    def names_in_group(self) -> list[str]:
        lines = [f"{who}：{_names(projects)}" for who, projects in self.in_group.items()]
        if self.ownerless:
            lines.append(f"未登记负责人（请协调员转告）：{_names(self.ownerless)}")
        return lines


def _names(projects: Sequence[StatusProject]) -> str:
    return "、".join(p.name for p in projects)


def how_to(region: str, example: str) -> str:
    return (
        f"报送方式：在{region}的群里发“#进展 项目名 数字 阶段”，或私聊我发 /update 按步骤填写。\n"
        f"例如：#进展 {example} 已筹12.5万/目标30万 捐赠1320人次 筹款中"
    )


def _bullets(projects: Sequence[StatusProject]) -> list[str]:
    shown = [f"· {p.name}" for p in projects[:MAX_LINES]]
    if len(projects) > MAX_LINES:
        shown.append(f"……共 {len(projects)} 个项目")
    return shown


def ask_private(
    round_: StatusRound, projects: list[StatusProject], now: datetime, late: bool
) -> str:
    region = round_.region.name
    head = f"📝 {region}项目进展征集{LATE if late else ''}"
    lines = [head, f"请在 {format_when(round_.closes_at, now)} 前报送您负责的项目的最新进展："]
    lines += _bullets(projects)
    lines.append(how_to(region, projects[0].name))
    return "\n".join(lines)


def ask_group(
    round_: StatusRound, who: Recipients, asked_privately: int, example: str | None,
    now: datetime, late: bool,
) -> str:  # fmt: skip
    region = round_.region.name
    when = format_when(round_.closes_at, now)
    lines = [f"📝 {region}项目进展征集开始{LATE if late else ''}，截止 {when}。"]
    if round_.moved_from is not None:
        lines.append(f"（原定 {format_when(round_.moved_from, now)} 是休息日，顺延到今天。）")
    if example is None:
        lines.append(f"{region}还没有登记项目：协调员可用 /project_add 登记。")
        return "\n".join(lines)
    named = who.names_in_group()
    if named:
        lines.append("请以下负责人报送项目进展：")
        lines += named[:MAX_LINES]
    if asked_privately:
        lines.append(f"另有 {asked_privately} 位负责人已私聊通知。")
    lines.append(how_to(region, example))
    return "\n".join(lines)


def nudge_private(
    round_: StatusRound, projects: list[StatusProject], now: datetime, late: bool
) -> str:
    region = round_.region.name
    close = round_.closes_at
    lines = [
        f"⏰ 提醒{LATE if late else ''}：{region}项目进展征集将于 {format_when(close, now)} 截止"
        f"（{time_left(close, now)}），以下项目还没有报送：",
        *_bullets(projects),
        how_to(region, projects[0].name),
    ]
    return "\n".join(lines)


def nudge_group(round_: StatusRound, who: Recipients, now: datetime, late: bool) -> str:
    region = round_.region.name
    close = round_.closes_at
    lines = [
        f"⏰ 提醒{LATE if late else ''}：{region}项目进展征集将于 {format_when(close, now)} 截止"
        f"（{time_left(close, now)}），以下项目还没有报送：",
        *who.names_in_group()[:MAX_LINES],
    ]
    return "\n".join(lines)


def _share(row: ProjectFigures) -> str:
    target = row.target_yuan
    if row.raised_yuan is not None and target:
        return f"（{100 * row.raised_yuan / target:.1f}%）"
    return f"（{row.percent:g}%）" if row.percent is not None else ""


def close_text(
    round_: StatusRound,
    figures: list[ProjectFigures],
    reported: set[int],
    owners: dict[int, str],
    next_start: datetime | None,
    now: datetime,
    late: str,
) -> str:
    """Who reported and who did not, then raised/target per project and the totals."""
    zone = now.tzinfo
    assert zone is not None
    region = round_.region.name
    window = f"{short_when(round_.starts_at, zone)} – {short_when(round_.closes_at, zone)}"
    lines = [f"📊 {region}项目进展征集结束{late}（{window}）"]
    done = [row for row in figures if row.project_id in reported]
    missing = [row for row in figures if row.project_id not in reported]
    lines.append(
        f"已报送（{len(done)}/{len(figures)}）：" + ("、".join(r.name for r in done) or "无")
    )
    if missing:
        lines.append(f"未报送（{len(missing)}）：")
        for row in missing[:MAX_LINES]:
            who = owners.get(row.project_id)
            lines.append(f"· {row.name}" + (f"（负责人 {who}）" if who else ""))
    if figures:
        lines.append("汇总（已筹 / 目标）：")
        for row in figures[:MAX_LINES]:
            lines.append(
                f"{row.name}：{yuan(row.raised_yuan)} / {yuan(row.target_yuan)}{_share(row)}"
            )
        if len(figures) > MAX_LINES:
            lines.append(f"……共 {len(figures)} 个项目")
        raised = sum(row.raised_yuan or 0 for row in figures)
        target = sum(row.target_yuan or 0 for row in figures)
        share = f"（{100 * raised / target:.1f}%）" if target else ""
        lines.append(f"合计：已筹 {yuan(raised)} / 目标 {yuan(target)}{share}")
    else:
        lines.append(f"{region}还没有登记项目。")
    if next_start is not None:
        lines.append(f"下一轮：{format_when(next_start, now)} 开始。")
    return "\n".join(lines)
