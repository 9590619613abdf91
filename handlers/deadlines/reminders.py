"""Deadline reminders: planning a deadline's reminder rows, and queuing the due ones.

``plan`` turns a deadline's current occurrence and its lead times into ``deadline_reminders``
rows, moved out of the night (22:00–08:00 → 08:00) and, for groups that ask, off non-working
days (``handlers/workdays.py``). ``enqueue_due_reminders`` (the scheduler's job, every second)
moves each due row into the outbox once, in one transaction with marking it, and advances
repeating deadlines to their next occurrence.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from handlers.core.delivery import delivery
from handlers.core.feature import Runtime
from handlers.core.model import Button, Keyboard, SendMessage
from handlers.shared.dates import WEEKDAYS, format_when, time_left
from handlers.shared.when import Recurrence, next_occurrence
from handlers.shared.workdays import reminder_time
from storage.deadlines import Deadline, DeadlineReminder, ReminderState
from storage.directory import Group
from storage.outbox import Delivery
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_LEADS = (timedelta(days=7), timedelta(days=3), timedelta(days=1), timedelta(hours=2))
NAME = "deadlines"  # the feature's name: its outbox deliveries carry it
LATE_AFTER = timedelta(minutes=5)  # a reminder enqueued later than this is marked 延迟提醒
CLAIM_BATCH = 500  # reminders claimed per transaction


def lead_text(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}天"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}小时"
    return f"{seconds // 60}分钟"


def reminder_key(reminder: DeadlineReminder) -> str:
    due = reminder.due_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    return (
        f"deadline:{reminder.deadline_id}:at:{due}:group:{reminder.group_id}:lead:{reminder.lead}"
    )


def occurrence_stamp(due_at: datetime) -> int:
    """Names one occurrence of a deadline in button data: minutes since the epoch."""
    return int(due_at.timestamp()) // 60


def done_button(deadline_id: int, due_at: datetime) -> Keyboard:
    return ((Button("已完成", f"deadline:done:{deadline_id}:{occurrence_stamp(due_at)}"),),)


def reminder_text(reminder: DeadlineReminder, now: datetime, late: bool) -> str:
    head = "⏰ 截止提醒（延迟提醒）" if late else "⏰ 截止提醒"
    due = reminder.due_at
    return (
        f"{head} #{reminder.deadline_id}\n{reminder.deadline.what}\n"
        f"截止时间：{format_when(due, now)}，{time_left(due, now)}。\n"
        "本群完成后请点“已完成”，之后不再提醒本群。"
    )


# --- repeating deadlines ---------------------------------------------------------------------


def recurrence_data(rec: Recurrence) -> dict[str, object]:
    return {
        "kind": rec.kind,
        "day": rec.day,
        "at": rec.at.strftime("%H:%M"),
        "until": rec.until.isoformat() if rec.until else None,
    }


def recurrence_of(deadline: Deadline) -> Recurrence | None:
    data = deadline.recurrence
    if not data:
        return None
    until = data.get("until")
    return Recurrence(
        kind=data["kind"],  # type: ignore[arg-type]
        day=data.get("day"),  # type: ignore[arg-type]
        at=time.fromisoformat(str(data["at"])),
        until=date.fromisoformat(str(until)) if until else None,
    )


def recurrence_text(rec: Recurrence) -> str:
    if rec.kind == "daily":
        when = "每天"
    elif rec.kind == "weekly":
        when = f"每周{WEEKDAYS[rec.day or 0]}"
    else:
        when = "每月底" if rec.day == -1 else f"每月{rec.day}日"
    until = f"，到{rec.until.year}年{rec.until.month}月{rec.until.day}日" if rec.until else ""
    return f"{when} {rec.at.strftime('%H:%M')}{until}"


def period(rec: Recurrence) -> timedelta:
    """The shortest time between two occurrences: leads must be shorter to fit in."""
    return {"daily": timedelta(days=1), "weekly": timedelta(days=7)}.get(
        rec.kind, timedelta(days=28)
    )


# --- planning --------------------------------------------------------------------------------


def plan(
    deadline: Deadline, groups: Iterable[Group], now: datetime, since: datetime | None = None
) -> Iterator[DeadlineReminder]:
    """The reminder rows of the deadline's current occurrence: one per group and lead whose
    moment is still ahead (and, for a repeating deadline, after its previous occurrence
    ``since``), moved out of quiet hours and, where a group asks, off non-working days.
    Advancing after downtime, a reminder whose moment passed meanwhile is still planned: the
    next run sends it once, as 延迟提醒."""
    floor = since or now
    zone = now.tzinfo  # the bot's zone: the clock gives its times in it
    assert zone is not None
    local_due = deadline.due_at.astimezone(zone)
    for group in groups:
        for lead in deadline.leads:
            fire_at = local_due - timedelta(seconds=lead)
            if fire_at <= floor:
                continue
            yield DeadlineReminder(
                deadline_id=deadline.id,
                group_id=group.id,
                due_at=deadline.due_at,
                lead=lead,
                fire_at=reminder_time(fire_at, local_due, now, group.workdays_only, zone),
                state=ReminderState.PENDING,
            )


async def advance_repeating(uow: UnitOfWork, now: datetime) -> None:
    """Move each repeating deadline whose occurrence has passed on to its next one (after
    now), reset the groups' 已完成 and plan the new occurrence's reminders; one that has
    run past its end stops repeating."""
    for deadline in await uow.deadlines.repeating_passed(now):
        rec = recurrence_of(deadline)
        previous = deadline.due_at
        after = max(previous, now).astimezone(now.tzinfo)
        upcoming = None if rec is None else next_occurrence(rec, after)
        if upcoming is None:
            deadline.recurrence = None
            continue
        deadline.due_at = upcoming
        targets = await uow.deadlines.targets(deadline.id)
        for target in targets:
            target.done_at = target.done_by = None
        await uow.deadlines.add_reminders(
            plan(deadline, [t.group for t in targets if t.group.active], now, previous)
        )


# --- queuing ---------------------------------------------------------------------------------


async def enqueue_due_reminders(uow: UnitOfWork, now: datetime) -> int:
    """Write every due reminder into the outbox, in the caller's transaction with marking it.

    Of several due reminders of one deadline in one group (after downtime) only the last is
    sent, marked 延迟提醒 when late; one whose deadline has passed is not sent, and its
    creator and the coordinators of its group's region get one summary of what was missed.
    Returns how many reminders were claimed."""
    due = await uow.deadlines.claim_due(now, CLAIM_BATCH)
    latest: dict[tuple[int, int], DeadlineReminder] = {}
    for reminder in due:
        slot = (reminder.deadline_id, reminder.group_id)
        if slot not in latest or reminder.fire_at >= latest[slot].fire_at:
            latest[slot] = reminder
    queued: list[Delivery] = []
    missed: list[DeadlineReminder] = []
    for reminder in due:
        if reminder.due_at <= now:
            reminder.state = ReminderState.MISSED
            missed.append(reminder)
        elif latest[(reminder.deadline_id, reminder.group_id)] is not reminder:
            reminder.state = ReminderState.SUPERSEDED
        else:
            reminder.state, reminder.enqueued_at = ReminderState.ENQUEUED, now
            late = now - reminder.fire_at > LATE_AFTER
            message = SendMessage(
                reminder.group.chat_id,
                reminder_text(reminder, now, late),
                None,
                done_button(reminder.deadline_id, reminder.due_at),
            )
            queued.append(delivery(reminder_key(reminder), message, NAME, reminder.deadline_id))
    for reader, lost in (await _told_of_missed(uow, missed)).items():
        key = f"deadline:missed:{reader}:{lost[0].id}"
        queued.append(delivery(key, _summary(reader, lost, now)))
    if queued:
        await uow.outbox.enqueue(queued, now)
    await advance_repeating(uow, now)
    return len(due)


async def _told_of_missed(
    uow: UnitOfWork, missed: list[DeadlineReminder]
) -> dict[int, list[DeadlineReminder]]:
    """Who hears of reminders missed for good: each deadline's creator, and the coordinators
    of the groups' regions, each once, of what concerns them."""
    readers: dict[int, list[DeadlineReminder]] = defaultdict(list)
    coordinators: dict[int, list[int]] = {}
    for reminder in missed:
        people = {reminder.deadline.created_by}
        region = reminder.group.region_id
        if region is not None:
            if region not in coordinators:
                found = await uow.grants.coordinators(region)
                coordinators[region] = [person.user_id for person in found]
            people.update(coordinators[region])
        for person in people:
            readers[person].append(reminder)
    return readers


