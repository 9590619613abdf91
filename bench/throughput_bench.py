"""Messages a second: the full bot against a minimal echo bot of the same framework, on aiogram
and on python-telegram-bot, in one run, through a local fake Bot API server.

    .venv/bin/python bench/throughput_bench.py [--messages 2000] [--groups 4] [--members 40]
                                               [--frameworks aiogram,ptb] [--database-url URL]
                                               [--profile DIR] [--rounds N]

Each bot runs in its own process (this script started again with ``--serve``), so the fake
server (in this process) does not share its CPU:

* the full bot is ``bot.runner.run_bot``, exactly what ``shanlin run`` runs (real framework
  networking, a fresh SQLite file unless ``--database-url``), with one addition: a counter
  around ``Core.process`` (one unit of work per update, committed) that the process writes to
  its stdout whenever it changes (every 50 ms at most);
* the echo bot is the framework's minimal echo bot, answering every text message with its
  text, with the same concurrency as the full bot (aiogram: a router handler, updates as tasks,
  its default; PTB: a ``MessageHandler`` with ``concurrent_updates(16)``, the full bot's 16
  slots; PTB's default, one update at a time, waits for each reply's round trip and measures
  the network, not the framework: on a loaded machine the full bot then beats it). It counts
  an update handled once its echo was accepted, so the fake server's own cost of each reply
  is in the echo's time: the bench also reports the server's CPU per message.

The load, the same for every bot (seeded): ``--messages`` updates from ``--members`` people
spread over ``--groups`` groups: 90% chatter (nothing for the bot), 10% questions from the
bundled FAQ, and about 1% of the updates /help in the sender's private chat. Each bot is
started, answers a private /help (start-up: process start to that answer, seen by the fake
server), then gets the whole load at once (a burst, as after a network blip or a busy meeting);
msgs/s is the load over the time from the push until the bot has handled every update. The
full bot's direct replies are not waited for: they go out within Telegram's per-group budgets
(one every 4 s after a burst of three), which no amount of speed changes.

Also measured on the full bot: CPU time (user + system, from /proc) per message over the
burst (and the echo bot's: their quotient, cpu_ratio, is the ratio a machine of its own would
give, as both are bound by CPU), resident memory after it (and the echo bot's, the framework's
own share), the CPU time it took to start (wall time on a shared machine is several times
that), and the load average of the machine
(it is shared: compare ratios, not absolute figures). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import logging
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
ADMIN_ID = 1001
PROFILE_VARIABLE = "THROUGHPUT_BENCH_PROFILE"
REPORT_EVERY = 0.05  # seconds between counter reports of a serving bot
START_TIMEOUT = 180.0  # a loaded machine: aiogram alone takes seconds to import
CHATTER = [
    "好的", "收到", "谢谢", "大家辛苦了", "明天上午九点开会", "照片已经发到群里了", "👍",
    "今天的活动很顺利", "我晚点把表格发过来", "已经跟志愿者说过了", "明白", "这周末我们去走访",
    "老人家的情况我再问问", "材料我今天整理一下", "好的，我知道了", "下午有空吗", "哈哈哈",
    "感谢各位的支持", "我们这边也准备好了", "路上注意安全",
]  # fmt: skip
QUESTIONS = [
    "腾讯公益机构账号怎么开通？", "配捐资金什么时候到账？", "企业或个人的捐款可以税前扣除吗？",
    "项目出现负面舆情怎么办？", "筹到的善款怎么拨付到执行机构？", "怎么找到愿意合作的公募单位？",
    "捐赠票据开错了或抬头要改，怎么处理？", "项目筹款没达到目标金额怎么办？",
    "为什么有的捐款没有配上捐？", "想做直播帮项目筹款，要注意什么？",
]  # fmt: skip


# --------------------------------------------------------------------------- the bots


async def _report_handled(count: Callable[[], int]) -> None:
    shown = -1
    while True:
        if (now := count()) != shown:
            print(now, flush=True)
            shown = now
        await asyncio.sleep(REPORT_EVERY)


def _stop_on_sigterm() -> asyncio.Event:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    return stop


async def serve_shanlin(framework: str, api_base: str, database_url: str) -> None:
    from bot.runner import run_bot
    from bot.settings import load_settings
    from handlers.core.dispatch import Core

    handled = 0
    process = Core.process

    async def counted(self: Core, update: Any) -> Any:
        nonlocal handled
        try:
            return await process(self, update)
        finally:
            handled += 1

    Core.process = counted  # type: ignore[method-assign]
    settings = load_settings(
        BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=api_base, DATABASE_URL=database_url,
        PROVINCIAL_ADMINS=str(ADMIN_ID), SHANLIN_FRAMEWORK=framework,
    )  # fmt: skip
    reporter = asyncio.create_task(_report_handled(lambda: handled))
    await run_bot(settings, _stop_on_sigterm())
    reporter.cancel()


async def serve_echo_aiogram(api_base: str) -> None:
    from aiogram import Bot, Dispatcher, Router
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message

    handled = 0
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        nonlocal handled
        try:
            if message.text:
                await message.answer(message.text)
        finally:
            handled += 1

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)))
    reporter = asyncio.create_task(_report_handled(lambda: handled))
    stop = _stop_on_sigterm()
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    await stop.wait()
    await dispatcher.stop_polling()
    await polling
    reporter.cancel()


async def serve_echo_ptb(api_base: str) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    handled = 0

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal handled
        try:
            if update.message and update.message.text:
                await update.message.reply_text(update.message.text)
        finally:
            handled += 1

    application = (
        Application.builder().token(TOKEN).base_url(f"{api_base}/bot")
        .base_file_url(f"{api_base}/file/bot").concurrent_updates(16).build()
    )  # fmt: skip
    application.add_handler(MessageHandler(filters.ALL, echo))
    reporter = asyncio.create_task(_report_handled(lambda: handled))
    stop = _stop_on_sigterm()
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=10)
        await stop.wait()
        await application.updater.stop()
        await application.stop()
    reporter.cancel()


def serve(kind: str, framework: str, api_base: str, database_url: str) -> None:
    """Serve until SIGTERM; log at INFO to stderr as ``shanlin run`` does (the bench discards
    it), the count of handled updates on stdout. With ``--profile``, cProfile's figures (the
    event loop's thread, start-up included) go to DIR/<kind>-<framework>.prof."""
    profile_dir = os.environ.get(PROFILE_VARIABLE)
    profiler = cProfile.Profile() if profile_dir else None
    if profiler is not None:
        profiler.enable()
    if kind == "shanlin":
        from bot.logs import setup_logging

        setup_logging(logging.INFO, TOKEN)
        asyncio.run(serve_shanlin(framework, api_base, database_url))
    else:
        logging.basicConfig(level=logging.INFO)
        if framework == "aiogram":
            asyncio.run(serve_echo_aiogram(api_base))
        else:
            asyncio.run(serve_echo_ptb(api_base))
    if profiler is not None and profile_dir:
        profiler.disable()
        profiler.dump_stats(Path(profile_dir) / f"{kind}-{framework}.prof")


