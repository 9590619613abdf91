"""The registry in chat: /project_add, /project_edit, /project_archive, /projects.
Only the region's coordinators and provincial admins change it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.core.commands import Audience, Command
from handlers.core.context import Context
from handlers.core.model import IncomingMessage
from handlers.shared.regions import resolve_region
from handlers.status.amounts import normalize
from handlers.status.fields import Typed, owner_entry, read_amount, read_fields, split_list
from handlers.status.messages import ADD_USAGE, DOMAIN_LIST, EDIT_USAGE, clip, yuan
from handlers.status.names import ProjectIndex
from storage.directory import Region
from storage.status_tables import DOMAINS, StatusProject

Owners = list[tuple[str, str | None, int | None]]


async def region_for(ctx: Context, written: str | None) -> Region | str:
    """The region a registry command is about: as written (市州=…), else the group's, else
    the coordinator's only region; or a Chinese explanation of why there is none."""
    regions = await ctx.uow.regions.all()
    if written:
        region = resolve_region(written, regions)
        return region if region is not None else f"不认识市州“{clip(written)}”。"
    if ctx.group is not None and ctx.group.region_id is not None:
        found = await ctx.uow.regions.get(ctx.group.region_id)
        if found is not None:
            return found
    if len(ctx.actor.coordinator_regions) == 1:
        only = await ctx.uow.regions.get(ctx.actor.coordinator_regions[0].id)
        if only is not None:
            return only
    return "请写明市州，例如 市州=泸州。"


def refused(ctx: Context, region: Region) -> str | None:
    if ctx.actor.may_manage(region.id):
        return None
    return f"⛔ 只有{region.name}的协调员或省级管理员可以管理{region.name}的项目。"


async def owners_of(ctx: Context, written: str) -> Owners:
    owners: Owners = []
    for label in split_list(written):
        label, username = owner_entry(label)
        person = await ctx.uow.people.by_username(username) if username else None
        owners.append((label, username, person.id if person else None))
    return owners


def check_values(typed: Typed, *, adding: bool) -> tuple[dict[str, Any], list[str]]:
    """The fields as stored, and what is wrong with them (in Chinese)."""
    problems = [f"不认识字段“{clip(key)}”" for key in typed.unknown]
    values: dict[str, Any] = {}
    if "organisation" in typed.values:
        values["organisation"] = typed.values["organisation"][:255]
    elif adding:
        problems.append("缺少机构（机构=…）")
    domain = typed.values.get("domain")
    if domain is not None:
        domain = "其他类" if domain in ("其他", "其它", "其它类") else domain
        if domain not in DOMAINS:
            problems.append(f"领域“{clip(domain)}”不在八类之中（{DOMAIN_LIST}）")
        values["domain"] = domain
    elif adding:
        problems.append("缺少领域（领域=…）")
    if "target" in typed.values:
        target = read_amount(typed.values["target"])
        if target is None:
            problems.append(f"目标“{clip(typed.values['target'])}”不是有效金额（例如 目标=30万）")
        values["target_yuan"] = target
    if "aliases" in typed.values:
        values["aliases"] = [a[:64] for a in split_list(typed.values["aliases"])]
    if len(typed.name) > 128:
        problems.append("项目名太长（最多 128 字）")
    return values, problems


async def find_project(ctx: Context, region: Region, name: str) -> StatusProject | str:
    """A project of the region by its name or a short name (as registered, or loosely when
    only one fits); or why there is none."""
    project = await ctx.uow.status.project_by_name(region.id, name)
    if project is not None:
        return project
    registry = await ctx.services.get(ProjectIndex).current(ctx.uow)
    found = registry.resolve(normalize(name), region.name)
    if found.project is not None:
        match = await ctx.uow.status.get_project(int(found.project.id))
        if match is not None:
            return match
    closest = "、".join(p.name for p in found.candidates) if found.candidates else ""
    hint = f"您是指：{closest}？" if closest else "发送 /projects 查看本市州的项目。"
    return f"{region.name}没有名为“{clip(name)}”的项目。{hint}"


async def _permitted_region(ctx: Context, typed: Typed, usage: str) -> Region | None:
    """The region a typed project is in (see ``region_for``), if the actor may register or
    change projects there; else None, with the reason replied."""
    region = await region_for(ctx, typed.values.pop("region", None))
    if isinstance(region, str):
        ctx.reply(f"{region}\n用法：{usage}")
        return None
    if (why := refused(ctx, region)) is not None:
        ctx.reply(why)
        return None
    return region


