"""The offline demo as a person plays it: several runs on one database, the demo's clock,
replies, photos and files."""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.cli import _play, demo_session
from bot.settings import Settings, load_settings
from bot.transports.console import FIRST_USER_ID, ConsoleSession
from tests.conftest import app_services


def demo_settings(db: Path) -> Settings:
    return load_settings(
        DATABASE_URL=f"sqlite+aiosqlite:///{db}",
        PROVINCIAL_ADMINS=str(FIRST_USER_ID),
        BOT_TOKEN=None,
        TIMEZONE="Asia/Shanghai",
    )


async def play(db: Path, script: str, capfd: pytest.CaptureFixture[str]) -> str:
    """``shanlin demo --script`` on ``db``: the transcript it prints."""
    capfd.readouterr()
    lines = textwrap.dedent(script).strip().splitlines()
    await _play(demo_settings(db), lines, app_services())
    return capfd.readouterr().out


TYPED = re.compile(r"^(\[[^\]]*\] [^\s🤖]+( #\d+)?)?> ")  # a line the person typed


def answer_to(out: str, line: str) -> str:
    """What was printed after the typed ``line`` ("[群] 名字> 文字", whatever number the
    message got), up to the next typed line."""
    where_who, _, text = line.partition("> ")
    typed = re.escape(where_who) + r"( #\d+)?> " + re.escape(text)
    lines = out.splitlines()
    start = next((i for i, printed in enumerate(lines) if re.fullmatch(typed, printed)), None)
    assert start is not None, f"{line!r} is not in the transcript:\n{out}"
    answer = []
    for printed in lines[start + 1 :]:
        if TYPED.match(printed):
            break
        answer.append(printed)
    return "\n".join(answer)


# --- 12: a kept database keeps who is who ----------------------------------------------------


