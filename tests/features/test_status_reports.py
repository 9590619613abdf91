"""What project updates add up to, as coordinators and admins see it: /status for one project,
/report for a region (stale ones flagged on the clock) or the province, /export's workbook
(cells, formulas, number formats, corrections marked), /chart's PNG (Chinese labels with no
missing glyph), and who may see what (a region only its own projects; export for the
region's coordinators and provincial admins)."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import warnings

import pytest
from openpyxl import load_workbook

from bot.app import App
from bot.transports.console import ConsoleSession
from handlers.core.model import Button, Chat, MessageKind, SendDocument, SendPhoto
from handlers.status.chart import Bar, chart_pixels, render
from handlers.status.export import PERCENT, YUAN
from storage.uow import UnitOfWork
from tests.support.broadcast import add_groups
from tests.support.clock import FakeClock
from tests.support.people import ADMIN, LUZHOU_COORD, STAFF, STRANGER, private
from tests.support.talk import reply_to, say

YUEYA = (
    "/project_add 阅芽计划 机构=泸州市慈善总会 领域=儿童关爱 目标=30万 简称=阅芽 负责人=@zhang_sg"
)
LUNCH = "/project_add 爱心午餐加个蛋 机构=泸州市慈善总会 领域=扶弱济困 目标=10万"
YIXIU = "/project_add 彝绣传承 机构=凉山州慈善总会 领域=乡村发展 目标=20万 市州=凉山"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def groups(app: App, console: ConsoleSession) -> tuple[Chat, Chat]:
    """A 泸州 group with two projects, a 凉山 group with one; 李会长 coordinates 泸州."""
    luzhou, liangshan = [
        *await add_groups(app.sessions, 1, ("泸州",)),
        *await add_groups(app.sessions, 1, ("凉山",), start=1),
    ]
    for person in (STAFF, LUZHOU_COORD, STRANGER):
        await say(console, person, private(person), "/start")
    await say(console, ADMIN, private(ADMIN), "/grant @li_luzhou 泸州")
    for command in (YUEYA, LUNCH):
        assert "✅ 已登记项目" in await reply_to(console, LUZHOU_COORD, luzhou, command)
    assert "✅ 已登记项目" in await reply_to(console, ADMIN, private(ADMIN), YIXIU)
    return luzhou, liangshan


def buttons(console: ConsoleSession, chat: Chat) -> dict[str, Button]:
    return {b.text: b for b in console.messenger.buttons.get(chat.id, [])}


def uploads(console: ConsoleSession, kind: type) -> list:
    return [a for a in console.messenger.performed if isinstance(a, kind)]


async def two_reports_and_a_correction(
    console: ConsoleSession, chat: Chat, clock: FakeClock
) -> None:
    """阅芽计划: 10万 on June 1st; 12.5万 a day later, corrected by its writer to 12.6万."""
    await say(console, STAFF, chat, "#进展 阅芽计划 已筹10万/目标30万 捐赠900人次 筹款中")
    clock.advance(days=1)
    await say(console, STAFF, chat, "#进展 阅芽 已筹12.5万 捐赠1320人次 筹款中")
    await console.press(STAFF, chat, buttons(console, chat)["更正已筹"])
    assert "已更正" in await reply_to(console, STAFF, chat, "12.6万")


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == PNG_SIGNATURE and content[12:16] == b"IHDR"
    width, height = struct.unpack(">II", content[16:24])
    return width, height


async def test_the_report_shows_the_latest_figures_with_corrections(
    console: ConsoleSession, groups: tuple[Chat, Chat], clock: FakeClock
) -> None:
    luzhou, liangshan = groups
    await two_reports_and_a_correction(console, luzhou, clock)
    await say(console, STRANGER, liangshan, "#进展 彝绣传承 已筹5万 捐赠80人次 上线")
    report = await reply_to(console, STAFF, luzhou, "/report")
    assert report.startswith("📊 泸州项目进展（6月2日 09:00）")
    assert "项目 2 个 · 12.6万元/40万元（31.5%） · 捐赠 1,320 人次" in report
    assert (
        "阅芽计划｜泸州市慈善总会\n    12.6万元/30万元（42.0%） · 1,320人次 · 筹款中 · 今天"
        in (report)
    )
    assert "⚠️1. 爱心午餐加个蛋｜泸州市慈善总会\n    目标 10万元 · 尚无进展" in report
    assert "彝绣" not in report  # another region's project
    theirs = await reply_to(console, STRANGER, liangshan, "/report")
    assert "彝绣传承" in theirs and "阅芽" not in theirs and "5万元/20万元（25.0%）" in theirs


async def test_stale_flags_follow_the_clock_and_the_days_asked(
    console: ConsoleSession, groups: tuple[Chat, Chat], clock: FakeClock
) -> None:
    luzhou, _ = groups
    await say(console, STAFF, luzhou, "#进展 阅芽计划 已筹10万 捐赠900人次")
    await say(console, STAFF, luzhou, "#进展 爱心午餐加个蛋 已筹2万")
    clock.advance(days=6)
    await say(console, STAFF, luzhou, "#进展 爱心午餐加个蛋 已筹3万")
    report = await reply_to(console, STAFF, luzhou, "/report")
    assert "\n2. 阅芽计划" in report and "6天前" in report
    assert "✅ 每个项目 7 天内都有更新" in report
    clock.advance(days=1)
    report = await reply_to(console, STAFF, luzhou, "/report")
    assert "\n⚠️2. 阅芽计划" in report and "7天前" in report
    assert "\n1. 爱心午餐加个蛋" in report and "昨天" in report
    assert "⚠️ 7 天以上未更新（或尚无进展）：1 个" in report
    longer = await reply_to(console, STAFF, luzhou, "/report 14")
    assert "⚠️" not in longer and "✅ 每个项目 14 天内都有更新" in longer
    shorter = await reply_to(console, STAFF, luzhou, "/report 1天")
    assert "⚠️ 1 天以上未更新（或尚无进展）：2 个" in shorter
    hint = await reply_to(console, STAFF, luzhou, "/report 0")
    assert "天数要在 1 到 365 之间" in hint and "用法：/report" in hint
    assert "不认识“下周”" in await reply_to(console, STAFF, luzhou, "/report 下周")


async def test_a_long_report_comes_in_parts_under_telegrams_limit(
    app: App, console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, _ = groups
    async with UnitOfWork(app.sessions) as uow:
        region = next(r for r in await uow.regions.all() if r.name == "泸州")
        for number in range(120):
            await uow.status.add_project(
                region.id, f"第{number:03d}号乡村儿童阅读与营养改善长期陪伴项目", "儿童关爱",
                organisation="泸州市某某县慈善协会暨社会工作服务中心", target_yuan=123_456_789,
                by=ADMIN.id, by_name="总会小王", now=app.core.clock.now(),
            )  # fmt: skip
        await uow.commit()
    parts = await say(console, STAFF, luzhou, "/report")
    assert len(parts) > 2 and all(len(part) <= 4096 for part in parts)
    assert parts[0].endswith(f"（共 {len(parts)} 条消息）")
    assert parts[1].startswith(f"📊 泸州项目进展（续 2/{len(parts)}）")
    text = "\n".join(parts)
    assert all(text.count(f"第{n:03d}号乡村") == 1 for n in range(120))
    assert "项目 122 个" in parts[0]


async def test_the_province_report_is_for_provincial_admins(
    console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, liangshan = groups
    await say(console, STAFF, luzhou, "#进展 阅芽计划 已筹10万 捐赠900人次")
    await say(console, STRANGER, liangshan, "#进展 彝绣传承 已筹5万 捐赠80人次")
    province = await reply_to(console, ADMIN, private(ADMIN), "/report")
    assert province.startswith("📊 全省项目进展（21 个市州")
    assert "项目 3 个 · 15万元/60万元（25.0%） · 捐赠 980 人次" in province
    assert "泸州：2个 · 10万元/40万元（25.0%） · 900人次 · ⚠️1" in province
    assert "凉山：1个 · 5万元/20万元（25.0%） · 80人次\n" in province
    assert "成都：未登记项目" in province and "阅芽" not in province  # totals, no projects
    assert "全省项目进展" in await reply_to(console, ADMIN, luzhou, "/report 全省")
    assert "泸州项目进展" in await reply_to(console, ADMIN, luzhou, "/report")
    coordinator = await reply_to(console, LUZHOU_COORD, private(LUZHOU_COORD), "/report")
    assert "泸州项目进展" in coordinator and "彝绣" not in coordinator
    refused = await reply_to(console, LUZHOU_COORD, private(LUZHOU_COORD), "/report 凉山")
    assert refused.startswith("⛔ 只有凉山的协调员或省级管理员")
    assert "只有省级管理员" in await reply_to(console, LUZHOU_COORD, luzhou, "/report 全省")
    other = await reply_to(console, ADMIN, luzhou, "/report 凉山")
    assert other.startswith("⛔ 本群属于泸州，只能查看泸州的项目")
    assert "请在本市州的群里发送" in await reply_to(console, STAFF, private(STAFF), "/report")


async def test_status_shows_a_projects_figures_and_its_last_updates(
    console: ConsoleSession, groups: tuple[Chat, Chat], clock: FakeClock
) -> None:
    luzhou, liangshan = groups
    tagged = "#进展 阅芽计划 已筹10万/目标30万 捐赠900人次 筹款中"
    await console.message(STAFF, luzhou, tagged, kind=MessageKind.PHOTO)
    clock.advance(days=2, hours=5)
    await say(console, STAFF, luzhou, "#进展 阅芽 已筹12.5万 捐赠1320人次 筹款中")
    await console.press(LUZHOU_COORD, luzhou, buttons(console, luzhou)["更正已筹"])
    await say(console, LUZHOU_COORD, luzhou, "12.6万")
    clock.advance(days=8)
    shown = await reply_to(console, STRANGER, luzhou, "/status 阅芽")
    assert shown.startswith("📌 阅芽计划（泸州）\n泸州市慈善总会 · 儿童关爱\n")
    assert "12.6万元/30万元（42.0%）\n捐赠 1,320 人次\n阶段：筹款中" in shown
    assert "最近更新：6月3日 14:00（8天前）· 李会长 (@li_luzhou)" in shown
    assert "⚠️ 已经 8 天没有更新" in shown
    assert "• 6月3日 14:00 张社工 (@zhang_sg)（李会长 (@li_luzhou) 6月3日 14:00更正）：" in shown
    assert "• 6月1日 09:00 张社工 (@zhang_sg)：已筹 10万元 · 目标 30万元" in shown
    assert "📷1" in shown and "12.5万" not in shown  # the corrected figure is gone
    asked = await reply_to(console, STRANGER, luzhou, "/status 爱心早餐")
    assert asked.startswith("您是指：爱心午餐加个蛋？")
    await console.press(STRANGER, luzhou, buttons(console, luzhou)["爱心午餐加个蛋"])
    edited = console.messenger.sent[-1][1]
    assert "📌 爱心午餐加个蛋（泸州）" in edited and "还没有报送过进展" in edited
    refused = await reply_to(console, STRANGER, liangshan, "/status 阅芽计划")
    assert refused.startswith("⛔ “阅芽计划”是泸州的项目，本群属于凉山")
    mine = await reply_to(console, STAFF, private(STAFF), "/status 阅芽")  # an owner
    assert mine.startswith("📌 阅芽计划（泸州）")
    hidden = await reply_to(console, STRANGER, private(STRANGER), "/status 阅芽计划")
    assert "没有找到这个项目" in hidden
    assert "用法：/status" in await reply_to(console, STAFF, luzhou, "/status")


async def test_the_export_holds_figures_formulas_formats_and_history(
    console: ConsoleSession, groups: tuple[Chat, Chat], clock: FakeClock
) -> None:
    luzhou, _ = groups
    await two_reports_and_a_correction(console, luzhou, clock)
    await say(console, STAFF, luzhou, "#进展 爱心午餐加个蛋 完成42%")
    await say(console, LUZHOU_COORD, luzhou, "/export")
    [document] = uploads(console, SendDocument)
    assert document.chat_id == luzhou.id and document.filename == "项目进展-泸州-20260602.xlsx"
    assert "2 个项目，4 条进展记录" in (document.caption or "")
    book = load_workbook(io.BytesIO(document.content))
    assert book.sheetnames == ["汇总", "历史"]
    summary = book["汇总"]
    assert summary.freeze_panes == "C2"
    assert [c.value for c in summary[1]][:7] == [
        "市州", "项目", "机构", "领域", "已筹（元）", "目标（元）", "完成率",
    ]  # fmt: skip
    lunch, yueya, total = summary[2], summary[3], summary[4]
    assert [c.value for c in yueya][:10] == [
        "泸州", "阅芽计划", "泸州市慈善总会", "儿童关爱", 126000, 300000, "=E3/F3", 1320, None,
        "筹款中",
    ]  # fmt: skip
    assert yueya[4].number_format == YUAN and yueya[6].number_format == PERCENT
    assert lunch[6].value == pytest.approx(0.42) and lunch[6].number_format == PERCENT
    assert lunch[4].value is None and lunch[5].value == 100000  # the registry's target
    assert yueya[10].value.strftime("%Y-%m-%d %H:%M") == "2026-06-02 09:00"
    assert [total[i].value for i in (0, 1, 4, 5, 6, 7)] == [
        "合计", "=COUNTA(B2:B3)", "=SUM(E2:E3)", "=SUM(F2:F3)", '=IF(F4>0,E4/F4,"")',
        "=SUM(H2:H3)",
    ]  # fmt: skip
    assert total[4].number_format == YUAN and total[6].number_format == PERCENT
    history = [[c.value for c in row] for row in book["历史"].iter_rows(min_row=2)]
    assert [(row[3], row[4], row[11], row[12]) for row in history] == [
        ("阅芽计划", 100000, "群内 #进展", None),
        ("阅芽计划", 125000, "群内 #进展", "已被更正"),
        ("阅芽计划", 126000, "更正", None),
        ("爱心午餐加个蛋", None, "群内 #进展", None),
    ]
    assert history[2][13] == history[1][0]  # the correction names the row it replaced
    assert history[2][10] == "张社工 (@zhang_sg)" and history[3][6] == pytest.approx(0.42)


async def test_only_the_regions_coordinators_and_admins_export(
    console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, liangshan = groups
    refused = await reply_to(console, STAFF, luzhou, "/export")
    assert refused.startswith("⛔ 只有市州协调员或省级管理员可以使用 /export")
    other = await reply_to(console, LUZHOU_COORD, private(LUZHOU_COORD), "/export 凉山")
    assert other.startswith("⛔ 只有凉山的协调员或省级管理员")
    here = await reply_to(console, LUZHOU_COORD, liangshan, "/export")
    assert here.startswith("⛔ 只有凉山的协调员或省级管理员可以导出")
    assert "请在私聊中发送" in await reply_to(console, ADMIN, luzhou, "/export 全省")
    assert uploads(console, SendDocument) == []  # nothing was sent
    await say(console, ADMIN, private(ADMIN), "/export")
    [province] = uploads(console, SendDocument)
    book = load_workbook(io.BytesIO(province.content))
    assert book.sheetnames == ["汇总", "各市州", "历史"]
    regions = book["各市州"]
    rows = {row[0].value: row for row in regions.iter_rows(min_row=2)}
    assert len(rows) == 22 and rows["泸州"][0].row == 5  # 21 regions in order, then 合计
    assert rows["泸州"][2].value == "=SUMIF('汇总'!$A$2:$A$4,A5,'汇总'!$E$2:$E$4)"
    assert rows["泸州"][2].number_format == YUAN
    assert {row[1].value for row in book["汇总"].iter_rows(min_row=2, max_row=4)} == {
        "阅芽计划", "爱心午餐加个蛋", "彝绣传承",
    }  # fmt: skip


async def test_the_chart_is_a_png_of_the_regions_projects(
    console: ConsoleSession, groups: tuple[Chat, Chat]
) -> None:
    luzhou, liangshan = groups
    await say(console, STAFF, luzhou, "#进展 阅芽计划 已筹12.5万/目标30万 捐赠1320人次")
    await say(console, STAFF, luzhou, "/chart")
    [photo] = uploads(console, SendPhoto)
    assert photo.chat_id == luzhou.id and photo.filename == "进展图-泸州-20260601.png"
    assert png_size(photo.content) == chart_pixels(2)
    assert "2 个项目，已筹 12.5万元 / 目标 40万元（31.2%）" in (photo.caption or "")
    await say(console, ADMIN, private(ADMIN), "/chart")
    assert png_size(uploads(console, SendPhoto)[-1].content) == chart_pixels(21)
    refused = await reply_to(console, STAFF, liangshan, "/chart 泸州")
    assert refused.startswith("⛔ 本群属于凉山")
    assert len(uploads(console, SendPhoto)) == 2


def test_chinese_labels_render_with_no_missing_glyph() -> None:
    bars = [
        Bar("阅芽计划", 126_000, 300_000, 42.0),
        Bar("羌绣妈妈·彝族刺绣传承与乡村振兴", 620_000, 500_000, 124.0),
        Bar("爱心午餐加个蛋", 0, 100_000, None, reported=False),
        Bar("甘孜藏区儿童冬衣（鑫淼犇骉）", 35_000, 0, None),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        content = render("泸州各项目筹款进度（截至6月1日）", bars, "共 60 个项目；全部见 /export")
    assert [str(w.message) for w in caught] == []  # "Glyph … missing from font" would be here
    assert png_size(content) == chart_pixels(4) == (1200, 384)


def test_matplotlib_is_imported_only_for_a_chart() -> None:
    code = (
        "import sys, bot.app, bot.features, handlers.status.chart\n"
        "assert 'matplotlib' not in sys.modules, 'imported at start'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