async def project_add(ctx: Context, message: IncomingMessage, args: str) -> None:
    typed = read_fields(args)
    if not typed.name:
        ctx.reply(f"请写明项目名。用法：{ADD_USAGE}")
        return
    region = await _permitted_region(ctx, typed, ADD_USAGE)
    if region is None:
        return
    values, problems = check_values(typed, adding=True)
    if problems:
        ctx.reply("；".join(problems) + f"。\n用法：{ADD_USAGE}")
        return
    user = ctx.actor.user
    assert user is not None
    owners = await owners_of(ctx, typed.values.get("owners", ""))
    project = await ctx.uow.status.add_project(
        region.id, typed.name, values["domain"], organisation=values["organisation"],
        target_yuan=values.get("target_yuan"), aliases=values.get("aliases", ()),
        owners=owners, by=user.id, by_name=user.label, now=ctx.clock.now(),
    )  # fmt: skip
    if project is None:
        ctx.reply(f"{region.name}已经有名为“{clip(typed.name)}”的项目。修改请用 /project_edit。")
        return
    ctx.reply(f"✅ 已登记项目（{region.name}）：\n{describe(project)}")


async def project_edit(ctx: Context, message: IncomingMessage, args: str) -> None:
    typed = read_fields(args)
    if not typed.name or not (typed.values or typed.unknown):
        ctx.reply(f"用法：{EDIT_USAGE}")
        return
    region = await _permitted_region(ctx, typed, EDIT_USAGE)
    if region is None:
        return
    project = await find_project(ctx, region, typed.name)
    if isinstance(project, str):
        ctx.reply(project)
        return
    new_name = typed.values.pop("name", None)
    values, problems = check_values(typed, adding=False)
    if new_name:
        if await ctx.uow.status.project_by_name(region.id, new_name) not in (None, project):
            problems.append(f"{region.name}已经有名为“{clip(new_name)}”的项目")
        values["name"] = new_name[:128]
    if problems:
        ctx.reply("；".join(problems) + f"。\n用法：{EDIT_USAGE}")
        return
    if "owners" in typed.values:
        values["owners"] = await owners_of(ctx, typed.values["owners"])
    user = ctx.actor.user
    assert user is not None
    await ctx.uow.status.edit_project(
        project, values, by=user.id, by_name=user.label, now=ctx.clock.now()
    )
    ctx.reply(f"✅ 已修改：\n{describe(project)}")


async def project_archive(ctx: Context, message: IncomingMessage, args: str) -> None:
    typed = read_fields(args)
    restore = typed.name.endswith(" 恢复")
    name = typed.name.removesuffix(" 恢复").strip()
    if not name:
        ctx.reply("用法：/project_archive 项目名（恢复：/project_archive 项目名 恢复）")
        return
    region = await region_for(ctx, typed.values.get("region"))
    if isinstance(region, str):
        ctx.reply(region)
        return
    if (why := refused(ctx, region)) is not None:
        ctx.reply(why)
        return
    project = await ctx.uow.status.project_by_name(region.id, name)
    found = project if project is not None else await find_project(ctx, region, name)
    if isinstance(found, str):
        ctx.reply(found)
        return
    user = ctx.actor.user
    assert user is not None
    await ctx.uow.status.archive_project(
        found, by=user.id, by_name=user.label, now=ctx.clock.now(), archived=not restore
    )
    if restore:
        ctx.reply(f"✅ 已恢复项目“{found.name}”。")
    else:
        ctx.reply(f"🗄 已归档项目“{found.name}”：不再出现在列表和汇总中，历史进展保留。")


async def projects(ctx: Context, message: IncomingMessage, args: str) -> None:
    region = await region_for(ctx, args.strip() or None)
    if isinstance(region, str):
        ctx.reply(region)
        return
    in_group = ctx.group is not None and ctx.group.region_id == region.id
    if not in_group and not ctx.actor.may_manage(region.id):
        ctx.reply(f"⛔ 只能查看本市州的项目：请在{region.name}的群里发送 /projects。")
        return
    found = await ctx.uow.status.projects_in_region(region.id)
    if not found:
        ctx.reply(f"{region.name}还没有登记项目。协调员可用 /project_add 登记，或发送表格导入"
                  "（/project_template 获取模板）。")  # fmt: skip
        return
    lines = [f"📋 {region.name}的项目（{len(found)} 个）："]
    lines += [f"{n}. {describe(p, short=True)}" for n, p in enumerate(found, 1)]
    ctx.reply("\n".join(lines))


def describe(project: StatusProject, short: bool = False) -> str:
    parts: Sequence[str] = [
        project.name,
        f"简称：{'、'.join(project.short_names)}" if project.short_names else "",
        project.organisation,
        project.domain,
        f"目标 {yuan(project.target_yuan)}" if project.target_yuan else "",
        f"负责人：{'、'.join(o.label for o in project.owners)}" if project.owners else "",
    ]
    return (" · " if short else "\n").join(p for p in parts if p)


PROJECT_ADD = Command(
    "project_add", "登记项目（协调员）", ADD_USAGE, project_add, audience=Audience.COORDINATOR
)
PROJECT_EDIT = Command(
    "project_edit", "修改项目（协调员）", EDIT_USAGE, project_edit, audience=Audience.COORDINATOR
)
PROJECT_ARCHIVE = Command(
    "project_archive", "归档项目（协调员）", "/project_archive 阅芽计划", project_archive,
    audience=Audience.COORDINATOR,
)  # fmt: skip
PROJECTS = Command("projects", "本市州登记的项目", "/projects [市州]", projects)