async def test_a_second_run_on_a_kept_database_keeps_people_and_groups_apart(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.sqlite3"
    await play(
        db,
        """
        /as 总会小王
        /in 泸州交流群
        /join
        /bind 泸州
        /in 凉山交流群
        /join
        /bind 凉山
        """,
        capfd,
    )
    # The second run meets the people and groups in another order.
    out = await play(
        db,
        """
        /as 张社工
        /in 凉山交流群
        /whoami
        /bind 泸州
        /as 总会小王
        /in 泸州交流群
        /whoami
        """,
        capfd,
    )
    first = answer_to(out, "[凉山交流群] 张社工> /whoami")
    assert "身份：成员" in first and "本群：凉山彝族自治州" in first
    assert "⛔" in answer_to(out, "[凉山交流群] 张社工> /bind 泸州")
    admin = answer_to(out, "[泸州交流群] 总会小王> /whoami")
    assert "省级管理员" in admin and "本群：泸州市" in admin


async def test_a_new_person_on_a_kept_database_is_not_the_admin(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.sqlite3"
    await play(db, "/as 总会小王\n/in 私聊\n/whoami", capfd)
    out = await play(db, "/as 新来的小李\n/in 私聊\n/whoami\n/grant @nobody 泸州", capfd)
    assert "身份：成员" in answer_to(out, "[私聊] 新来的小李> /whoami")
    assert "⛔" in answer_to(out, "[私聊] 新来的小李> /grant @nobody 泸州")


# --- 13: the demo's clock ----------------------------------------------------------------------

GROUP = """
/now 2026-06-01 09:00
/as 总会小王
/in 泸州交流群
/join
/bind 泸州
"""


async def test_waiting_a_week_sends_each_reminder_of_a_weekly_deadline_at_its_time(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = await play(
        tmp_path / "demo.sqlite3",
        GROUP + "/deadline 每周五下午5点 提交周报\n/wait 1周\n",
        capfd,
    )
    waited = answer_to(out, "[泸州交流群] 总会小王> /wait 1周")
    # Friday 5 June 17:00, reminded 3 days, 1 day and 2 hours before; each on time.
    assert waited.count("⏰ 截止提醒 #1") == 3, waited
    for left in ("还剩 3 天。", "还剩 1 天。", "还剩 2 小时。"):
        assert left in waited, waited
    assert "延迟提醒" not in waited and "停机" not in waited
    assert "6月8日" in waited.splitlines()[-1]  # the clock ends where it was sent


async def test_waiting_a_day_past_a_reminder_sends_it_on_time_not_late(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = await play(
        tmp_path / "demo.sqlite3",
        GROUP + "/deadline 6月2日18:00 交材料 提前 1天\n/wait 1天\n",
        capfd,
    )
    waited = answer_to(out, "[泸州交流群] 总会小王> /wait 1天")
    assert "⏰ 截止提醒 #1" in waited and "还剩 1 天。" in waited, waited
    assert "延迟提醒" not in waited


async def test_a_clock_set_beyond_what_dates_can_hold_is_refused(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = await play(
        tmp_path / "demo.sqlite3",
        GROUP + "/now 9999-12-31 23:59\n/wait 1天\n/wait 100000天\n/deadlines\n",
        capfd,
    )
    refused = answer_to(out, "[泸州交流群] 总会小王> /now 9999-12-31 23:59")
    assert "2099" in refused and "现在是" not in refused
    assert "2099" in answer_to(out, "[泸州交流群] 总会小王> /wait 100000天")
    assert "6月2日" in answer_to(out, "[泸州交流群] 总会小王> /wait 1天")  # the clock stayed
    assert "没有即将到期" in answer_to(out, "[泸州交流群] 总会小王> /deadlines")


# --- 14: replies, photos and files -------------------------------------------------------------


class Demo:
    """The demo played a few lines at a time, reading the numbers it shows."""

    def __init__(self, session: ConsoleSession, out: io.StringIO) -> None:
        self.session, self.out = session, out

    async def type(self, script: str) -> str:
        """Play these lines; what was printed meanwhile."""
        start = len(self.out.getvalue())
        await self.session.play(textwrap.dedent(script).strip().splitlines(), echo=True)
        return self.out.getvalue()[start:]

    def number(self, fragment: str) -> int:
        """The number shown beside the last message that contains ``fragment``."""
        number = None
        for printed in self.out.getvalue().splitlines():
            header = re.match(r"^\[[^\]]*\] [^\s>:]+(?: 善邻助手)? #(\d+)", printed)
            if header:
                current = int(header.group(1))
            elif not printed.startswith("    "):
                current = None
            if fragment in printed and current is not None:
                number = current
        assert number is not None, f"no message with {fragment!r}:\n{self.out.getvalue()}"
        return number


@asynccontextmanager
async def demo(db: Path) -> AsyncIterator[Demo]:
    out = io.StringIO()
    async with demo_session(demo_settings(db), app_services(), out) as session:
        yield Demo(session, out)


LUZHOU = """
/as 总会小王
/in 泸州交流群
/join
/bind 泸州
"""


async def test_a_coordinator_is_granted_by_replying_to_their_message(tmp_path: Path) -> None:
    async with demo(tmp_path / "demo.sqlite3") as play:
        await play.type(LUZHOU + "/as 李会长\n大家好，我是泸州市慈善会的李会长")
        said = play.number("我是泸州市慈善会的李会长")
        out = await play.type(f"/as 总会小王\n/reply {said} /grant 泸州")
        assert "已将 李会长 设为市州协调员：泸州" in out, out
        assert "身份：市州协调员（泸州）" in await play.type("/as 李会长\n/whoami")


async def test_a_typed_receipt_replying_to_a_notice_confirms_it(tmp_path: Path) -> None:
    async with demo(tmp_path / "demo.sqlite3") as play:
        await play.type(LUZHOU + "/in 私聊\n/notice 泸州 请于周五前提交材料。\n/tap 发送")
        notice = play.number("请于周五前提交材料")
        out = await play.type(f"/as 张社工\n/in 泸州交流群\n/reply {notice} 收到")
        assert "善邻助手" not in out  # silently counted, as a press of the button
        status = await play.type("/as 总会小王\n/in 私聊\n/notice_status 1")
        assert "已确认 1 个群" in status and "张社工" in status, status


async def test_a_question_replying_to_the_bot_is_answered(tmp_path: Path) -> None:
    question = "老师们好，请问我们机构还没有腾讯公益账号，要怎么开通？"
    async with demo(tmp_path / "demo.sqlite3") as play:
        await play.type(LUZHOU + "/faq_auto 关")
        said = play.number("已关闭自动答疑")
        assert "善邻助手" not in await play.type(f"/as 张社工\n{question}")  # among people
        answer = await play.type(f"/reply {said} {question}")
        assert "入驻" in answer, answer


async def test_a_notice_replying_to_a_photo_or_a_file_sends_it_first(tmp_path: Path) -> None:
    async with demo(tmp_path / "demo.sqlite3") as play:
        await play.type(LUZHOU + "/in 私聊\n/photo 九九公益日活动海报\n/file 报名表.xlsx 请填写")
        photo, document = play.number("/photo 九九"), play.number("/file 报名表")
        for attachment, body in ((photo, "请转发海报"), (document, "报名表见附件")):
            preview = await play.type(f"/reply {attachment} /notice 泸州 {body}")
            assert "附件：先发送您回复的那条消息" in preview, preview
            out = await play.type("/tap 发送")
            assert out.index("[泸州交流群] 🤖 善邻助手") < out.index(body), out
        group = play.out.getvalue().split("/tap 发送", 1)[1]
        assert "🖼 图片：九九公益日活动海报" in group
        assert "📎 文件 报名表.xlsx：请填写" in group


async def test_a_reply_names_a_message_of_this_chat(tmp_path: Path) -> None:
    async with demo(tmp_path / "demo.sqlite3") as play:
        await play.type(LUZHOU)
        bound = play.number("本群已绑定到 泸州市")
        out = await play.type(f"/in 私聊\n/reply {bound} 收到\n/reply 999 收到\n/reply 收到")
        assert "不在这个聊天里" in out and "没有 #999 这条消息" in out and "用法：/reply" in out
        assert "善邻助手" not in out


async def test_replies_on_a_kept_database_reach_this_runs_messages(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    notice = LUZHOU + "/in 私聊\n/notice 泸州 {}\n/tap 发送"
    async with demo(db) as play:
        await play.type(notice.format("第一次培训改到周二。"))
    async with demo(db) as play:
        await play.type(notice.format("第二次培训改到周四。"))
        second = play.number("第二次培训改到周四")
        await play.type(f"/as 张社工\n/in 泸州交流群\n/reply {second} 收到")
        status = await play.type("/as 总会小王\n/in 私聊\n/notice_status 2")
        assert "已确认 1 个群" in status, status
