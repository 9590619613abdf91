"""The status storage as the report and the bot rely on it: the latest effective update per
project (one query per region or for all), corrections that supersede without changing what
was reported, the previous update for "change since last", photos and owners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import App
from storage.directory import Region
from storage.status_tables import StatusProject, StatusRecord
from storage.uow import UnitOfWork

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


async def _region(uow: UnitOfWork, name: str) -> Region:
    region = await uow.session.scalar(select(Region).where(Region.name == name))
    assert region is not None
    return region


async def _project(
    uow: UnitOfWork,
    region: str,
    name: str,
    target_yuan: int | None = None,
    aliases: tuple[str, ...] = (),
    owners: tuple[tuple[str, str | None, int | None], ...] = (),
) -> StatusProject:
    project = await uow.status.add_project(
        (await _region(uow, region)).id, name, "儿童关爱", target_yuan=target_yuan,
        aliases=aliases, owners=owners, by=1, by_name="王", now=T0,
    )  # fmt: skip
    assert project is not None
    return project


async def _report(
    uow: UnitOfWork,
    project: StatusProject,
    figures: dict[str, object],
    message_id: int,
    now: datetime,
    photos: tuple[str, ...] = (),
) -> StatusRecord | None:
    return await uow.status.record_update(
        project, figures, text=f"m{message_id}", source="tag", reporter_id=5,
        reporter_name="张", chat_id=-1, message_id=message_id, now=now, photos=photos,
    )  # fmt: skip


async def test_registry_names_owners_and_archive(app: App) -> None:
    async with UnitOfWork(app.sessions) as uow:
        project = await _project(
            uow, "泸州", "阅芽计划", target_yuan=300000, aliases=("阅芽", "阅芽"),
            owners=(("@li", "li", None), ("张社工", None, None)),
        )  # fmt: skip
        assert project.short_names == ["阅芽"]
        assert await uow.status.add_project(project.region_id, "阅芽计划", "其他类",
                                            by=1, by_name="王", now=T0) is None  # fmt: skip
        await uow.people.seen(77, "李", None, "li", T0)
        owners = await uow.status.owners_of([project.id])
        assert owners[project.id][0].user_id == 77 and owners[project.id][1].user_id is None
        await uow.status.edit_project(
            project, {"target_yuan": 350000, "aliases": ["阅芽行动"]}, by=2, by_name="李", now=T0
        )
        assert project.short_names == ["阅芽行动"] and project.updated_by == 2
        await _project(uow, "德阳", "阅芽计划")  # another region may use the name
        await uow.status.archive_project(project, by=2, by_name="李", now=T0)
        assert await uow.status.projects_in_region(project.region_id) == []
        assert len(await uow.status.projects_in_region(project.region_id,
                                                        include_archived=True)) == 1  # fmt: skip
        await uow.commit()


async def test_latest_follows_reports_and_corrections(app: App) -> None:
    async with UnitOfWork(app.sessions) as uow:
        first = await _project(uow, "泸州", "阅芽计划", target_yuan=300000)
        quiet = await _project(uow, "泸州", "爱心午餐")
        other = await _project(uow, "凉山", "羌绣妈妈")
        r1 = await _report(uow, first, {"raised_yuan": 100000}, 1, T0)
        assert r1 is not None
        assert await _report(uow, first, {"raised_yuan": 1}, 1, T0) is None  # one per message
        later = T0 + timedelta(days=1)
        figures: dict[str, object] = {"raised_yuan": 125000, "donations": 1320, "stage": "筹款中"}
        r2 = await _report(uow, first, figures, 2, later, ("photo-1",))
        assert r2 is not None
        await _report(uow, other, {"raised_yuan": 9000}, 3, later)
        fixed = await uow.status.correct_update(
            r2, {"raised_yuan": 126000}, by=9, by_name="李", now=later + timedelta(hours=1)
        )
        assert fixed is not None
        assert await uow.status.correct_update(r2, {"donations": 1}, by=9, by_name="李",
                                               now=later) is None  # fmt: skip
        assert (await uow.status.effective(r2)).id == fixed.id
        # correcting the older report does not move the latest pointer
        old_fix = await uow.status.correct_update(r1, {"raised_yuan": 110000}, by=9,
                                                  by_name="李", now=later)  # fmt: skip
        assert old_fix is not None
        await uow.commit()
    async with UnitOfWork(app.sessions) as uow:
        luzhou = await _region(uow, "泸州")
        rows = {row.name: row for row in await uow.status.latest_in_region(luzhou.id)}
        assert set(rows) == {"阅芽计划", "爱心午餐"}
        top = rows["阅芽计划"]
        assert (top.raised_yuan, top.donations, top.stage) == (126000, 1320, "筹款中")
        assert top.reported_at == later and top.target_yuan == 300000
        assert rows["爱心午餐"].update_id is None
        everywhere = await uow.status.latest_all()
        assert [row.region for row in everywhere] == ["泸州", "泸州", "凉山"]
        fixed_row = await uow.status.get_update(top.update_id or 0)
        assert fixed_row is not None and fixed_row.reporter_name == "李"
        assert fixed_row.text == "m2" and fixed_row.source == "correction"
        previous = await uow.status.previous_update(fixed_row)
        assert previous is not None and previous.raised_yuan == 110000
        assert await uow.status.photos_of([fixed_row.id]) == {fixed_row.id: ["photo-1"]}
        history = await uow.status.history(first.id)
        assert [h.raised_yuan for h in history] == [126000, 110000]
        every = await uow.status.history(first.id, include_superseded=True)
        assert len(every) == 4
        replaced = await uow.status.superseded_ids([h.id for h in every])
        assert replaced == {r1.id, r2.id}
        assert len(await uow.status.region_history(luzhou.id)) == 4
        assert quiet.id in {row.project_id for row in rows.values()}
