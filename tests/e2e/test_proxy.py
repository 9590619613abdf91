"""TELEGRAM_PROXY: every Bot API call, long poll and file download of both frameworks goes
through an HTTP or SOCKS5 proxy with a user name and password, and the password is never
logged. The fake Bot API is given a host name only the proxy can resolve, so a request that
reaches it came through the proxy."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.runner import run_bot
from bot.settings import Settings
from tests.conftest import TOKEN
from tests.support import fake_bot_api as tg
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.processes import kill, start_run, stop
from tests.support.proxy import Kind, TestProxy

FRAMEWORKS = ["aiogram", "ptb"]
KINDS: list[Kind] = ["http", "socks5"]
HIDDEN = "api.telegram.invalid"  # resolvable by the proxy alone
USER = "shanlin"
PASSWORD = "pr0xy-s3cret-w0rd"
STARTUP = ("getMe", "deleteWebhook", "setMyCommands")

staff = tg.user(1003, "张社工")


def _hidden_base(api: FakeBotAPI) -> str:
    return f"http://{HIDDEN}:{api.url.rsplit(':', 1)[1]}"


@asynccontextmanager
async def _running(settings: Settings, api: FakeBotAPI) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(settings, stop))
    try:
        await api.wait_for("setMyCommands", count=3, timeout=30)
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def _download(framework: str, api_base: str, proxy: str, file_id: str) -> bytes:
    """Download a user's file as the framework does it, set up as the bot sets it up."""
    if framework == "aiogram":
        from bot.transports.aiogram_transport import create_bot

        bot = create_bot(TOKEN, api_base, proxy)
        try:
            file = await bot.get_file(file_id)
            assert file.file_path is not None
            downloaded = await bot.download_file(file.file_path)
            assert downloaded is not None
            return downloaded.read()
        finally:
            await bot.session.close()
    from bot.transports.ptb_transport import create_application

    async with create_application(TOKEN, api_base, proxy) as application:
        ptb_file = await application.bot.get_file(file_id)
        return bytes(await ptb_file.download_as_bytearray())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_every_call_and_download_goes_through_the_proxy_with_credentials(
    settings: Settings, framework: str, kind: Kind, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with (
        FakeBotAPI(token=TOKEN) as api,
        TestProxy(kind, USER, PASSWORD, {HIDDEN: "127.0.0.1"}) as proxy,
    ):
        configured = settings.model_copy(
            update={
                "framework": framework,
                "telegram_api_base": _hidden_base(api),
                "telegram_proxy": SecretStr(proxy.url),
            }
        )
        async with _running(configured, api):
            api.push_message(tg.private_chat(staff), staff, "/whoami")
            [reply] = await api.wait_for("sendMessage", timeout=15)
            assert "Telegram ID：1003" in (reply.text or "")
        document = api.add_file("材料清单".encode() * 100, "清单.txt", "text/plain")
        content = await _download(framework, _hidden_base(api), proxy.url, document["file_id"])

    assert content == "材料清单".encode() * 100
    assert proxy.refused == 0
    carried = proxy.requests()
    carried_methods = {target.rsplit("/", 1)[-1] for target in carried if "/bot" in target}
    answered = {call.method for call in api.calls}
    assert {*STARTUP, "getUpdates", "sendMessage", "getFile"} <= answered <= carried_methods
    assert any("/file/bot" in target for target in carried)  # the download itself
    assert all(tunnel.startswith(f"{HIDDEN}:") for tunnel in proxy.tunnels)
    assert PASSWORD not in caplog.text
    assert f"through the proxy {kind}://{USER}:***@127.0.0.1:{proxy.port}" in caplog.text


# httpcore leaves the socket of a refused SOCKS handshake to the garbage collector; collected
# here (gc.collect below), its ResourceWarning is not another test's failure.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_a_proxy_refusing_the_credentials_is_retried_and_never_reaches_telegram(
    settings: Settings, framework: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        FakeBotAPI(token=TOKEN) as api,
        TestProxy("socks5", USER, "another-password", {HIDDEN: "127.0.0.1"}) as proxy,
    ):
        configured = settings.model_copy(
            update={
                "framework": framework,
                "telegram_api_base": _hidden_base(api),
                "telegram_proxy": SecretStr(proxy.url.replace("another-password", PASSWORD)),
            }
        )
        stop = asyncio.Event()
        task = asyncio.create_task(run_bot(configured, stop))
        while caplog.text.count("Telegram not reachable") < 2:
            assert not task.done(), caplog.text
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, timeout=30)
    gc.collect()
    assert proxy.refused >= 2 and api.calls == []
    assert PASSWORD not in caplog.text


async def test_shanlin_run_through_a_proxy_never_logs_its_password(tmp_path: Path) -> None:
    """As an operator starts it: python-telegram-bot's HTTP client logs URLs; the proxy URL
    and its password never appear."""
    async with (
        FakeBotAPI(token=TOKEN) as api,
        TestProxy("http", USER, PASSWORD, {HIDDEN: "127.0.0.1"}) as proxy,
    ):
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "SHANLIN_FRAMEWORK": "ptb",
            "TELEGRAM_API_BASE": _hidden_base(api),
            "TELEGRAM_PROXY": proxy.url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.sqlite3",
        }
        process = await start_run(env, tmp_path)
        try:
            await api.wait_for("setMyCommands", count=3, timeout=30)
            api.push_message(tg.private_chat(staff), staff, "/whoami")
            await api.wait_for("sendMessage", timeout=15)
            log = await stop(process)
        finally:
            await kill(process)
    assert process.returncode == 0, log
    assert f"through the proxy http://{USER}:***@127.0.0.1:{proxy.port}" in log
    assert PASSWORD not in log and TOKEN not in log
    assert proxy.refused == 0 and any(t.endswith("/getUpdates") for t in proxy.requests())
