"""/status 项目: a project's latest figures and its last updates (who, when, corrected by
whom). The name is resolved loosely as an update's is (short names, typos, homophones), within
the group's region; in private among the projects this person may see. An unclear name gets
您是指 buttons, never a guess."""

from __future__ import annotations

from handlers.core.commands import Command, typed_number
from handlers.core.context import Context
from handlers.core.model import AnswerCallback, Button, CallbackPress, EditMessage, IncomingMessage
from handlers.shared.dates import short_when
from handlers.status.amounts import normalize
from handlers.status.messages import PICK_STALE, yuan
from handlers.status.names import ProjectIndex
from handlers.status.projects import Project
from handlers.status.reports import money
from handlers.status.tally import STALE_DAYS, age_days, age_text, share
from storage.status_tables import StatusProject, StatusRecord

STATUS_USAGE = "/status 项目名\n例如：/status 阅芽计划（简称、错别字、同音字也可以）"
RECENT = 5  # updates listed
MAX_CHOICES = 3


async def status(ctx: Context, message: IncomingMessage, args: str) -> None:
    if not args.strip():
        ctx.reply(f"请写明项目。\n用法：{STATUS_USAGE}")
        return
    found = await _resolve(ctx, normalize(args.strip()))
    if isinstance(found, str):
        ctx.reply(found)
    elif isinstance(found, StatusProject):
        ctx.reply(await status_text(ctx, found))
    else:
        rows = tuple((Button(p.name, f"status:show:{p.id}"),) for p in found)
        ctx.reply(f"您是指：{'、'.join(p.name for p in found)}？请点选项目。", rows)


async def on_show(ctx: Context, press: CallbackPress, rest: str) -> None:
    """您是指 → the chosen project's status, in place of the question."""
    number = typed_number(rest)
    project = await ctx.uow.status.get_project(number) if number else None
    if project is None or project.archived or press.chat is None or press.message_id is None:
        ctx.add(AnswerCallback(press.callback_id, PICK_STALE))
        return
    if (why := await _hidden(ctx, project)) is not None:
        ctx.add(AnswerCallback(press.callback_id, why, show_alert=True))
        return
    ctx.add(EditMessage(press.chat.id, press.message_id, await status_text(ctx, project)))
    ctx.add(AnswerCallback(press.callback_id))


async def _hidden(ctx: Context, project: StatusProject) -> str | None:
    """Why this person may not see the project here, or None."""
    if ctx.group is not None and ctx.group.region_id is not None:
        if ctx.group.region_id == project.region_id:
            return None
        return f"“{project.name}”是{project.region.name}的项目，本群只能查看本市州的项目。"
    if ctx.actor.may_manage(project.region_id):
        return None
    user = ctx.actor.user
    owners = (await ctx.uow.status.owners_of([project.id]))[project.id]
    if user is not None and any(owner.user_id == user.id for owner in owners):
        return None
    return f"只能查看本市州的项目：请在{project.region.name}的群里发送 /status。"


async def _resolve(ctx: Context, text: str) -> StatusProject | list[Project] | str:
    """The project meant, the choices to offer, or why there is none."""
    registry = await ctx.services.get(ProjectIndex).current(ctx.uow)
    if ctx.group is not None and ctx.group.region is not None:
        region = ctx.group.region.name
        found = registry.resolve(text, region)
        if found.project is None and not found.candidates and found.elsewhere:
            other = found.elsewhere[0]
            return (
                f"⛔ “{other.name}”是{other.region}的项目，本群属于{region}，"
                "只能查看本市州的项目。"
            )
        chosen, candidates = found.project, list(found.candidates)
    else:
        chosen, candidates = await _resolve_mine(ctx, text)
    if chosen is not None:
        project = await ctx.uow.status.get_project(int(chosen.id))
        if project is not None:
            return project
    if candidates:
        return candidates[:MAX_CHOICES]
    return "没有找到这个项目：请写项目全称或简称（发送 /projects 查看本市州的项目）。"


