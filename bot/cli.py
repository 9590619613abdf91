"""The ``shanlin`` command: run the bot, play the offline demo, migrate the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.settings import Settings, SettingsError, load_settings
from knowledge_base.cli_args import DESCRIPTION as KB_HELP
from knowledge_base.cli_args import add_commands as add_kb_commands

if TYPE_CHECKING:
    from bot.app import App
    from bot.transports.console import ConsoleSession
    from handlers.core.context import Services
    from handlers.core.ports import Messenger

DEMO_DATABASE = "shanlin-demo.sqlite3"
DEMO_OUTPUT = "demo-output"  # the bot's files and pictures in the demo (/export, /chart)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["status"]:  # its own parser, so that `status --help` reaches it
        return _status_main(words[1:])
    if words[:1] == ["tickets"]:  # likewise for `tickets --help`
        return _tickets_main(words[1:])
    parser = _parser()
    args = parser.parse_args(words)
    if not getattr(args, "action", None):
        parser.print_help()
        return 2
    from storage.database import DatabaseUnavailable

    try:
        return int(args.action(args))
    except SettingsError as error:
        print(f"shanlin: configuration error: {error}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as error:
        print(
            f"shanlin: database error: DATABASE_URL={error.url} {error.problem}", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        from handlers.core.feature import FeatureConflict  # loads the core only when needed

        if not isinstance(error, FeatureConflict):
            raise
        print(f"shanlin: the features do not fit together: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shanlin", description="Shanlin (善邻) Telegram bot")
    commands = parser.add_subparsers(title="commands")

    run = commands.add_parser("run", help="run the bot with long polling (needs BOT_TOKEN)")
    run.set_defaults(action=_run)

    demo = commands.add_parser("demo", help="offline chat in the terminal, no token needed")
    demo.add_argument("--script", type=Path, help="play this conversation and print it")
    demo.add_argument("--db", type=Path, help="SQLite file (default: a fresh one per script)")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path(DEMO_OUTPUT),
        help=f"folder for the files and pictures the bot sends (default: {DEMO_OUTPUT})",
    )
    demo.set_defaults(action=_demo)

    kb = commands.add_parser(
        "kb", help="knowledge-base tools: ask, test, lint, export, import", description=KB_HELP
    )
    add_kb_commands(kb)
    kb.set_defaults(action=_kb)

    status = commands.add_parser(
        "status", help="project status updates: parse, parse-test", add_help=False
    )
    status.add_argument("status_args", nargs=argparse.REMAINDER)
    status.set_defaults(action=_status)

    tickets = commands.add_parser(
        "tickets", help="problem-report tools: detect, detect-test", add_help=False
    )
    tickets.add_argument("tickets_args", nargs=argparse.REMAINDER)
    tickets.set_defaults(action=lambda args: _tickets_main(list(args.tickets_args)))

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(title="db commands", dest="command", required=True)
    db_upgrade = db_commands.add_parser("upgrade", help="apply migrations (also done at start)")
    db_upgrade.set_defaults(action=_db_upgrade)
    return parser


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    token = settings.token()
    from bot.logs import setup_logging
    from bot.runner import run_bot

    setup_logging(logging.INFO, token, *_proxy_secrets(settings.proxy()))
    asyncio.run(run_bot(settings))
    return 0


def _proxy_secrets(proxy: str | None) -> list[str]:
    """The proxy's credentials in the forms a log line could show them: in its URL (as
    written and decoded), as a Basic authorization, and the password alone unless it is so
    short that hiding it would garble ordinary words."""
    from base64 import b64encode
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(proxy or "")
    if parts.password is None:
        return []
    userinfo = parts.netloc.rsplit("@", 1)[0]
    plain = f"{unquote(parts.username or '')}:{unquote(parts.password)}"
    secrets = [userinfo, plain, b64encode(plain.encode()).decode()]
    if len(unquote(parts.password)) >= 6:
        secrets.append(unquote(parts.password))
    return secrets


def _kb(args: argparse.Namespace) -> int:
    from knowledge_base.cli import run_command

    return run_command(args)


def _tickets_main(argv: list[str]) -> int:
    from handlers.tickets.cli import tickets_main

    return tickets_main(argv)


def _status(args: argparse.Namespace) -> int:
    return _status_main(list(args.status_args))


def _status_main(argv: list[str]) -> int:
    from handlers.status.cli import status_main

    return status_main(argv)


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    from storage.database import create_engine, upgrade

    async def migrate() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    print("database is up to date")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.transports.console import FIRST_USER_ID

    if args.script is not None and not args.script.is_file():
        print(f"shanlin: no such script: {args.script}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as scratch:
        path = args.db or (Path(scratch) / "demo.sqlite3" if args.script else Path(DEMO_DATABASE))
        settings = load_settings(
            DATABASE_URL=f"sqlite+aiosqlite:///{path}",
            PROVINCIAL_ADMINS=str(FIRST_USER_ID),
            BOT_TOKEN=None,
        )
        lines = args.script.read_text(encoding="utf-8").splitlines() if args.script else None
        files_from = args.script.parent if args.script else None
        asyncio.run(_play(settings, lines, save_to=args.out, files_from=files_from))
    return 0


async def _play(
    settings: Settings,
    script: list[str] | None,
    services: Services | None = None,
    save_to: Path | None = None,
    files_from: Path | None = None,
) -> None:
    async with demo_session(settings, services, None, save_to, files_from) as session:
        if script is not None:
            await session.play(script, echo=True)
        else:
            print(_DEMO_BANNER)
            await session.interact()


@asynccontextmanager
async def demo_session(
    settings: Settings,
    services: Services | None = None,
    out: TextIO | None = None,
    save_to: Path | None = None,
    files_from: Path | None = None,
) -> AsyncIterator[ConsoleSession]:
    """The demo's console on the real core, with the demo's clock; the people and groups of
    a kept database are met again by name. After each line the scheduled jobs run and what
    was queued (notices, reminders) is delivered before the next line. The bot's files go
    to ``save_to``; ``/file NAME`` also looks in ``files_from`` (the script's folder)."""
    from zoneinfo import ZoneInfo

    from bot.app import build_app
    from bot.transports.console import ConsoleMessenger, ConsoleSession, DemoClock

    clock = DemoClock(ZoneInfo(settings.timezone))
    app = await build_app(settings, clock, services)
    try:
        messenger = ConsoleMessenger(out=out or sys.stdout, save_to=save_to)
        jobs = _DemoJobs(app, messenger)
        session = ConsoleSession(app.core, messenger, messenger.out, clock, jobs, files_from)
        await app.core.start(messenger)
        await session.restore()
        yield session
    finally:
        await app.close()


class _DemoJobs:
    """The scheduled jobs and the outbox sender, run when the demo says (``Timekeeper``)."""

    def __init__(self, app: App, messenger: Messenger) -> None:
        from handlers.core.ratelimit import RateLimitedMessenger

        self._app = app
        self._sender = app.sender(RateLimitedMessenger(messenger, app.limiter))

    async def settle(self) -> None:
        await self._app.run_jobs()
        await self._sender.drain()

    async def next_due(self) -> datetime | None:
        return await self._app.next_due()


_DEMO_BANNER = """善邻助手 · 离线演示（无需 token，不联网）
  数据保存在 shanlin-demo.sqlite3，下次接着玩：人和群按名字沿用，身份和绑定不变
  /as 名字 [@用户名]  以某人身份发言（新数据库里第一个出现的人是省级管理员）
  /in 群名    在某个群里发言（/in 私聊 进入与机器人的私聊）
  /join       把机器人拉进当前群；/kick 移出；/upgrade 升级为超级群
  /tap 文字   点击最近消息上的按钮；/reply 编号 文字  回复消息旁标着 #编号 的那条消息
  /photo 说明、/file 文件名 说明  发图片或文件（文件名是本机文件时带上内容，如导入表格）
  机器人发出的文件和图片（/export、/chart）保存在 demo-output/
  /now        查看演示时钟；/wait 7天  时间快进（每条提醒按时发出）
  /who        列出人和群；/quit 退出
例如：/as 总会小王  →  /in 泸州交流群  →  /join  →  /bind 泸州  →  /help
"""
