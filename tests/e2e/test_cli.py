"""The shanlin command as an operator meets it: bad settings, the offline demo, migrations."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"


def shanlin(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "BOT_TOKEN",
            "DATABASE_URL",
            "PROVINCIAL_ADMINS",
            "SHANLIN_FRAMEWORK",
            "TELEGRAM_API_BASE",
            "TIMEZONE",
            "DESK_CHAT_ID",
        )
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **(env or {})},
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": TOKEN, "SHANLIN_FRAMEWORK": "telethon"}, "SHANLIN_FRAMEWORK"),
        ({"BOT_TOKEN": TOKEN, "PROVINCIAL_ADMINS": "12,abc"}, "PROVINCIAL_ADMINS"),
        ({"BOT_TOKEN": TOKEN, "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"BOT_TOKEN": TOKEN, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"BOT_TOKEN": TOKEN, "DESK_CHAT_ID": "desk"}, "DESK_CHAT_ID"),
        ({"BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": "ftp://x"}, "TELEGRAM_API_BASE"),
    ],
)
def test_bad_setting_stops_with_one_line_naming_it(
    env: dict[str, str], variable: str, tmp_path: Path
) -> None:
    result = shanlin("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    if "BOT_TOKEN" in env:
        assert env["BOT_TOKEN"] not in result.stderr


def test_demo_script_prints_a_transcript(tmp_path: Path) -> None:
    script = tmp_path / "play.txt"
    script.write_text(
        "/as 总会小王\n/in 泸州交流群\n/join\n/bind 泸州\n/as 张社工\n/help\n/in 私聊\n/whoami\n",
        encoding="utf-8",
    )
    result = shanlin("demo", "--script", str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[泸州交流群] 总会小王 #2> /bind 泸州" in out
    assert "本群已绑定到 泸州市" in out
    assert "您（成员）在群内可用的命令" in out
    assert "身份：成员" in out
    assert not list(tmp_path.glob("*.sqlite3")), "a scripted demo uses a throw-away database"


def test_demo_messages_take_new_lines_written_as_backslash_n(tmp_path: Path) -> None:
    script = tmp_path / "play.txt"
    script.write_text(
        "/as 总会小王\n/in 泸州交流群\n/join\n/bind 泸州\n/in 私聊\n"
        "/notice 泸州 第一行\\n第二行\n/tap 发送\n",
        encoding="utf-8",
    )
    result = shanlin("demo", "--script", str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "    第一行\n    第二行\n" in result.stdout  # the notice as the group reads it


def test_demo_keeps_its_database_between_runs(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    first = tmp_path / "first.txt"
    first.write_text("/as 总会小王\n/in 泸州交流群\n/bind 泸州\n", encoding="utf-8")
    second = tmp_path / "second.txt"
    second.write_text("/as 总会小王\n/in 泸州交流群\n/whoami\n", encoding="utf-8")
    assert shanlin("demo", "--script", str(first), "--db", str(db)).returncode == 0
    result = shanlin("demo", "--script", str(second), "--db", str(db))
    assert "本群：泸州市" in result.stdout


def test_db_upgrade_creates_and_reuses_the_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/ops.sqlite3"
    for _ in range(2):
        result = shanlin("db", "upgrade", env={"DATABASE_URL": url})
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout


@pytest.mark.parametrize("example", ["onboarding.txt", "tickets.txt", "status.txt"])
def test_readme_shows_the_true_transcript_of_the_example(tmp_path: Path, example: str) -> None:
    result = shanlin("demo", "--script", str(ROOT / "examples" / example), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert result.stdout.strip() in readme


def test_status_demo_imports_the_sheet_beside_it_and_writes_the_files_it_says(
    tmp_path: Path,
) -> None:
    """Run from elsewhere, the script's sheet is found beside it; the workbook and the chart
    the bot sends are in demo-output/ where the transcript says, and hold the demo's figures."""
    from openpyxl import load_workbook

    result = shanlin("demo", "--script", str(ROOT / "examples" / "status.txt"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "❌ 第6行" in out and "❌ 第7行" in out and "✅ 已导入 4 个项目" in out
    saved = re.findall(r"已保存到 (demo-output/\S+?)）", out)
    assert [Path(name).suffix for name in saved] == [".xlsx", ".png"]
    book = load_workbook(tmp_path / saved[0])
    summary = book.worksheets[0]
    rows = {row[1]: row for row in summary.iter_rows(values_only=True)}
    assert rows["阅芽计划"][4] == 150000 and rows["银龄助餐行动"][4] == 85000
    assert (tmp_path / saved[1]).read_bytes().startswith(b"\x89PNG")


def test_readme_says_how_to_reach_the_shanlin_command() -> None:
    """Outside make, ``shanlin`` is on the PATH only with the virtual environment active: the
    paragraph that introduces .venv/ says how to use it, and a shell block typing the command
    bare activates first (or writes .venv/bin/shanlin)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    activate = ". .venv/bin/activate"
    paragraph = next(p for p in readme.split("\n\n") if "create `.venv/`" in p)
    assert activate in paragraph and ".venv/bin/shanlin" in paragraph
    for block in re.findall(r"```sh\n(.*?)```", readme, re.DOTALL):
        lines = [line.split("#")[0].strip() for line in block.splitlines()]
        for number, line in enumerate(lines):
            if "shanlin" in line.split():
                assert activate in lines[:number], f"bare shanlin before activating: {line}"


def test_demo_script_moves_the_clock_and_reminders_arrive_on_time(tmp_path: Path) -> None:
    result = shanlin("demo", "--script", str(ROOT / "examples" / "deadlines.txt"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "已设置截止 #1：项目入场报名截止" in out and "已修改截止 #1" in out
    # As its first line says, a coordinator (granted by reply to their message) sets it.
    setter = re.search(r"^\[[^\]]*\] (\S+?)(?: #\d+)?> /deadline ", out, re.MULTILINE)
    assert setter is not None
    before_setting = out.partition("> /deadline ")[0]
    assert f"已将 {setter.group(1)} 设为市州协调员：泸州" in before_setting
    # 7 days before 7月2日 18:00: the clock stops then, not a day early nor at the end.
    on_time = re.search(
        r"（⏩ 6月25日（周四）18:00）\n\[泸州交流群\] 🤖 善邻助手 #\d+: ⏰ 截止提醒 #1", out
    )
    assert on_time is not None, out
    after = out[on_time.start() :]
    assert out.count("⏰ 截止提醒 #1") == 1 and "还剩 7 天" in after and "延迟提醒" not in out
    assert "已标记本群完成" in after and "本群目前没有即将到期" in after


def test_demo_script_delivers_notices_and_counts_confirmations(tmp_path: Path) -> None:
    result = shanlin("demo", "--script", str(ROOT / "examples" / "notices.txt"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("📢 通知 #1") >= 3  # the preview and one copy in each of the two groups
    assert "送达 2/2 个群" in out
    assert "已确认收到" in out and "无需重复" in out
    assert "已确认 2 个群" in out  # one by the button, one by 收到 replying to the notice