def _summary(reader: int, lost: list[DeadlineReminder], now: datetime) -> SendMessage:
    lines = ["⚠️ 机器人停机期间，以下截止提醒没有发出，且截止时间已过，不再补发："]
    for reminder in lost[:40]:
        title = reminder.group.title or str(reminder.group.chat_id)
        lines.append(
            f"#{reminder.deadline_id} {reminder.deadline.what[:30]}"
            f"（截止 {format_when(reminder.due_at, now)}，"
            f"提前 {lead_text(reminder.lead)}）→ {title}"
        )
    if len(lost) > 40:
        lines.append(f"……共 {len(lost)} 条。")
    return SendMessage(reader, "\n".join(lines))


async def next_reminder_due(runtime: Runtime) -> datetime | None:
    """When the reminder job will next have work: a reminder falls due, or a repeating
    deadline moves on to its next occurrence."""
    async with UnitOfWork(runtime.sessions) as uow:
        return await uow.deadlines.next_due()


async def run_reminders(runtime: Runtime) -> None:
    """The scheduler's job: queue whatever reminders are due, a batch per transaction until
    none is left (a burst of thousands due at one moment takes several batches)."""
    try:
        while True:
            async with UnitOfWork(runtime.sessions) as uow:
                claimed = await enqueue_due_reminders(uow, runtime.clock.now())
                await uow.commit()
            if claimed < CLAIM_BATCH:
                return
    except Exception:
        log.exception("deadline reminders: run failed; the next run retries")