async def _resolve_mine(ctx: Context, text: str) -> tuple[Project | None, list[Project]]:
    """In private: among every project (a provincial admin), or those of the person's regions
    and the projects they own."""
    registry = await ctx.services.get(ProjectIndex).current(ctx.uow)
    if ctx.actor.is_provincial_admin:
        found = registry.resolve(text, None)
        return found.project, list(found.candidates)
    user = ctx.actor.user
    owned = await ctx.uow.status.projects_of_owner(user.id) if user else []
    mine = {str(p.id) for p in owned}
    regions = {r.name for r in ctx.actor.coordinator_regions} | {p.region.name for p in owned}
    allowed = {r.id for r in ctx.actor.coordinator_regions}
    named: dict[str, Project] = {}
    offered: dict[str, Project] = {}
    for region in sorted(regions):
        found = registry.resolve(text, region)
        if found.project is not None:
            named[found.project.id] = found.project
        offered.update((p.id, p) for p in found.candidates)
    ids = {int(p.id) for p in [*named.values(), *offered.values()]}
    projects = {p.id: p for p in [await ctx.uow.status.get_project(i) for i in ids] if p}

    def visible(p: Project) -> bool:
        project = projects.get(int(p.id))
        return project is not None and (project.region_id in allowed or p.id in mine)

    named_ok = [p for p in named.values() if visible(p)]
    if len(named_ok) == 1:
        return named_ok[0], []
    return None, [p for p in [*named_ok, *offered.values()] if visible(p)]


async def status_text(ctx: Context, project: StatusProject) -> str:
    """The project's latest figures, how long ago, and its last updates."""
    now, zone = ctx.clock.now(), ctx.config.timezone
    latest = await ctx.uow.status.latest_of(project.id)
    lines = [f"📌 {project.name}（{project.region.name}）"]
    lines.append(" · ".join(p for p in (project.organisation, project.domain) if p))
    if latest is None or latest.update_id is None:
        target = f"目标 {yuan(project.target_yuan)}。" if project.target_yuan else ""
        lines.append(f"{target}还没有报送过进展。报送：#进展 {project.name} 已筹…")
        return "\n".join(lines)
    lines.append(money(latest.raised_yuan, latest.target_yuan, share(latest)) or "尚无金额")
    if said := counts(latest.donations, latest.beneficiaries):
        lines.append(" · ".join(said))
    if latest.stage:
        lines.append(f"阶段：{latest.stage}")
    age = age_days(latest.reported_at, now, zone)
    when = short_when(latest.reported_at, zone)
    lines.append(f"最近更新：{when}（{age_text(age)}）· {latest.reporter_name}")
    if age is not None and age >= STALE_DAYS:
        lines.append(f"⚠️ 已经 {age} 天没有更新")
    history = await ctx.uow.status.history(project.id, limit=RECENT)
    lines += ["", f"最近 {len(history)} 条进展："]
    photos = await ctx.uow.status.photos_of([r.id for r in history])
    for record in history:
        lines.append(await _history_line(ctx, record, len(photos.get(record.id, ()))))
    return "\n".join(lines)


def counts(donations: int | None, beneficiaries: int | None) -> list[str]:
    said = [] if donations is None else [f"捐赠 {donations:,} 人次"]
    return said if beneficiaries is None else [*said, f"受益 {beneficiaries:,} 人"]


async def _history_line(ctx: Context, record: StatusRecord, photos: int) -> str:
    zone = ctx.config.timezone
    who = record.reporter_name
    if record.root_id is not None:  # a correction: the report's writer, and who corrected it
        root = await ctx.uow.status.get_update(record.root_id)
        corrected = f"{record.reporter_name} {short_when(record.created_at, zone)}更正"
        who = f"{root.reporter_name if root else '—'}（{corrected}）"
    said = []
    if record.raised_yuan is not None:
        said.append(f"已筹 {yuan(record.raised_yuan)}")
    if record.target_yuan is not None:
        said.append(f"目标 {yuan(record.target_yuan)}")
    if record.percent is not None:
        said.append(f"完成 {record.percent:g}%")
    said += counts(record.donations, record.beneficiaries)
    if record.stage:
        said.append(record.stage)
    if photos:
        said.append(f"📷{photos}")
    return f"• {short_when(record.reported_at, zone)} {who}：" + " · ".join(said)


STATUS = Command("status", "查看项目的最新进展", STATUS_USAGE, status)
