"""Deadline reminders on time: how late each reminder reaches the outbox and Telegram.

    .venv/bin/python bench/reminder_bench.py [--reminders 10000] [--groups 500] [--window 600]
                                             [--database-url URL]

Runs the real ``shanlin run`` (aiogram) as a subprocess against a local fake Bot API server
that enforces Telegram's limits (``tests/support/broadcast.py`` helpers, as in
``bench/broadcast_bench.py``). ``--groups`` groups are seeded before it starts; once it polls,
``ceil(reminders / groups)`` deadlines for those groups are written through the ORM in one
transaction, one reminder row (state 'pending', one lead) per deadline and group, their
``fire_at`` spread evenly over ``--window`` seconds from ``LEAD_IN`` seconds after the insert
(reminder k goes to group k mod groups, so each group's reminders are evenly spaced too), their
deadlines due an hour after the window (none is missed). Writing them once the bot is up, rather
than guessing how long it takes to start, keeps start-up out of the figures. The bench waits
until every reminder was accepted (or ``GRACE`` seconds after the budgets would allow the last
one), stops the bot with SIGTERM and reads back:

* lateness to enqueue: ``enqueued_at − fire_at`` of each reminder row. ``enqueued_at`` is the
  scheduler run's ``now``, taken when the run starts, so the run's own query and commit are
  not in it (they are in the next figure). Goal: p99 ≤ 2 s.
* lateness to acceptance: when the fake Bot API received the successful ``sendMessage`` of
  the reminder (matched by chat id and the "#<deadline id>" of ``reminder_text`` in
  ``handlers/reminders.py``) − ``fire_at``.
  The fake server stamps calls with this process's ``time.monotonic()``; they are put on the
  wall clock (which the bot's clock, aware ``datetime.now``, and so the database use) by the
  offset ``time.time() − time.monotonic()`` measured here before and after the run.
* 429s received (each listed with its chat's gap since its last accepted message), lost
  reminders (never accepted), duplicates (accepted more than once). Goals: 0, 0, 0.

Baseline: the same reminders (same chats, same ``fire_at`` offsets) run through the bot's own
``RateLimiter`` on virtual time, each released exactly at its ``fire_at`` with no polling, no
database and no network: the earliest each could be accepted within the bot's budgets. From it
come the minimum span (first ``fire_at`` to last acceptance) and the minimal lateness; the
ratio is the real span over that minimum (as in the broadcast bench; 1.0 is perfect), and the
excess is how much later than that minimum p99 acceptance is. With the default load (≈17
messages a second, each group one every 30 s) the budgets allow practically no lateness, so the
excess is what polling, the outbox and the network add; ``--window 0`` turns it into a burst that
only the budgets bound. The same simulation with each message released when the bot actually
enqueued it shows how much of the rest is merely the budgets spacing out each second's batch
(a 1-second poll hands the sender ~17 at once, 40 ms apart) rather than the sender's own cost.
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import re
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from handlers.core.ratelimit import RateLimiter
from storage.database import create_engine, session_factory
from storage.deadlines import Deadline, DeadlineReminder, DeadlineTarget, ReminderState
from storage.directory import Group
from storage.uow import SessionFactory
from tests.support import broadcast as b
from tests.support.fake_bot_api import Call, FakeBotAPI
from tests.support.people import ADMIN
from tests.support.virtual_time import VirtualTime

LEAD_IN = 10.0  # seconds from writing the reminders to the first fire_at
DUE_AFTER = timedelta(hours=1)  # deadlines fall due this long after the window
GRACE = 120.0  # seconds to wait beyond the budgets' last acceptance before giving up
SETTLE = 2.0  # seconds to keep listening after the last reminder (duplicates arrive then)
PROGRESS_EVERY = 30.0
# reminder_text (handlers/reminders.py): "⏰ 截止提醒 #12\n…" or "⏰ 截止提醒（延迟提醒） #12\n…"
REMINDER = re.compile(r"⏰ 截止提醒(（延迟提醒）)? #(\d+)\n")

Slot = tuple[int, int]  # (chat id, deadline id): one reminder


@dataclass
class Row:
    chat_id: int
    deadline_id: int
    fire_at: float  # epoch seconds
    enqueued_at: float | None
    state: str


def refusals(calls: list[Call]) -> list[str]:
    """Each 429: the seconds since the chat's last accepted message, and how many messages
    were accepted in the second before it (Telegram's limits: 1 s per chat, 30 overall)."""
    last: dict[object, float] = {}
    recent: list[float] = []
    found = []
    for call in calls:
        if call.method != "sendMessage":
            continue
        if call.error_code == 429:
            gap = call.at - last.get(call.chat_id, float("-inf"))
            overall = sum(1 for at in recent if at > call.at - 1.0)
            found.append(f"chat {call.chat_id}: {gap:.3f} s after its last, {overall} in 1 s")
        elif call.ok:
            last[call.chat_id] = call.at
            recent = [*recent[-40:], call.at]
    return found


def reminder_of(call: Call) -> Slot | None:
    if not call.ok or call.method != "sendMessage" or not isinstance(call.chat_id, int):
        return None
    found = REMINDER.match(call.text or "")
    return (call.chat_id, int(found.group(2))) if found else None


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0…1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def plan(reminders: int, groups: int, window: float) -> list[tuple[int, int, float]]:
    """(deadline number, group number, fire offset in seconds) of each reminder, in order."""
    step = window / reminders
    return [(k // groups, k % groups, k * step) for k in range(reminders)]


async def budget_minimum(releases: list[tuple[float, int]]) -> list[float]:
    """When each (release offset, chat id) could be sent at the earliest within the bot's own
    budgets (handlers/ratelimit.py), on virtual time: the baseline."""
    clock = VirtualTime()
    limiter = RateLimiter(clock.clock, clock.sleep)

    async def one(at: float, chat_id: int) -> float:
        await clock.sleep(at)
        await limiter.acquire(chat_id)
        return clock.now

    return await clock.run(*(one(at, chat_id) for at, chat_id in releases))


async def group_ids(sessions: SessionFactory, chat_ids: list[int]) -> list[int]:
    async with sessions() as session:
        rows = await session.execute(
            select(Group.chat_id, Group.id).where(Group.chat_id.in_(chat_ids))
        )
        by_chat = dict(rows.tuples().all())
    return [by_chat[chat_id] for chat_id in chat_ids]


async def add_reminders(
    sessions: SessionFactory, groups: list[int], layout: list[tuple[int, int, float]]
) -> datetime:
    """Deadlines for ``groups`` and one pending reminder row per entry of ``layout``, in one
    transaction; returns the first fire_at (``LEAD_IN`` seconds from now)."""
    now = datetime.now(UTC)
    start = now + timedelta(seconds=LEAD_IN)
    due_at = start + timedelta(seconds=layout[-1][2]) + DUE_AFTER
    count = layout[-1][0] + 1
    fires = [(d, g, start + timedelta(seconds=offset)) for d, g, offset in layout]
    leads: list[set[int]] = [set() for _ in range(count)]
    for d, _, fire_at in fires:
        leads[d].add(int((due_at - fire_at).total_seconds()))
    async with sessions() as session:
        deadlines = [
            Deadline(
                what=f"压力测试事项 {d + 1}：请提交季度项目进展表",
                due_at=due_at,
                leads=sorted(leads[d], reverse=True),
                targets_label="全部",
                created_by=ADMIN.id,
                created_by_name=ADMIN.first_name,
                created_at=now,
                cancelled=False,
            )
            for d in range(count)
        ]
        session.add_all(deadlines)
        await session.flush()
        ids = [deadline.id for deadline in deadlines]
        await session.execute(
            insert(DeadlineTarget),
            [{"deadline_id": ids[d], "group_id": groups[g]} for d, g, _ in fires],
        )
        await session.execute(
            insert(DeadlineReminder),
            [
                {
                    "deadline_id": ids[d],
                    "group_id": groups[g],
                    "due_at": due_at,
                    "lead": int((due_at - fire_at).total_seconds()),
                    "fire_at": fire_at,
                    "state": "pending",
                }
                for d, g, fire_at in fires
            ],
        )
        await session.commit()
    return start


async def read_back(sessions: SessionFactory) -> list[Row]:
    query = select(
        Group.chat_id,
        DeadlineReminder.deadline_id,
        DeadlineReminder.fire_at,
        DeadlineReminder.enqueued_at,
        DeadlineReminder.state,
    ).join(Group, Group.id == DeadlineReminder.group_id)
    async with sessions() as session:
        result = (await session.execute(query)).tuples().all()
    return [
        Row(chat, deadline, fire.timestamp(), queued.timestamp() if queued else None, state)
        for chat, deadline, fire, queued, state in result
    ]


def wall_offset() -> float:
    """time.time() − time.monotonic(), the later read bracketed to halve the error."""
    before = time.monotonic()
    wall = time.time()
    after = time.monotonic()
    return wall - (before + after) / 2


async def watch(api: FakeBotAPI, expected: int, give_up: float) -> None:
    """Wait until ``expected`` distinct reminders were accepted or monotonic ``give_up``."""
    seen: set[Slot] = set()
    index, report_at, began = 0, time.monotonic() + PROGRESS_EVERY, time.monotonic()
    while len(seen) < expected and time.monotonic() < give_up:
        calls = api.calls
        for call in calls[index:]:
            if (slot := reminder_of(call)) is not None:
                seen.add(slot)
        index = len(calls)
        if time.monotonic() >= report_at:
            report_at += PROGRESS_EVERY
            elapsed = time.monotonic() - began
            print(f"  … {elapsed:4.0f} s: {len(seen)}/{expected} accepted", file=sys.stderr)
        await asyncio.sleep(0.25)


async def bench(
    reminders: int, groups: int, window: float, database_url: str
) -> dict[str, object]:
    chats = await b.seed_database(database_url, groups)
    chat_ids = [chat.id for chat in chats]
    layout = plan(reminders, groups, window)
    ideal = await budget_minimum([(offset, chat_ids[g]) for _, g, offset in layout])
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with FakeBotAPI(enforce_limits=True) as api:
            launched = time.monotonic()
            bot = await b.start_bot_process(api, database_url)
            startup = time.monotonic() - launched
            try:
                offset_before = wall_offset()
                written = time.time()
                start = await add_reminders(sessions, await group_ids(sessions, chat_ids), layout)
                insert_s = time.time() - written
                if time.time() >= start.timestamp():
                    print("warning: writing the reminders outlasted LEAD_IN", file=sys.stderr)
                give_up = start.timestamp() - offset_before + max(ideal) + GRACE
                await watch(api, reminders, give_up)
                await asyncio.sleep(SETTLE)
            finally:
                bot.send_signal(signal.SIGTERM)
                await bot.wait()
            offset_after = wall_offset()
        rows = await read_back(sessions)
    finally:
        await engine.dispose()
    offset = (offset_before + offset_after) / 2

    accepted: dict[Slot, list[float]] = {}
    late_labelled = 0
    for call in api.calls:
        if (slot := reminder_of(call)) is not None:
            accepted.setdefault(slot, []).append(call.at + offset)
            late_labelled += "延迟提醒" in (call.text or "")
    by_slot = {(row.chat_id, row.deadline_id): row for row in rows}
    enqueue = [r.enqueued_at - r.fire_at for r in rows if r.enqueued_at is not None]
    accept = [min(accepted[s]) - r.fire_at for s, r in by_slot.items() if s in accepted]
    sender = [
        min(accepted[s]) - r.enqueued_at
        for s, r in by_slot.items()
        if s in accepted and r.enqueued_at is not None
    ]
    deliveries = [len(accepted.get(slot, [])) for slot in by_slot]
    strays = sum(len(times) for slot, times in accepted.items() if slot not in by_slot)
    runs = sorted({r.enqueued_at for r in rows if r.enqueued_at is not None})
    gaps = [later - earlier for earlier, later in itertools.pairwise(runs)]
    first_fire = min(r.fire_at for r in rows)
    last_accept = max((min(t) for s, t in accepted.items() if s in by_slot), default=None)
    span = None if last_accept is None else last_accept - first_fire
    min_span = max(ideal)  # offsets start at 0 with the first fire_at
    ideal_late = [at - offset for at, (_, _, offset) in zip(ideal, layout, strict=True)]
    # The same budgets, each message released when the bot actually enqueued it (in the
    # order the sender claims them): the least the sender could add to that enqueue.
    queued = sorted((r.enqueued_at, r.fire_at, r.chat_id) for r in rows if r.enqueued_at)
    from_enqueue = await budget_minimum([(at - first_fire, chat) for at, _, chat in queued])
    queued_late = [
        at + first_fire - fire for at, (_, fire, _) in zip(from_enqueue, queued, strict=True)
    ]
    p99_accept = percentile(accept, 0.99)
    return {
        "reminders": reminders,
        "groups": groups,
        "window_s": window,
        "rows": len(rows),
        "startup_s": round(startup, 1),
        "insert_s": round(insert_s, 2),
        "p50_enqueue_s": rounded(percentile(enqueue, 0.5)),
        "p99_enqueue_s": rounded(percentile(enqueue, 0.99)),
        "max_enqueue_s": rounded(max(enqueue, default=None)),
        "p50_accept_s": rounded(percentile(accept, 0.5)),
        "p99_accept_s": rounded(p99_accept),
        "max_accept_s": rounded(max(accept, default=None)),
        "p50_sender_s": rounded(percentile(sender, 0.5)),
        "p99_sender_s": rounded(percentile(sender, 0.99)),
        "max_sender_s": rounded(max(sender, default=None)),
        "ideal_p99_accept_s": rounded(percentile(ideal_late, 0.99)),
        "queued_p99_accept_s": rounded(percentile(queued_late, 0.99)),
        "excess_p99_accept_s": rounded(
            None if p99_accept is None else p99_accept - (percentile(ideal_late, 0.99) or 0.0)
        ),
        "span_s": rounded(span, 2),
        "min_span_s": round(min_span, 2),
        "ratio": rounded(None if span is None else span / min_span if min_span else None),
        "n429": api.n429,
        "refusals": refusals(api.calls)[:10],
        "lost": deliveries.count(0),
        "duplicates": sum(max(0, n - 1) for n in deliveries),
        "strays": strays,
        "late_labelled": late_labelled,
        "states": dict(Counter(r.state for r in rows)),
        "not_enqueued": sum(r.state != ReminderState.ENQUEUED for r in rows),
        "scheduler_runs": len(runs),
        "p50_run_gap_s": rounded(statistics.median(gaps) if gaps else None),
        "max_run_gap_s": rounded(max(gaps, default=None)),
        "clock_drift_ms": round((offset_after - offset_before) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--window", type=float, default=600.0, help="seconds")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    if args.reminders < 1 or args.groups < 1 or args.window < 0:
        parser.error("--reminders and --groups must be positive, --window not negative")
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.sqlite3"
        r = asyncio.run(bench(args.reminders, args.groups, args.window, url))
    deadlines = math.ceil(args.reminders / args.groups)
    print(
        f"reminders:             {r['reminders']} ({deadlines} deadlines × ≤{r['groups']} groups)"
    )
    print(f"groups:                {r['groups']}")
    print(f"window:                {r['window_s']} s (bot started in {r['startup_s']} s)")
    print(
        f"lateness to enqueue:   p50 {r['p50_enqueue_s']} s, p99 {r['p99_enqueue_s']} s, "
        f"max {r['max_enqueue_s']} s (goal p99 ≤ 2 s)"
    )
    print(
        f"lateness to accepted:  p50 {r['p50_accept_s']} s, p99 {r['p99_accept_s']} s, "
        f"max {r['max_accept_s']} s"
    )
    print(
        f"enqueue → accepted:    p50 {r['p50_sender_s']} s, p99 {r['p99_sender_s']} s, "
        f"max {r['max_sender_s']} s (outbox and sender)"
    )
    print(
        f"budgets' minimum:      p99 lateness {r['ideal_p99_accept_s']} s, "
        f"span {r['min_span_s']} s (released at fire_at; span: first fire_at to last acceptance)"
    )
    print(
        f"  from actual enqueue: p99 lateness {r['queued_p99_accept_s']} s "
        "(released when the bot enqueued them)"
    )
    print(
        f"actual span:           {r['span_s']} s, ratio {r['ratio']} (1.0: the minimum), "
        f"p99 {r['excess_p99_accept_s']} s above the minimum"
    )
    print(
        f"scheduler runs:        {r['scheduler_runs']} queued reminders, gap p50 "
        f"{r['p50_run_gap_s']} s, max {r['max_run_gap_s']} s"
    )
    print(f"row states:            {r['states']}; marked 延迟提醒: {r['late_labelled']}")
    print(f"429 answers:           {r['n429']} (goal 0)")
    refused = r["refusals"]
    assert isinstance(refused, list)
    for refusal in refused:
        print(f"  429 to {refusal}")
    print(f"lost / duplicates:     {r['lost']} / {r['duplicates']} (goal 0 / 0)")
    print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main()
