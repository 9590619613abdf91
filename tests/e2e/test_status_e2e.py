"""Project status through each real framework's networking: a registry sheet sent to the bot
is fetched (getFile and the download), previewed and imported on 确认导入, and a #进展 message
in the bound group is recorded and answered with what was understood."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from bot.settings import Settings
from tests.support import fake_bot_api as tg
from tests.support.fake_bot_api import FakeBotAPI, sent_to
from tests.support.people import ADMIN, STAFF
from tests.support.running_bot import running_bot

admin = tg.user(ADMIN.id, ADMIN.first_name, ADMIN.username)
staff = tg.user(STAFF.id, STAFF.first_name, STAFF.username)
admin_chat = tg.private_chat(admin)
luzhou = tg.group(-4001, "泸州慈善交流群")


def registry_sheet() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(("项目名称", "简称", "机构", "市州", "领域", "目标金额（元）", "负责人"))
    sheet.append(("阅芽计划", "阅芽", "泸州市慈善总会", "泸州", "儿童关爱", 300000, ""))
    sheet.append(("助老餐桌", "", "泸州市老年协会", "泸州", "助老", 80000, ""))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_a_sheet_is_imported_and_an_update_recorded(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    async with running_bot(settings, api, framework):
        api.push_message(luzhou, admin, "/bind 泸州")
        await api.wait_for(sent_to(luzhou, "本群已绑定到 泸州市"), timeout=20)

        document = api.add_file(registry_sheet(), "项目登记.xlsx")
        api.push_message(admin_chat, admin, None, document=document)
        [preview] = await api.wait_for(sent_to(admin_chat, "可导入 1 个项目"), timeout=20)
        assert "第3行：领域“助老”不在八类之中" in (preview.text or "")
        assert api.calls_to("getFile", ok=True)
        api.push_callback(admin_chat, admin, preview.result["message_id"], "status:import:1:ok")
        [done] = await api.wait_for("editMessageText", timeout=20)
        assert "已导入 1 个项目" in str(done.params.get("text"))

        api.push_message(luzhou, staff, "#进展 阅芽 已筹12.5万/目标30万 捐赠1320人次 筹款中")
        [answer] = await api.wait_for(sent_to(luzhou, "✅ 已记录进展：阅芽计划"), timeout=20)
        assert "已筹 12.5万元 / 目标 30万元（41.7%）" in (answer.text or "")
        markup = answer.params.get("reply_markup")
        assert "更正已筹" in str(markup)
