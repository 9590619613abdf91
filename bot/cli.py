"""The ``shanlin`` command: run the bot, play the offline demo, migrate the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings

DEMO_DATABASE = "shanlin-demo.sqlite3"


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["status"]:  # its own parser, so that `status --help` reaches it
        return _status_main(words[1:])
    parser = _parser()
    args = parser.parse_args(words)
    if not getattr(args, "action", None):
        parser.print_help()
        return 2
    try:
        return int(args.action(args))
    except SettingsError as error:
        print(f"shanlin: configuration error: {error}", file=sys.stderr)
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
    demo.set_defaults(action=_demo)

    kb = commands.add_parser(
        "kb", help="knowledge-base tools: ask, test, lint, export, import", add_help=False
    )
    kb.add_argument("kb_args", nargs=argparse.REMAINDER)
    kb.set_defaults(action=_kb)

    status = commands.add_parser(
        "status", help="project status updates: parse, parse-test", add_help=False
    )
    status.add_argument("status_args", nargs=argparse.REMAINDER)
    status.set_defaults(action=_status)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(title="db commands")
    db_upgrade = db_commands.add_parser("upgrade", help="apply migrations (also done at start)")
    db_upgrade.set_defaults(action=_db_upgrade)
    return parser


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    token = settings.token()
    from bot.logs import setup_logging
    from bot.runner import run_bot

    setup_logging(logging.INFO, token)
    asyncio.run(run_bot(settings))
    return 0


def _kb(args: argparse.Namespace) -> int:
    from knowledge_base.cli import kb_main

    return kb_main(list(args.kb_args))


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
        asyncio.run(_play(settings, lines))
    return 0


async def _play(settings: Settings, script: list[str] | None) -> None:
    from zoneinfo import ZoneInfo

    from bot.app import build_app
    from bot.transports.console import ConsoleMessenger, ConsoleSession, DemoClock
    from handlers.core.ratelimit import RateLimitedMessenger

    clock = DemoClock(ZoneInfo(settings.timezone))
    app = await build_app(settings, clock)
    messenger = ConsoleMessenger()
    session = ConsoleSession(app.core, messenger, clock=clock)
    await app.core.start(messenger)
    try:
        if script is not None:
            # after each line: queue due reminders and deliver what the line queued (notices…)
            sender = app.sender(RateLimitedMessenger(messenger, app.limiter))

            async def settle() -> None:
                await app.run_jobs()
                await sender.drain()

            await session.play(script, echo=True, after_line=settle)
        else:
            print(_DEMO_BANNER)
            async with app.delivering(messenger):  # notices and reminders arrive as you play
                await session.interact()
    finally:
        await app.close()


_DEMO_BANNER = """善邻助手 · 离线演示（无需 token，不联网；数据保存在 shanlin-demo.sqlite3）
  /as 名字 [@用户名]  以某人身份发言（第一个出现的人是省级管理员）
  /in 群名    在某个群里发言（/in 私聊 进入与机器人的私聊）
  /join       把机器人拉进当前群；/kick 移出；/upgrade 升级为超级群
  /tap 文字   点击最近消息上的按钮；/who 列出人和群；/quit 退出
  /now        查看演示时钟；/wait 7天  时间快进（看截止提醒按时发出）
例如：/as 总会小王  →  /in 泸州交流群  →  /join  →  /bind 泸州  →  /help
"""
