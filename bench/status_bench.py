"""Project status at scale: 2,000 projects in the 21 regions and 1,000,000 updates (one in
fifty reports corrected), then the real handlers timed through the core.

    .venv/bin/python bench/status_bench.py [--updates 1000000] [--projects 2000] [--samples 1000]

On PostgreSQL when TEST_DATABASE_URL is set (a database ``<name>_status_bench`` is created on
that server and dropped at the end; the rows go in with COPY), else on a SQLite file in a
temporary folder (executemany in batches). Measured, each as ``Core.process`` of a real
update (the claim, the read-only first attempt of a plain message, the handler, the commit):

- p99_ms_record: ``#进展 项目 已筹…万 捐赠…人次 筹款中`` in the project's region group (parse,
  resolve the name among the region's projects, check, store, move the latest pointer, the
  change since the previous update);
- p99_ms_report_region: ``/report`` in a region's group (about 95 projects);
- p99_ms_report_all: a provincial admin's ``/report`` (all 2,000 projects, 21 regions);
- export_s_region: ``/export`` of the largest region (its summary and every update of its
  projects in the history sheet, about 48,000 rows at full scale), the median of three.

Goals on PostgreSQL: p99_ms_record ≤ 20, p99_ms_report_all ≤ 100, export_s_region ≤ 5. The
last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, event, insert, text, update

from bot.app import App, build_app
from bot.settings import load_settings
from bot.transports.console import ConsoleMessenger
from handlers.core.model import Chat, ChatType, IncomingMessage, SendDocument, User
from storage.status_tables import StatusProject, StatusRecord
from storage.uow import UnitOfWork
from tests.support.broadcast import add_groups
from tests.support.clock import FakeClock
from tests.support.databases import PostgresDatabases
from tests.support.indexes import app_services

TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuvwxyz"
ADMIN = User(1001, "总会小王", username="zonghui_wang")
MEMBER = User(2001, "张社工", username="zhang_sg")
CORRECTED_EVERY = 50  # one report in fifty gets a correction
BATCH = 50_000
# Project names: place + theme + kind, 20 x 10 x 10 = 2,000 distinct Chinese names.
PLACES = (
    "青山", "白塔", "云溪", "石桥", "桃源", "松林", "梨花", "竹海", "清泉", "红岩", "金沙", "银杏",
    "月亮湾", "星河", "凤鸣", "龙潭", "柳岸", "枫林", "雪峰", "彩虹",
)  # fmt: skip
THEMES = ("助学", "护林", "午餐", "助老", "阅读", "净水", "刺绣", "养蜂", "康复", "暖冬")
KINDS = ("计划", "行动", "工程", "项目", "守护", "陪伴", "互助", "春蕾", "微光", "同行")
DOMAINS = ("儿童关爱", "生态环保", "扶弱济困", "敬老爱老", "乡村发展")
STAGES = ("筹备", "上线", "筹款中", "执行中")
UPDATE_COLUMNS = (
    "id", "project_id", "raised_yuan", "target_yuan", "donations", "beneficiaries", "percent",
    "stage", "text", "source", "reporter_id", "reporter_name", "chat_id", "message_id",
    "reported_at", "created_at", "supersedes_id", "root_id", "media_group",
)  # fmt: skip


def project_names(count: int) -> list[str]:
    names = [f"{p}{t}{k}" for p, t, k in itertools.product(PLACES, THEMES, KINDS)]
    random.Random(7).shuffle(names)
    if count > len(names):
        raise SystemExit(f"at most {len(names)} projects")
    return names[:count]


def update_rows(
    projects: list[tuple[int, int, int]], total: int, now: datetime
) -> Iterator[tuple[Any, ...]]:
    """``total`` rows over the projects (id, group chat, target): each project's reports a
    day apart, its last one 0-9 days ago (so some are stale), every CORRECTED_EVERY-th
    corrected; rows in id order."""
    per_project = max(1, total // len(projects))
    next_id = 1
    message = itertools.count(1)
    for number, (project_id, chat_id, target) in enumerate(projects):
        rows = per_project + (1 if number < total - per_project * len(projects) else 0)
        last = now - timedelta(days=number % 10, hours=number % 7)
        reports = rows - rows // (CORRECTED_EVERY + 1)
        made = 0
        for k in range(reports):
            if made == rows:
                break
            at = last - timedelta(days=reports - 1 - k)
            raised = target * (k + 1) // reports
            figures = (raised, target, 10 + 3 * k, None, None, STAGES[min(3, 4 * k // reports)])
            said = f"#进展 已筹{raised / 10_000:g}万/目标{target // 10_000}万"
            report_id = next_id
            yield (report_id, project_id, *figures, said, "tag", MEMBER.id, "张社工", chat_id,
                   next(message), at, at, None, None, None)  # fmt: skip
            next_id += 1
            made += 1
            if (k + 1) % CORRECTED_EVERY == 0 and made < rows:
                fixed = (raised + 1000, *figures[1:])
                yield (next_id, project_id, *fixed, said, "correction", ADMIN.id, "总会小王",
                       chat_id, None, at, at + timedelta(hours=1), report_id, report_id,
                       None)  # fmt: skip
                next_id += 1
                made += 1


async def load(app: App, project_count: int, update_count: int, now: datetime) -> dict[str, Any]:
    """The groups, the projects and the updates, in bulk; the latest pointers set."""
    chats = await add_groups(app.sessions, 21)
    names = project_names(project_count)
    async with UnitOfWork(app.sessions) as uow:
        regions = list(await uow.regions.all())
        chat_of = {}
        for chat in chats:
            group = await uow.groups.by_chat(chat.id)
            assert group is not None and group.region_id is not None
            chat_of[group.region_id] = chat.id
        rows = []
        for number, name in enumerate(names):
            region = regions[number % len(regions)]
            rows.append({
                "region_id": region.id, "name": name, "organisation": f"{region.name}慈善总会",
                "domain": DOMAINS[number % len(DOMAINS)],
                "target_yuan": 100_000 + 100_000 * (number % 20),
                "archived": False, "created_by": ADMIN.id, "created_by_name": "总会小王",
                "created_at": now - timedelta(days=800), "updated_by": ADMIN.id,
                "updated_by_name": "总会小王", "updated_at": now - timedelta(days=800),
            })  # fmt: skip
        await uow.session.execute(insert(StatusProject), rows)
        await uow.commit()
    async with UnitOfWork(app.sessions) as uow:
        found = await uow.status.all_projects()
        projects = [(p.id, chat_of[p.region_id], p.target_yuan or 0) for p in found]
    started = time.monotonic()
    latest: dict[int, tuple[Any, ...]] = {}
    count = 0
    batch: list[tuple[Any, ...]] = []
    for row in update_rows(projects, update_count, now):
        batch.append(row)
        latest[row[1]] = row  # rows come in report order: the last one is the head
        if len(batch) == BATCH:
            count += await insert_updates(app, batch)
            batch = []
    count += await insert_updates(app, batch)
    async with UnitOfWork(app.sessions) as uow:
        copied = ("raised_yuan", "target_yuan", "donations", "beneficiaries", "percent",
                  "stage", "reported_at", "reporter_name")  # fmt: skip
        pointers = []
        for pid, row in latest.items():
            values = dict(zip(UPDATE_COLUMNS, row, strict=True))
            pointers.append({"pid": pid, "latest_update_id": row[0]} | {
                f"latest_{name}": values[name] for name in copied
            })  # fmt: skip
        table = StatusProject.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("pid"))
            .values({name: bindparam(name) for name in pointers[0] if name != "pid"})
        )
        await uow.session.execute(statement, pointers)
        if app.engine.dialect.name == "postgresql":
            await uow.session.execute(text(
                "SELECT setval(pg_get_serial_sequence('status_updates', 'id'), "
                "(SELECT max(id) FROM status_updates))"
            ))  # fmt: skip
        await uow.commit()
    await settle(app)
    return {"updates": count, "load_s": round(time.monotonic() - started, 1), "chats": chats}


async def settle(app: App) -> None:
    """After the bulk load, what a database in steady use would have done long before the
    measurement: statistics, and on PostgreSQL the vacuum of a million fresh rows and the
    checkpoint they force (left to autovacuum, both run during the first measurements and
    make their tail the bulk load's, not the bot's)."""
    async with app.engine.connect() as connection:
        if app.engine.dialect.name == "postgresql":
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM (ANALYZE)"))
            await autocommit.execute(text("CHECKPOINT"))
        else:
            await connection.execute(text("ANALYZE"))
            await connection.commit()


async def insert_updates(app: App, rows: list[tuple[Any, ...]]) -> int:
    if not rows:
        return 0
    if app.engine.dialect.name == "postgresql":
        async with app.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.copy_records_to_table(
                "status_updates", records=rows, columns=UPDATE_COLUMNS
            )
            await connection.commit()
    else:
        async with UnitOfWork(app.sessions) as uow:
            values = [dict(zip(UPDATE_COLUMNS, row, strict=True)) for row in rows]
            await uow.session.execute(insert(StatusRecord), values)
            await uow.commit()
    return len(rows)


class Timer:
    """Timed ``Core.process`` calls of messages, each a new update."""

    def __init__(self, app: App, clock: FakeClock) -> None:
        self.app, self.clock = app, clock
        self.ids = itertools.count(10_000_000)
        self.cpu_ms: list[float] = []  # this process's CPU time of each call
        self.statements: list[int] = []  # SQL statements sent during each call
        self._sent = 0
        event.listen(app.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_: Any) -> None:
        self._sent += 1

    async def process(self, chat: Chat, user: User, said: str) -> tuple[float, list[Any]]:
        self.clock.advance(seconds=30)
        number = next(self.ids)
        message = IncomingMessage(number, chat, number, self.clock.now(), user, text=said)
        started, cpu, sent = time.perf_counter(), time.process_time(), self._sent
        actions = await self.app.core.process(message)
        self.cpu_ms.append((time.process_time() - cpu) * 1000)
        self.statements.append(self._sent - sent)
        return (time.perf_counter() - started) * 1000, actions


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2)


async def measure(app: App, clock: FakeClock, chats: list[Chat], samples: int) -> dict[str, Any]:
    timer = Timer(app, clock)
    rng = random.Random(11)
    async with UnitOfWork(app.sessions) as uow:
        projects = [(p.name, p.region_id) for p in await uow.status.all_projects()]
        groups = {}
        for chat in chats:
            group = await uow.groups.by_chat(chat.id)
            assert group is not None
            groups[group.region_id] = chat
    recorded: list[float] = []
    for number in range(samples + 20):
        name, region = rng.choice(projects)
        raised, donations = rng.randint(1, 90), rng.randint(10, 5000)
        said = f"#进展 {name} 已筹{raised}.5万 捐赠{donations}人次 筹款中"
        spent, actions = await timer.process(groups[region], MEMBER, said)
        assert any("已记录进展" in getattr(a, "text", "") for a in actions), actions
        if number >= 20:  # the first builds the name index of 2,000 projects
            recorded.append(spent)
    record_cpu = statistics.median(timer.cpu_ms[20:])
    record_statements = statistics.median(timer.statements[20:])
    region_reports = []
    for number in range(samples):
        spent, actions = await timer.process(chats[number % len(chats)], MEMBER, "/report")
        assert actions and "项目进展" in actions[0].text
        region_reports.append(spent)
    admin_chat = Chat(ADMIN.id, ChatType.PRIVATE, ADMIN.first_name)
    all_reports = []
    for _ in range(samples):
        spent, actions = await timer.process(admin_chat, ADMIN, "/report")
        assert actions and actions[0].text.startswith("📊 全省项目进展")
        all_reports.append(spent)
    report_all_cpu = statistics.median(timer.cpu_ms[-samples:])
    largest = max(groups, key=lambda r: sum(1 for _, region in projects if region == r))
    exports = []
    for _ in range(3):
        spent, actions = await timer.process(groups[largest], ADMIN, "/export")
        [document] = [a for a in actions if isinstance(a, SendDocument)]
        exports.append(spent / 1000)
    export_cpu = statistics.median(timer.cpu_ms[-3:]) / 1000
    return {
        "p50_ms_record": round(statistics.median(recorded), 2),
        "p99_ms_record": p99(recorded),
        "p50_cpu_ms_record": round(record_cpu, 2),
        "statements_record": record_statements,
        "p50_ms_report_region": round(statistics.median(region_reports), 2),
        "p99_ms_report_region": p99(region_reports),
        "p50_ms_report_all": round(statistics.median(all_reports), 2),
        "p99_ms_report_all": p99(all_reports),
        "p50_cpu_ms_report_all": round(report_all_cpu, 2),
        "export_s_region": round(statistics.median(exports), 2),
        "export_cpu_s_region": round(export_cpu, 2),
        "export_mb_region": round(len(document.content) / 1e6, 1),
        "export_caption": document.caption,
    }


async def bench(url: str, projects: int, updates: int, samples: int) -> dict[str, Any]:
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    settings = load_settings(
        DATABASE_URL=url, PROVINCIAL_ADMINS=str(ADMIN.id), BOT_TOKEN=TOKEN,
        SHANLIN_FRAMEWORK="aiogram", TELEGRAM_API_BASE="http://127.0.0.1:9",
        TIMEZONE="Asia/Shanghai", DESK_CHAT_ID=None,
    )  # fmt: skip
    app = await build_app(settings, clock, app_services())
    try:
        await app.core.start(ConsoleMessenger(out=io.StringIO()))
        loaded = await load(app, projects, updates, clock.now())
        print(f"loaded {loaded['updates']:,} updates of {projects:,} projects in "
              f"{loaded['load_s']} s ({app.engine.dialect.name})", flush=True)  # fmt: skip
        figures = await measure(app, clock, loaded["chats"], samples)
    finally:
        await app.close()
    return {"database": app.engine.dialect.name, "projects": projects,
            "updates": loaded["updates"], **figures}  # fmt: skip


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite+aiosqlite:///{scratch}/status-bench.sqlite3"
            return await bench(url, args.projects, args.updates, args.samples)
    databases = PostgresDatabases(server)
    name = server.rpartition("/")[2] + "_status_bench"
    url = await databases.create(name)
    try:
        return await bench(url, args.projects, args.updates, args.samples)
    finally:
        await databases.drop(name)


def main() -> None:
    # The bulk load holds SQLite's write lock for seconds, and an export takes seconds: not
    # worth a warning here.
    for name in ("storage.database", "handlers.core.dispatch"):
        logging.getLogger(name).setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=2_000)
    # The 99th percentile of 300 samples is the third slowest, moved by any stall of a shared
    # machine; of 1,000, the tenth.
    parser.add_argument("--samples", type=int, default=1000)
    result = asyncio.run(main_async(parser.parse_args()))
    caption = result.pop("export_caption")
    print(f"database:            {result['database']}")
    print(f"projects / updates:  {result['projects']:,} / {result['updates']:,}")
    r = result
    record = f"p50 {r['p50_ms_record']} ms, p99 {r['p99_ms_record']} ms"
    print(f"record an update:    {record} (≤ 20); CPU p50 {r['p50_cpu_ms_record']} ms, "
          f"{r['statements_record']} SQL statements")  # fmt: skip
    region = f"p50 {r['p50_ms_report_region']} ms, p99 {r['p99_ms_report_region']} ms"
    print(f"/report (region):    {region}")
    province = f"p50 {r['p50_ms_report_all']} ms, p99 {r['p99_ms_report_all']} ms"
    print(f"/report (province):  {province} (≤ 100); CPU p50 {r['p50_cpu_ms_report_all']} ms")
    export = f"{r['export_s_region']} s, {r['export_mb_region']} MB (≤ 5 s)"
    print(f"/export (region):    {export}; CPU {r['export_cpu_s_region']} s")
    print(f"                     {caption}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
