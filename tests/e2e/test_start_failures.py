"""`shanlin run` and `shanlin db upgrade` when what they need is not there, as an operator
meets it: Telegram unreachable at start is retried with one log line per attempt (and the bot
comes up when Telegram does); a database that cannot be reached or written is one line naming
DATABASE_URL, its password hidden, and exit status 2. Never a traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.e2e.test_cli import shanlin
from tests.support import fake_bot_api as tg
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.processes import kill, start_run, stop
from tests.support.proxy import LateServer, free_port

FRAMEWORKS = ["aiogram", "ptb"]
RETRY_LINE = "Telegram not reachable at"
PASSWORD = "db-s3cret-pw"


async def _lines_until(process: asyncio.subprocess.Process, text: str, count: int) -> list[str]:
    """Read the log (stderr) until ``count`` lines contain ``text``."""
    assert process.stderr is not None
    lines: list[str] = []
    while sum(text in line for line in lines) < count:
        line = await asyncio.wait_for(process.stderr.readline(), timeout=60)
        assert line, "the process ended:\n" + "".join(lines)
        lines.append(line.decode())
    return lines


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_telegram_unreachable_at_start_is_retried_until_it_answers(
    framework: str, tmp_path: Path
) -> None:
    late = LateServer()  # nothing listens on its port yet: connections are refused
    env = {
        "BOT_TOKEN": TOKEN,
        "SHANLIN_FRAMEWORK": framework,
        "TELEGRAM_API_BASE": f"http://127.0.0.1:{late.port}",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.sqlite3",
    }
    async with FakeBotAPI(token=TOKEN) as api:
        process = await start_run(env, tmp_path)
        try:
            before = await _lines_until(process, RETRY_LINE, 2)
            await late.open(int(api.url.rsplit(":", 1)[1]))  # Telegram is back
            await api.wait_for("setMyCommands", count=3, timeout=60)
            staff = tg.user(1003, "张社工")
            api.push_message(tg.private_chat(staff), staff, "/whoami")
            [reply] = await api.wait_for("sendMessage", timeout=15)
            assert "Telegram ID：1003" in (reply.text or "")
            after = await stop(process)
        finally:
            await kill(process)
            await late.close()
    log = "".join(before) + after
    assert process.returncode == 0, log
    assert "Traceback" not in log
    retries = [line for line in before if RETRY_LINE in line]
    assert "attempt 1" in retries[0] and "attempt 2" in retries[1]
    assert all(f"127.0.0.1:{late.port}" in line and "retrying in" in line for line in retries)
    assert f"Telegram reached at http://127.0.0.1:{late.port}" in after


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_stopping_while_telegram_is_unreachable_exits_cleanly(
    framework: str, tmp_path: Path
) -> None:
    env = {
        "BOT_TOKEN": TOKEN,
        "SHANLIN_FRAMEWORK": framework,
        "TELEGRAM_API_BASE": f"http://127.0.0.1:{free_port()}",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.sqlite3",
    }
    process = await start_run(env, tmp_path)
    before = await _lines_until(process, RETRY_LINE, 1)
    log = "".join(before) + await stop(process)
    assert process.returncode == 0, log
    assert "Traceback" not in log and "stopped" in log


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_a_token_telegram_refuses_stops_with_one_line(
    framework: str, tmp_path: Path
) -> None:
    other = "654321:ANOTHER-token-abcdefghijklmnopqrstuv"
    async with FakeBotAPI(token=other) as api:  # knows another bot: ours gets 401
        env = {
            "BOT_TOKEN": TOKEN,
            "SHANLIN_FRAMEWORK": framework,
            "TELEGRAM_API_BASE": api.url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.sqlite3",
        }
        result = await asyncio.to_thread(shanlin, "run", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if "BOT_TOKEN" in line]
    assert line.startswith("shanlin: configuration error: BOT_TOKEN: Telegram at")


CASES = {
    "SQLite file in a folder that cannot exist": "sqlite+aiosqlite:///{tmp}/a-file/x.db",
    "SQLite file opened read-only": "sqlite+aiosqlite:///file:{tmp}/ro.sqlite3?mode=ro&uri=true",
    "PostgreSQL port closed": f"postgresql+asyncpg://shanlin:{PASSWORD}@127.0.0.1:{{port}}/x",
    "PostgreSQL host unknown": f"postgresql+asyncpg://shanlin:{PASSWORD}@db.invalid/shanlin",
}


def _unusable_database(case: str, tmp_path: Path) -> str:
    """DATABASE_URL for one way a database cannot be used (even as root: no file modes)."""
    (tmp_path / "a-file").write_text("not a folder")
    if "read-only" in case:  # a database in good order, opened read-only
        url = f"sqlite+aiosqlite:///{tmp_path}/ro.sqlite3"
        ready = shanlin("db", "upgrade", env={"DATABASE_URL": url})
        assert ready.returncode == 0, ready.stderr
    return CASES[case].format(tmp=tmp_path, port=free_port())


@pytest.mark.parametrize("command", [["run"], ["db", "upgrade"]], ids=["run", "db upgrade"])
@pytest.mark.parametrize("case", CASES)
def test_an_unusable_database_is_one_line_naming_database_url(
    case: str, command: list[str], tmp_path: Path
) -> None:
    url = _unusable_database(case, tmp_path)
    env = {"DATABASE_URL": url, "BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": "http://127.0.0.1:9"}
    result = shanlin(*command, env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and PASSWORD not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if "DATABASE_URL" in line]
    assert line.startswith("shanlin: database error: DATABASE_URL=")
    assert ("cannot be written" if "read-only" in case else "cannot be reached") in line
    if "PostgreSQL" in case:
        assert "shanlin:***@" in line
    if command == ["db", "upgrade"]:
        assert result.stderr.strip() == line  # nothing else
