"""What one chatter message costs the database: statements, and whether it takes the write lock.

    .venv/bin/python bench/chatter_cost.py [--messages 200] [--database-url URL]

Builds the real core over a fresh database (SQLite in a temporary directory unless a URL is
given) and drives it through the console transport: the group is bound and its members have
spoken once (so they are known), then ``--messages`` chatter messages (收到, 好的, 今天下午开会 …)
from those members, round-robin, in that group. Every statement the engine sends is counted
(SQLAlchemy ``before_cursor_execute``: BEGIN, SELECT, INSERT …; COMMIT and ROLLBACK through the
``commit``/``rollback`` events), as is how many transactions asked for SQLite's write lock
(BEGIN IMMEDIATE). Prints the figures per message and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import time
from collections import Counter
from typing import Any

from sqlalchemy import event

from bot.app import build_app
from bot.settings import load_settings
from bot.transports.console import ConsoleMessenger, ConsoleSession
from handlers.core.model import Chat, ChatType, User

CHATTER = ["收到", "好的", "谢谢老师", "大家辛苦了", "我们这边已经提交了材料", "今天下午三点开会",
           "明白了", "我晚点看一下", "已阅", "好的收到", "这个周五之前弄完", "👍"]  # fmt: skip
TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuvwxyz"
ADMIN = User(1001, "总会小王", username="zonghui_wang")
GROUP = Chat(-4001, ChatType.GROUP, "泸州慈善交流群")
MEMBERS = [User(5000 + k, f"社工{k}", username=f"sg{k}") for k in range(10)]


def _kind(statement: str) -> str:
    words = statement.split()
    head = words[0].upper() if words else "?"
    return " ".join(words[:2]).upper() if head == "BEGIN" else head


async def main(messages: int, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{folder}/chatter.sqlite3"
        settings = load_settings(
            DATABASE_URL=url, PROVINCIAL_ADMINS=str(ADMIN.id), BOT_TOKEN=TOKEN,
            TIMEZONE="Asia/Shanghai", DESK_CHAT_ID=None,
        )  # fmt: skip
        app = await build_app(settings)
        try:
            messenger = ConsoleMessenger(out=io.StringIO())
            await app.core.start(messenger)
            console = ConsoleSession(app.core, messenger, out=messenger.out)
            await console.bot_membership(ADMIN, GROUP, present=True)
            await console.message(ADMIN, GROUP, "/bind 泸州")
            for member in MEMBERS:  # first sightings: they write, and are not measured
                await console.message(member, GROUP, "大家好")
            counts: Counter[str] = Counter()

            def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                counts[_kind(statement)] += 1

            def commit(_conn: Any) -> None:
                counts["COMMIT"] += 1

            def rollback(_conn: Any) -> None:
                counts["ROLLBACK"] += 1

            engine = app.engine.sync_engine
            event.listen(engine, "before_cursor_execute", count)
            event.listen(engine, "commit", commit)
            event.listen(engine, "rollback", rollback)
            replies_before = len(messenger.sent)
            started = time.perf_counter()
            for n in range(messages):
                await console.message(MEMBERS[n % len(MEMBERS)], GROUP, CHATTER[n % len(CHATTER)])
            took = time.perf_counter() - started
            event.remove(engine, "before_cursor_execute", count)
            replies = len(messenger.sent) - replies_before
        finally:
            await app.close()
    statements = sum(v for k, v in counts.items() if k not in ("COMMIT", "ROLLBACK"))
    return {
        "database": url.split(":", 1)[0],
        "messages": messages,
        "replies": replies,
        "statements_per_msg": round(statements / messages, 2),
        "commits_per_msg": round(counts["COMMIT"] / messages, 2),
        "write_locks_per_msg": round(counts["BEGIN IMMEDIATE"] / messages, 2),
        "ms_per_msg": round(took * 1000 / messages, 2),
        "by_kind": {k: round(v / messages, 2) for k, v in sorted(counts.items())},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    result = asyncio.run(main(args.messages, args.database_url))
    for key, value in result.items():
        print(f"{key}: {value}")
    print(json.dumps(result, ensure_ascii=False))