# --------------------------------------------------------------------------- the load


@dataclass(frozen=True)
class LoadItem:
    chat: dict[str, Any]
    sender: dict[str, Any]
    text: str


def make_load(messages: int, groups: int, members: int, seed: int = 13) -> list[LoadItem]:
    from tests.support import fake_bot_api as tg

    rng = random.Random(seed)
    chats = [tg.group(-4200 - n, f"测试{n}号群") for n in range(groups)]
    people = [tg.user(8000 + n, f"成员{n}") for n in range(members)]
    load = []
    for _ in range(messages):
        person = rng.choice(people)
        roll = rng.random()
        if roll < 0.01:
            load.append(LoadItem(tg.private_chat(person), person, "/help"))
        elif roll < 0.11:
            load.append(LoadItem(rng.choice(chats), person, rng.choice(QUESTIONS)))
        else:
            load.append(LoadItem(rng.choice(chats), person, rng.choice(CHATTER)))
    return load


# --------------------------------------------------------------------------- one measurement


@dataclass
class Figures:
    msgs_per_s: float
    start_s: float
    start_cpu_s: float  # the bot's CPU time until its first answer
    cpu_ms_per_msg: float
    rss_mb: float
    server_cpu_ms_per_msg: float  # the fake Bot API server's (this process's) CPU time


