"""`shanlin run` as an operator starts it: real process, real frameworks, stops on SIGTERM,
and its logs never show the token (python-telegram-bot's HTTP client logs URLs at INFO)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import TOKEN
from tests.support import fake_bot_api as tg
from tests.support.databases import copy_sqlite
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.processes import kill, start_run, stop

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_run_answers_over_http_stops_on_sigterm_and_never_logs_the_token(
    framework: str, tmp_path: Path, prepared_sqlite: Path
) -> None:
    async with FakeBotAPI(token=TOKEN) as api:
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "SHANLIN_FRAMEWORK": framework,
            "TELEGRAM_API_BASE": api.url,
            "DATABASE_URL": copy_sqlite(prepared_sqlite, tmp_path, "run.sqlite3"),
            "PROVINCIAL_ADMINS": "1001",
        }
        process = await start_run(env, tmp_path)
        try:
            await api.wait_for("setMyCommands", count=3, timeout=120)
            staff = tg.user(1003, "张社工")
            api.push_message(tg.private_chat(staff), staff, "/whoami")
            [reply] = await api.wait_for("sendMessage", timeout=60)
            assert reply.chat_id == 1003 and "Telegram ID：1003" in (reply.text or "")
            log = await stop(process)
        finally:
            await kill(process)
    assert process.returncode == 0, log
    assert f"starting on {framework}" in log and "stopped" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
