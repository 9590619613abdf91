"""Kill the bot mid-broadcast, again and again, and count what was lost or sent twice.

    .venv/bin/python bench/kill_test.py [--groups 500] [--kills 10] [--seed N] [--database-url URL]

Runs the real ``shanlin run`` (aiogram) as a subprocess against a local fake Bot API server
(enforcing Telegram's limits); the provincial admin sends ``/notice 全部 …`` and presses 发送.
Then, ``--kills`` times: once the running bot has delivered something, wait a random moment
and SIGKILL it, and start a new one. The last one runs until the delivery report arrives.
A delivery can only be repeated when a kill lands between Telegram accepting a message and
the bot recording it. The last line is JSON with deliveries, lost, duplicates and kills.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import broadcast as b
from tests.support.fake_bot_api import FakeBotAPI


async def kill_test(groups: int, kills: int, seed: int, database_url: str) -> dict[str, int]:
    rng = random.Random(seed)
    chats = await b.seed_database(database_url, groups)
    async with FakeBotAPI(enforce_limits=True) as api:
        bot = await b.start_bot_process(api, database_url)
        number = await b.broadcast(api)
        for kill in range(1, kills + 1):
            sent = len([c for c in api.calls if c.ok and b.is_notice(c)])
            await api.wait_for(b.is_notice, count=min(sent + 1, groups), timeout=120)
            await asyncio.sleep(rng.uniform(0.0, 1.5))
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            so_far = b.notices_delivered(api, number)
            twice = sum(n - 1 for n in so_far.values() if n > 1)
            print(f"kill {kill}: {sum(so_far.values())} deliveries, {twice} repeated", flush=True)
            bot = await b.start_bot_process(api, database_url)
        try:
            await b.report(api, number, wait=groups)
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
        delivered_to = b.notices_delivered(api, number)
    per_group = [delivered_to[chat.id] for chat in chats]
    return {
        "groups": groups,
        "deliveries": sum(per_group),
        "lost": per_group.count(0),
        "duplicates": sum(max(0, n - 1) for n in per_group),
        "kills": kills,
        "n429": api.n429,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=random.randrange(10**6))
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    print(f"seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/kill.sqlite3"
        result = asyncio.run(kill_test(args.groups, args.kills, args.seed, url))
    print(f"deliveries: {result['deliveries']} to {result['groups']} groups")
    print(f"lost: {result['lost']} (goal 0); duplicates: {result['duplicates']} (goal ≤ 1/10,000)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
