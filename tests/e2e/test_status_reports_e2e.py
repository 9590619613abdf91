"""Status reports through each real framework's networking: after an update in the bound
group, /export arrives as a multipart sendDocument (an .xlsx openpyxl opens, with the figures
in it) and /chart as a sendPhoto (a PNG of the expected size); a member's /export is refused
and nothing is uploaded."""

from __future__ import annotations

import io
import struct

import pytest
from openpyxl import load_workbook

from bot.settings import Settings
from handlers.status.chart import chart_pixels
from tests.support import fake_bot_api as tg
from tests.support.fake_bot_api import FakeBotAPI, sent_to
from tests.support.people import ADMIN, STAFF
from tests.support.running_bot import running_bot

admin = tg.user(ADMIN.id, ADMIN.first_name, ADMIN.username)
staff = tg.user(STAFF.id, STAFF.first_name, STAFF.username)
luzhou = tg.group(-4001, "泸州慈善交流群")
ADD = "/project_add 阅芽计划 机构=泸州市慈善总会 领域=儿童关爱 目标=30万 简称=阅芽"


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_export_and_chart_are_uploaded(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    async with running_bot(settings, api, framework):
        api.push_message(luzhou, admin, "/bind 泸州")
        await api.wait_for(sent_to(luzhou, "本群已绑定到 泸州市"), timeout=20)
        api.push_message(luzhou, admin, ADD)
        await api.wait_for(sent_to(luzhou, "✅ 已登记项目"), timeout=20)
        api.push_message(luzhou, staff, "#进展 阅芽 已筹12.5万/目标30万 捐赠1320人次 筹款中")
        await api.wait_for(sent_to(luzhou, "✅ 已记录进展：阅芽计划"), timeout=20)

        api.push_message(luzhou, staff, "/export")
        await api.wait_for(sent_to(luzhou, "⛔ 只有市州协调员或省级管理员"), timeout=20)
        api.push_message(luzhou, admin, "/export")
        [document] = await api.wait_for("sendDocument", timeout=30)
        name, content = document.files["document"]
        assert name.startswith("项目进展-泸州-") and name.endswith(".xlsx")  # today's date
        assert "1 个项目，1 条进展记录" in (document.text or "")
        summary = load_workbook(io.BytesIO(content))["汇总"]
        assert [c.value for c in summary[2]][:8] == [
            "泸州", "阅芽计划", "泸州市慈善总会", "儿童关爱", 125000, 300000, "=E2/F2", 1320,
        ]  # fmt: skip

        api.push_message(luzhou, staff, "/chart")
        [photo] = await api.wait_for("sendPhoto", timeout=30)
        name, content = photo.files["photo"]
        assert name.startswith("进展图-泸州-") and name.endswith(".png")
        assert content[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", content[16:24]) == chart_pixels(1)
        assert "已筹 12.5万元 / 目标 30万元（41.7%）" in (photo.text or "")
        assert len(api.calls_to("sendDocument")) == 1  # the member's /export sent nothing
