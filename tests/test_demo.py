"""The offline demo as a person plays it: several runs on one database, the demo's clock,
replies, photos and files."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from bot.cli import _play
from bot.settings import Settings, load_settings
from bot.transports.console import FIRST_USER_ID
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
