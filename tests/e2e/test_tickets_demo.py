"""The tickets' timers in the offline demo: /wait stops at each moment they have work, so the
desk's ping, the morning digest and the reporter's ping come at their own times."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_demo import answer_to, play

SET_UP = """
/now 2026-06-01 14:00
/as 总会小王
/in 省总会工单台
/join
/desk
/in 泸州交流群
/join
/bind 泸州
/as 张社工
/ticket 我们项目的提现申请提交十天了还是处理中
"""


async def test_waiting_sends_the_desks_ping_and_the_digest_each_at_its_time(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = await play(tmp_path / "demo.sqlite3", SET_UP + "/wait 1天\n", capfd)
    waited = answer_to(out, "[泸州交流群] 张社工> /wait 1天")
    lines = waited.splitlines()
    ping = next(i for i, line in enumerate(lines) if "还没有人认领" in line)
    digest = next(i for i, line in enumerate(lines) if "今日待办工单 1 张" in line)
    # after one working hour (Monday 15:00), and at 09:00 on Tuesday, each under its time
    assert any("6月1日（周一）15:00" in line for line in lines[:ping]), waited
    assert any("6月2日（周二）09:00" in line for line in lines[ping:digest]), waited
    assert "已等待 1 个工作小时" in lines[ping]


async def test_waiting_pings_the_reporter_two_days_into_waiting_for_them(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    script = SET_UP + "/as 总会小王\n/in 省总会工单台\n/tap 需补充\n/wait 3天\n"
    out = await play(tmp_path / "demo.sqlite3", script, capfd)
    waited = answer_to(out, "[省总会工单台] 总会小王> /wait 3天")
    lines = waited.splitlines()
    ping = next(i for i, line in enumerate(lines) if "还在等您补充信息" in line)
    assert any("6月3日（周三）14:00" in line for line in lines[:ping]), waited
