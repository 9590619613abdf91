"""One notice to 500 groups through a local fake Bot API server that enforces Telegram's limits
(429 beyond 30 messages a second overall, 20 a minute per group, 1 a second per chat).

    .venv/bin/python bench/broadcast_bench.py [--groups 500] [--database-url URL]

Runs the real ``shanlin run`` (aiogram) as a subprocess; the provincial admin sends
``/notice 全部 …`` and presses 发送. Prints the time from the press to the last delivery, the
minimum the bot's own budgets allow (groups / 25 per second), their ratio (goal ≤ 1.15), the
429s received (goal 0) and deliveries per group (goal exactly 1); the last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import broadcast as b
from tests.support.fake_bot_api import FakeBotAPI

OVERALL_BUDGET = 25  # messages per second (handlers/ratelimit.py)


async def bench(groups: int, database_url: str) -> dict[str, float | int]:
    chats = await b.seed_database(database_url, groups)
    async with FakeBotAPI(enforce_limits=True) as api:
        bot = await b.start_bot_process(api, database_url)
        try:
            pressed = time.monotonic()
            number = await b.broadcast(api)
            last = (await api.wait_for(b.is_notice, count=groups, timeout=groups))[-1]
            await b.report(api, number, wait=60)
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
        delivered = b.notices_delivered(api, number)
    total = last.at - pressed
    minimum = groups / OVERALL_BUDGET
    per_group = [delivered[chat.id] for chat in chats]
    return {
        "groups": groups,
        "total_s": round(total, 2),
        "min_s": minimum,
        "ratio": round(total / minimum, 3),
        "n429": api.n429,
        "lost": per_group.count(0),
        "duplicates": sum(max(0, n - 1) for n in per_group),
        "exactly_once": per_group.count(1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.sqlite3"
        result = asyncio.run(bench(args.groups, url))
    print(f"groups:              {result['groups']}")
    print(f"total time:          {result['total_s']} s (from pressing 发送 to the last delivery)")
    print(f"minimum (budgets):   {result['min_s']} s ({OVERALL_BUDGET} messages per second)")
    print(f"ratio:               {result['ratio']} (goal ≤ 1.15)")
    print(f"429 answers:         {result['n429']} (goal 0)")
    print(f"delivered once:      {result['exactly_once']} groups")
    print(f"lost / duplicates:   {result['lost']} / {result['duplicates']} (goal 0 / 0)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