class Bot:
    """A serving bot in its own process and the handled-update count it reports."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.handled = 0
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            if line.strip().isdigit():
                self.handled = int(line)
                self._changed.set()

    async def wait_handled(self, count: int, timeout: float) -> None:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.handled < count:
            if self.process.returncode is not None:
                raise RuntimeError(f"the bot exited ({self.process.returncode})")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"handled {self.handled} of {count} in {timeout:.0f} s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 1.0))

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        # the full bot sends the replies still queued for the groups' budgets first (up to
        # 30 s); that is not measured, so it is cut short unless a profile is to be written
        patience = 45 if os.environ.get(PROFILE_VARIABLE) else 10
        try:
            await asyncio.wait_for(self.process.wait(), patience)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()


async def measure(kind: str, framework: str, load: list[LoadItem], database_url: str) -> Figures:
    from tests.support import fake_bot_api as tg
    from tests.support.fake_bot_api import FakeBotAPI

    async with FakeBotAPI(token=TOKEN) as api:
        starter = tg.user(ADMIN_ID, "省管理员")
        api.push_message(tg.private_chat(starter), starter, "/help")
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", kind, framework, api.url, database_url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        bot = Bot(process)
        try:
            [first] = await api.wait_for("sendMessage", timeout=START_TIMEOUT)
            start_cpu = bot.cpu_s()
            await bot.wait_handled(1, timeout=10)
            await asyncio.sleep(1.0)  # let the first job runs (FAQ refresh, reminders) pass
            cpu_before = bot.cpu_s()
            server_before = time.process_time()
            pushed = time.monotonic()
            for update in load:
                api.push_message(update.chat, update.sender, update.text)
            await bot.wait_handled(1 + len(load), timeout=600)
            done = time.monotonic()
            cpu = bot.cpu_s() - cpu_before
            server = time.process_time() - server_before
            rss = bot.rss_mb()
        finally:
            await bot.stop()
    n = len(load)
    return Figures(
        n / (done - pushed), first.at - started, start_cpu, 1000 * cpu / n, rss, 1000 * server / n
    )


async def bench(args: argparse.Namespace, scratch: str) -> dict[str, Any]:
    load = make_load(args.messages, args.groups, args.members)
    result: dict[str, Any] = {
        "messages": len(load), "rounds": args.rounds, "load_avg_before": os.getloadavg()[0],
    }  # fmt: skip
    full: dict[str, Figures] = {}
    for framework in args.frameworks.split(","):
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/{framework}.sqlite3"
        echoes, shanlins = [], []
        for _ in range(args.rounds):  # alternating, so that both see the same spells of load
            echoes.append(await measure("echo", framework, load, url))
            shanlins.append(await measure("shanlin", framework, load, url))
        echo = max(echoes, key=lambda f: f.msgs_per_s)
        shanlin = full[framework] = max(shanlins, key=lambda f: f.msgs_per_s)
        result[f"msgs_per_s_shanlin_{framework}"] = round(shanlin.msgs_per_s, 1)
        result[f"msgs_per_s_echo_{framework}"] = round(echo.msgs_per_s, 1)
        result[f"ratio_{framework}"] = round(shanlin.msgs_per_s / echo.msgs_per_s, 3)
        result[f"cpu_ms_per_msg_{framework}"] = round(shanlin.cpu_ms_per_msg, 2)
        result[f"cpu_ms_per_msg_echo_{framework}"] = round(echo.cpu_ms_per_msg, 2)
        result[f"cpu_ratio_{framework}"] = round(echo.cpu_ms_per_msg / shanlin.cpu_ms_per_msg, 3)
        result[f"server_cpu_ms_per_msg_{framework}"] = round(shanlin.server_cpu_ms_per_msg, 2)
        result[f"server_cpu_ms_per_msg_echo_{framework}"] = round(echo.server_cpu_ms_per_msg, 2)
        result[f"rss_mb_{framework}"] = round(shanlin.rss_mb, 1)
        result[f"rss_mb_echo_{framework}"] = round(echo.rss_mb, 1)
        result[f"start_s_{framework}"] = round(shanlin.start_s, 2)
        result[f"start_s_echo_{framework}"] = round(echo.start_s, 2)
        result[f"start_cpu_s_{framework}"] = round(shanlin.start_cpu_s, 2)
        result[f"start_cpu_s_echo_{framework}"] = round(echo.start_cpu_s, 2)
    # the bars hold for every framework: the worst of them
    result["cpu_ms_per_msg"] = max(f.cpu_ms_per_msg for f in full.values())
    result["rss_mb"] = round(max(f.rss_mb for f in full.values()), 1)
    result["start_s"] = round(max(f.start_s for f in full.values()), 2)
    result["cpu_ms_per_msg"] = round(result["cpu_ms_per_msg"], 2)
    result["load_avg_after"] = os.getloadavg()[0]
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--frameworks", default="aiogram,ptb")
    parser.add_argument("--database-url", help="default: a fresh SQLite file per framework")
    parser.add_argument("--profile", metavar="DIR", help="cProfile each bot into DIR")
    parser.add_argument("--rounds", type=int, default=1, help="measure each bot N times, keep "
                        "its best round (the machine is shared)")  # fmt: skip
    args = parser.parse_args()
    if args.profile:
        os.environ[PROFILE_VARIABLE] = str(Path(args.profile).resolve())
    with tempfile.TemporaryDirectory() as scratch:
        result = asyncio.run(bench(args, scratch))
    print(f"load: {result['messages']} updates at once (90% chatter, 10% FAQ, ~1% /help); "
          f"load average {result['load_avg_before']:.1f} before, "
          f"{result['load_avg_after']:.1f} after")  # fmt: skip
    for framework in args.frameworks.split(","):
        print(f"{framework:8} shanlin {result[f'msgs_per_s_shanlin_{framework}']:7.1f} msg/s  "
              f"echo {result[f'msgs_per_s_echo_{framework}']:7.1f} msg/s  "
              f"ratio {result[f'ratio_{framework}']:.3f} (bar ≥ 0.6; by CPU "
              f"{result[f'cpu_ratio_{framework}']:.3f})  "
              f"cpu {result[f'cpu_ms_per_msg_{framework}']:.2f} ms/msg "
              f"(echo {result[f'cpu_ms_per_msg_echo_{framework}']:.2f}; fake server "
              f"{result[f'server_cpu_ms_per_msg_{framework}']:.2f} vs "
              f"{result[f'server_cpu_ms_per_msg_echo_{framework}']:.2f})  "
              f"rss {result[f'rss_mb_{framework}']:.0f} MB (echo "
              f"{result[f'rss_mb_echo_{framework}']:.0f}; bar ≤ 250)  "
              f"start {result[f'start_s_{framework}']:.1f} s "
              f"(echo {result[f'start_s_echo_{framework}']:.1f}; bar ≤ 3; CPU "
              f"{result[f'start_cpu_s_{framework}']:.1f} s, echo "
              f"{result[f'start_cpu_s_echo_{framework}']:.1f})")  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
