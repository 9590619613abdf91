"""Project status as coordinators and group members see it: the registry (commands, a sheet
with bad rows, who may change it), updates in several forms (#进展, /update, step by step in
private, with photos), 您是指 for loose names, corrections that supersede, figures refused or
flagged, another region's project refused, and the ticket offer for a problem in an update."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from bot.app import App
from bot.transports.console import ConsoleSession
from handlers.core.model import Attachment, Button, Chat, MessageKind, SendDocument, User
from storage.status_tables import ProjectFigures
from storage.uow import UnitOfWork
from tests.support.broadcast import add_groups
from tests.support.people import ADMIN, LUZHOU_COORD, STAFF, STRANGER, private
from tests.support.talk import reply_to, say

ADD = (
    "/project_add 阅芽计划 机构=泸州市慈善总会 领域=儿童关爱 目标=30万 简称=阅芽 负责人=@zhang_sg"
)
LUNCH = "/project_add 爱心午餐加个蛋 机构=泸州市慈善总会 领域=扶弱济困 目标=10万"


@pytest.fixture
async def groups(app: App, console: ConsoleSession) -> tuple[Chat, Chat]:
    """A 泸州 group and a 凉山 group; 李会长 coordinates 泸州; two 泸州 projects."""
    luzhou, liangshan = [
        *await add_groups(app.sessions, 1, ("泸州",)),
        *await add_groups(app.sessions, 1, ("凉山",), start=1),
    ]
    await say(console, STAFF, private(STAFF), "/start")
    await say(console, LUZHOU_COORD, private(LUZHOU_COORD), "/start")
    await say(console, ADMIN, private(ADMIN), "/grant @li_luzhou 泸州")
    assert "✅ 已登记项目" in await reply_to(console, LUZHOU_COORD, luzhou, ADD)
    assert "✅" in await reply_to(console, LUZHOU_COORD, luzhou, LUNCH)
    return luzhou, liangshan


def buttons(console: ConsoleSession, chat: Chat) -> dict[str, Button]:
    return {b.text: b for b in console.messenger.buttons.get(chat.id, [])}


async def latest(app: App, region: str) -> dict[str, ProjectFigures]:
    async with UnitOfWork(app.sessions) as uow:
        found = next(r for r in await uow.regions.all() if r.name == region)
        return {row.name: row for row in await uow.status.latest_in_region(found.id)}


async def test_registry_commands_need_the_regions_coordinator(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, liangshan = groups
    assert "⛔" in await reply_to(
        console, STAFF, luzhou, "/project_add 新项目 机构=甲 领域=其他类"
    )
    hint = await reply_to(console, LUZHOU_COORD, luzhou, "/project_add 助老行动 领域=助老")
    assert "缺少机构" in hint and "领域“助老”不在八类之中" in hint and "例如：/project_add" in hint
    elsewhere = f"{LUNCH.replace('爱心午餐加个蛋', '彝绣')} 市州=凉山"
    assert "只有凉山的协调员" in await reply_to(console, LUZHOU_COORD, luzhou, elsewhere)
    again = await reply_to(console, LUZHOU_COORD, luzhou, ADD)
    assert "已经有名为“阅芽计划”的项目" in again
    listing = await reply_to(console, STAFF, luzhou, "/projects")
    assert "阅芽计划 · 简称：阅芽" in listing and "爱心午餐加个蛋" in listing
    assert "还没有登记项目" in await reply_to(console, STRANGER, liangshan, "/projects")
    edited = await reply_to(console, LUZHOU_COORD, luzhou, "/project_edit 阅芽 目标=35万")
    assert "目标 35万元" in edited
    archived = await reply_to(console, LUZHOU_COORD, luzhou, "/project_archive 爱心午餐加个蛋")
    assert "已归档" in archived
    assert "爱心午餐加个蛋" not in await reply_to(console, STAFF, luzhou, "/projects")
    assert set(await latest(app, "泸州")) == {"阅芽计划"}


async def test_updates_are_read_recorded_and_compared_with_the_last(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, _ = groups
    first = await reply_to(
        console, STAFF, luzhou, "#进展 阅芽计划 已筹12.5万/目标30万 捐赠1320人次 筹款中"
    )
    assert "✅ 已记录进展：阅芽计划（泸州）" in first
    assert "已筹 12.5万元 / 目标 30万元（41.7%）" in first and "捐赠 1,320 人次" in first
    assert set(buttons(console, luzhou)) >= {"更正已筹", "更正阶段"}
    second = await reply_to(console, STAFF, luzhou, "/update 阅牙计划 已筹十五万 捐赠1500人次")
    assert "阅芽计划" in second and "已筹 +2.5万元，捐赠 +180 人次" in second
    over = await reply_to(console, STAFF, luzhou, "#进展 阅芽 已筹32万")
    assert "⚠️ 已筹超过目标" in over
    figures = (await latest(app, "泸州"))["阅芽计划"]
    assert (figures.raised_yuan, figures.donations) == (320000, None)
    assert figures.target_yuan == 300000  # the registry's, the last update stated none


async def test_a_head_count_of_unclear_kind_is_named_not_guessed(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    """640人 could be donors or people helped: the answer names it as not read, and 更正人次
    adds it."""
    luzhou, _ = groups
    answer = await reply_to(console, STAFF, luzhou, "/update 阅芽 八万五 640人")
    assert "已筹 8.5万元" in answer and "❓ 没读懂：“640人”" in answer
    read = await reply_to(console, STAFF, luzhou, "#进展 阅芽 已筹9万 捐赠700人次")
    assert "没读懂" not in read
    alone = await reply_to(console, STAFF, luzhou, "#进展 阅芽 800人")
    assert "“800人”没有写明是捐赠人次还是受益人数" in alone
    await console.press(STAFF, luzhou, buttons(console, luzhou)["更正人次"])
    assert "✏️ 已更正" in await reply_to(console, STAFF, luzhou, "720")
    assert (await latest(app, "泸州"))["阅芽计划"].donations == 720


async def test_bad_figures_are_refused_with_the_reason(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, liangshan = groups
    negative = await reply_to(console, STAFF, luzhou, "#进展 阅芽计划 已筹-5万")
    assert "不能是负数" in negative and "-5万" in negative
    absurd = await reply_to(console, STAFF, luzhou, "#进展 阅芽计划 已筹500亿")
    assert "不合理" in absurd
    unread = await reply_to(console, STAFF, luzhou, "#进展 阅芽计划 已筹一些")
    assert "“已筹一些”里没有读出数字" in unread
    other = await reply_to(console, STRANGER, liangshan, "#进展 阅芽计划 已筹5万")
    assert "⛔ “阅芽计划”是泸州的项目，本群属于凉山" in other
    assert (await latest(app, "泸州"))["阅芽计划"].update_id is None


async def test_an_unclear_name_gets_choices_never_a_guess(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, _ = groups
    asked = await reply_to(console, STAFF, luzhou, "#进展 爱心早餐 已筹2万")
    assert asked.startswith("您是指：爱心午餐加个蛋")
    assert (await latest(app, "泸州"))["爱心午餐加个蛋"].update_id is None
    choice = buttons(console, luzhou)["爱心午餐加个蛋"]
    await console.press(LUZHOU_COORD, luzhou, choice)  # not the writer's choice to make
    assert (await latest(app, "泸州"))["爱心午餐加个蛋"].update_id is None
    await console.press(STAFF, luzhou, choice)
    assert (await latest(app, "泸州"))["爱心午餐加个蛋"].raised_yuan == 20000
    unknown = await reply_to(console, STAFF, luzhou, "#进展 大熊猫保护 已筹2万")
    assert "没有找到这条进展说的项目" in unknown


async def test_a_correction_is_a_new_record_that_supersedes(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, _ = groups
    await say(console, STAFF, luzhou, "#进展 阅芽计划 已筹12.5万 捐赠1320人次 筹款中")
    fix = buttons(console, luzhou)
    await console.press(STRANGER, luzhou, fix["更正已筹"])
    assert console.messenger.callback_answers[-1] == "只有报送人或本市州协调员可以更正。"
    await console.press(STAFF, luzhou, fix["更正已筹"])
    assert "12.6万元（原 12.5万元）" in await reply_to(console, STAFF, luzhou, "12.6万")
    await console.press(LUZHOU_COORD, luzhou, fix["更正阶段"])
    await console.press(LUZHOU_COORD, luzhou, buttons(console, luzhou)["执行中"])
    figures = (await latest(app, "泸州"))["阅芽计划"]
    assert (figures.raised_yuan, figures.donations, figures.stage) == (126000, 1320, "执行中")
    async with UnitOfWork(app.sessions) as uow:
        rows = await uow.status.history(figures.project_id, include_superseded=True)
        assert [(r.raised_yuan, r.stage, r.reporter_name) for r in rows] == [
            (126000, "执行中", LUZHOU_COORD.label),
            (126000, "筹款中", STAFF.label),
            (125000, "筹款中", STAFF.label),
        ]
        assert rows[0].text == rows[2].text and rows[0].reported_at == rows[2].reported_at
        assert rows[0].created_at >= rows[1].created_at


async def test_step_by_step_in_private_with_a_photo(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    chat = private(STAFF)  # 张社工 owns 阅芽计划
    await say(console, STAFF, chat, "/update")
    await console.press(STAFF, chat, buttons(console, chat)["阅芽计划"])
    await console.press(STAFF, chat, buttons(console, chat)["执行中"])
    await console.message(STAFF, chat, "已筹8万 受益120人", kind=MessageKind.PHOTO)
    answer = console.messenger.sent[-1][1]
    assert "已筹 8万元" in answer and "阶段：执行中" in answer and "📷 照片 1 张" in answer
    figures = (await latest(app, "泸州"))["阅芽计划"]
    assert (figures.beneficiaries, figures.stage) == (120, "执行中")
    async with UnitOfWork(app.sessions) as uow:
        update_id = figures.update_id or 0
        assert len((await uow.status.photos_of([update_id]))[update_id]) == 1
    twin = "/project_add 阅芽计划 机构=凉山妇联 领域=儿童关爱 市州=凉山"
    assert "✅" in await reply_to(console, ADMIN, private(ADMIN), twin)
    # in private a name is read within the writer's own region: 泸州 for 泸州's owner
    mine = await reply_to(console, STAFF, chat, "/update 阅芽计划 已筹9万")
    assert "✅ 已记录进展：阅芽计划（泸州）" in mine
    stranger = await reply_to(console, STRANGER, private(STRANGER), "/update 阅芽计划 已筹9万")
    assert stranger.startswith("您是指：阅芽计划（泸州）、阅芽计划（凉山）")  # in two regions
    choices = buttons(console, private(STRANGER))
    await console.press(STRANGER, private(STRANGER), choices["阅芽计划（泸州）"])
    assert "您不是“阅芽计划”的负责人" in console.messenger.sent[-1][1]


async def test_a_problem_in_an_update_gets_the_ticket_offer(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, _ = groups
    said = await say(
        console, STAFF, luzhou, "#进展 阅芽计划 已筹12万。我们项目的提现申请提交十天了还是处理中"
    )
    assert said[0].startswith("✅ 已记录进展") and "需要转给省总会处理吗" in said[1]


def sheet(rows: list[tuple[object, ...]]) -> bytes:
    book = Workbook()
    active = book.active
    assert active is not None
    for row in rows:
        active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def send_file(
    console: ConsoleSession, user: User, name: str, content: bytes, size: int | None = None
) -> str:
    chat = private(user)
    console.messenger.files[name] = content
    attachment = Attachment(name, name, len(content) if size is None else size)
    await console.message(user, chat, None, kind=MessageKind.DOCUMENT, file_name=name,
                          attachment=attachment)  # fmt: skip
    return console.messenger.sent[-1][1]


async def test_a_sheet_is_previewed_row_by_row_and_imported_on_confirmation(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    await say(console, LUZHOU_COORD, private(LUZHOU_COORD), "/project_template")
    template = next(a for a in console.messenger.performed if isinstance(a, SendDocument))
    opened = load_workbook(io.BytesIO(template.content)).active
    assert opened is not None and template.filename == "项目登记模板.xlsx"
    header = [c.value for c in next(opened.rows)]
    rows = [
        tuple(header),
        ("光雾山护林行动", "护林", "泸州市环保协会", "泸州", "生态环保", 200000, "@zhang_sg"),
        ("光雾山护林行动", "", "泸州市环保协会", "泸州", "生态环保", 100000, ""),
        ("阅芽计划", "", "泸州市慈善总会", "泸州", "儿童关爱", 300000, ""),
        ("彝绣传承", "", "凉山妇联", "凉山", "慈善文化", 50000, ""),
        ("助老餐桌", "", "泸州市老年协会", "", "助老", 80000, ""),
        ("社区书屋", "", "泸州某社工站", "火星", "社区治理", 60000, ""),
        ("乡村小学午餐", "", "泸州某基金会", "泸州", "乡村发展", "很多", ""),
        ("银龄互助", "", "泸州市老年协会", "", "敬老爱老", "8万", ""),
    ]
    preview = await send_file(console, LUZHOU_COORD, "项目.xlsx", sheet(rows))
    assert "可导入 2 个项目，有问题 6 行" in preview
    for expected in (
        "第3行：项目名称“光雾山护林行动”与第2行重复",
        "第4行：“阅芽计划”已经登记过了",
        "第5行：您不是凉山的协调员",
        "第6行：领域“助老”不在八类之中",
        "第7行：不认识市州“火星”",
        "第8行：目标“很多”不是有效金额",
    ):
        assert expected in preview
    assert "光雾山护林行动" not in set(await latest(app, "泸州"))  # nothing before 确认导入
    await console.press(LUZHOU_COORD, private(LUZHOU_COORD),
                        buttons(console, private(LUZHOU_COORD))["确认导入 2 个"])  # fmt: skip
    assert "✅ 已导入 2 个项目" in console.messenger.sent[-1][1]
    imported = await latest(app, "泸州")
    assert {"光雾山护林行动", "银龄互助"} <= set(imported)
    assert imported["银龄互助"].registry_target_yuan == 80000


async def test_sheets_that_cannot_be_imported_are_refused_plainly(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    big = await send_file(console, LUZHOU_COORD, "大表.xlsx", b"x", size=12 * 1024 * 1024)
    assert "文件太大（12.0 MB）" in big
    assert "不是表格" in await send_file(console, LUZHOU_COORD, "照片.jpg", b"\xff\xd8")
    assert "不是有效的 Excel 表格" in await send_file(console, LUZHOU_COORD, "坏.xlsx", b"PK")
    missing = await send_file(console, LUZHOU_COORD, "少列.csv", "项目名称,机构\n甲,乙\n".encode())
    assert "表格缺少列：领域、目标金额" in missing
    csv_ok = "项目名称,机构,领域,目标金额\n河道清洁,泸州环保协会,生态环保,5万\n".encode()
    assert "可导入 1 个项目" in await send_file(console, LUZHOU_COORD, "好.csv", csv_ok)
    refused = await send_file(console, STAFF, "好.csv", csv_ok)
    assert "只有市州协调员或省级管理员可以导入项目" in refused


async def test_an_admin_in_private_names_the_region(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    answer = await reply_to(
        console,
        ADMIN,
        private(ADMIN),
        "/project_add 彝绣传承 机构=凉山妇联 领域=慈善文化 目标=5万",
    )
    assert "请写明市州" in answer
    named = "/project_add 彝绣传承 机构=凉山妇联 领域=慈善文化 目标=5万 市州=凉山州"
    added = await reply_to(console, ADMIN, private(ADMIN), named)
    assert "✅ 已登记项目（凉山）" in added
    assert set(await latest(app, "凉山")) == {"彝绣传承"}


async def test_an_albums_photos_stay_with_its_update(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, _ = groups
    caption = "#进展 阅芽计划 已筹6万 执行中"
    await console.message(STAFF, luzhou, caption, kind=MessageKind.PHOTO, media_group_id="a1")
    assert "📷 照片 1 张" in console.messenger.sent[-1][1]
    before = len(console.messenger.sent)
    for _ in range(2):  # the album's other photos come as messages of their own, uncaptioned
        await console.message(STAFF, luzhou, None, kind=MessageKind.PHOTO, media_group_id="a1")
    assert len(console.messenger.sent) == before  # kept quietly
    update_id = (await latest(app, "泸州"))["阅芽计划"].update_id or 0
    async with UnitOfWork(app.sessions) as uow:
        assert len((await uow.status.photos_of([update_id]))[update_id]) == 3
    unbound = Chat(-4999, luzhou.type, "未绑定的群")
    assert "还没有绑定市州" in await reply_to(console, STAFF, unbound, caption)
