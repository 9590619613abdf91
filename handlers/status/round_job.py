"""Collection rounds, the scheduled part: the job that opens rounds (asks the owners), nudges
the projects still missing and closes rounds (who reported, the region's summary), and plans
the next round.

Each moment is handled under the round's row lock, in one transaction with the outbox rows it
queues (unique keys), so a second run or a second process sends nothing twice. After
downtime a missed start or close is done once, said late; a nudge whose moment passed during
downtime is sent once (at most one per run), and none once the close is due. A private ask or
nudge Telegram refuses (the owner never started the bot, or blocked it) is posted in the group
with a mention instead (``on_round_settled``), and that owner is asked in the group next time.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from handlers.core.delivery import delivery
from handlers.core.feature import Runtime
from handlers.core.model import SendMessage
from handlers.status.messages import NAME
from handlers.status.round_plan import Schedule, plan_round, rule_of
from handlers.status.round_texts import (
    LATE,
    Recipients,
    ask_group,
    ask_private,
    close_text,
    nudge_group,
    nudge_private,
)
from storage.directory import Group
from storage.outbox import Delivery, DeliveryState
from storage.status_rounds import RoundSetting, RoundState, StatusRound
from storage.status_tables import StatusProject
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

ROUNDS_EVERY = 10  # seconds between runs of the job
LATE_AFTER = timedelta(minutes=5)  # a moment handled later than this is said late
CLAIM_BATCH = 100  # more than the regions: one current round each
KINDS = ("round-ask", "round-nudge")  # private messages that fall back to the group


def key(round_: StatusRound, what: str) -> str:
    return f"status-round:{round_.id}:{what}"


def schedule_of(setting: RoundSetting) -> Schedule:
    return Schedule(rule_of(setting.rule), setting.start_phrase, setting.close_phrase)


async def plan_next(
    uow: UnitOfWork, setting: RoundSetting, after: datetime, now: datetime
) -> StatusRound | None:
    """Plan the region's first round starting after ``after``; None when the repeat ended."""
    plan = plan_round(schedule_of(setting), after.astimezone(now.tzinfo))
    if plan is None:
        return None
    return await uow.status_rounds.add(
        StatusRound(
            region_id=setting.region_id, group_id=setting.group_id, set_by=setting.set_by,
            starts_at=plan.starts_at, closes_at=plan.closes_at,
            nudges=[moment.isoformat() for moment in plan.nudges], moved_from=plan.moved_from,
            state=RoundState.PLANNED, nudged=0, next_at=plan.starts_at, created_at=now,
        )
    )  # fmt: skip


async def end(uow: UnitOfWork, round_: StatusRound, state: str, now: datetime) -> None:
    round_.state, round_.ended_at, round_.next_at = state, now, None
    await uow.session.flush()  # the region may have its next current round at once


async def round_group(uow: UnitOfWork, round_: StatusRound) -> Group | None:
    """Where the round posts: the group it was set in, else the region's first active group."""
    groups = list(await uow.groups.in_region(round_.region_id))
    chosen = [g for g in groups if g.id == round_.group_id] or groups
    return chosen[0] if chosen else None


async def recipients(
    uow: UnitOfWork, projects: list[StatusProject], unreachable: set[int] | None = None
) -> Recipients:
    """Each project's owners: privately when the bot knows them (and has not been refused
    by them), else by mention in the group; projects without an owner are named there."""
    owners = await uow.status.owners_of([p.id for p in projects])
    known = [o.user_id for views in owners.values() for o in views if o.user_id is not None]
    refused = await uow.status_rounds.unreachable_privately(known)
    refused |= unreachable or set()
    who = Recipients()
    for project in projects:
        if not owners[project.id]:
            who.ownerless.append(project)
        for owner in owners[project.id]:
            user = owner.user_id if owner.user_id not in refused else None
            who.add(owner.label, user, project)
    return who


def _message(round_: StatusRound, what: str, chat_id: int, text: str, kind: str) -> Delivery:
    return delivery(key(round_, what), SendMessage(chat_id, text), NAME, round_.id, kind)


async def open_round(uow: UnitOfWork, round_: StatusRound, now: datetime) -> list[Delivery]:
    """Ask the owners of the region's active projects."""
    late = now - round_.starts_at > LATE_AFTER
    projects = await uow.status.projects_in_region(round_.region_id)
    who = await recipients(uow, projects)
    queued = [
        _message(round_, f"ask:{user}", user, ask_private(round_, mine, now, late), "round-ask")
        for user, mine in who.private.items()
    ]
    group = await round_group(uow, round_)
    if group is not None:
        example = projects[0].name if projects else None
        text = ask_group(round_, who, len(who.private), example, now, late)
        queued.append(_message(round_, "ask", group.chat_id, text, "round-start"))
    round_.state, round_.opened_at = RoundState.OPEN, now
    round_.nudged = sum(1 for moment in round_.nudge_moments() if moment <= now)
    return queued


async def nudge(uow: UnitOfWork, round_: StatusRound, now: datetime) -> list[Delivery]:
    """Remind the owners of the projects not reported yet (nothing when all have)."""
    moments = round_.nudge_moments()
    due = sum(1 for moment in moments if moment <= now)
    late = due > round_.nudged and now - moments[due - 1] > LATE_AFTER
    round_.nudged = due
    reported = await uow.status_rounds.reported_since(round_.region_id, round_.starts_at)
    missing = [
        p for p in await uow.status.projects_in_region(round_.region_id) if p.id not in reported
    ]
    if not missing:
        return []
    who = await recipients(uow, missing)
    queued = [
        _message(round_, f"nudge{due}:{user}", user, nudge_private(round_, mine, now, late),
                 "round-nudge")
        for user, mine in who.private.items()
    ]  # fmt: skip
    group = await round_group(uow, round_)
    if group is not None and (who.in_group or who.ownerless):
        text = nudge_group(round_, who, now, late)
        queued.append(_message(round_, f"nudge{due}", group.chat_id, text, "round-gnudge"))
    return queued


async def close_round(uow: UnitOfWork, round_: StatusRound, now: datetime) -> list[Delivery]:
    """Post who reported and who did not, and the summary; plan the next round."""
    if round_.state == RoundState.PLANNED:
        late = "（开始时机器人未运行，本轮没有发出征集；按期间收到的进展统计）"
    else:
        late = LATE if now - round_.closes_at > LATE_AFTER else ""
    figures = await uow.status.latest_in_region(round_.region_id)
    reported = await uow.status_rounds.reported_since(round_.region_id, round_.starts_at)
    owners = await uow.status.owners_of([row.project_id for row in figures])
    labels = {pid: "、".join(o.label for o in views) for pid, views in owners.items() if views}
    await end(uow, round_, RoundState.CLOSED, now)
    setting = await uow.status_rounds.setting(round_.region_id)
    upcoming = await plan_next(uow, setting, max(now, round_.closes_at), now) if setting else None
    next_start = upcoming.starts_at if upcoming else None
    text = close_text(round_, figures, reported, labels, next_start, now, late)
    group = await round_group(uow, round_)
    chat = group.chat_id if group is not None else round_.set_by
    return [_message(round_, "close", chat, text, "round-close")]


def _next_at(round_: StatusRound) -> datetime:
    moments = round_.nudge_moments()
    return moments[round_.nudged] if round_.nudged < len(moments) else round_.closes_at


async def advance(uow: UnitOfWork, round_: StatusRound, now: datetime) -> list[Delivery]:
    """Whatever is due for this round now: its start, a nudge or its close."""
    if now >= round_.closes_at:
        return await close_round(uow, round_, now)
    if round_.state == RoundState.PLANNED:
        queued = await open_round(uow, round_, now)
    else:
        queued = await nudge(uow, round_, now)
    round_.next_at = _next_at(round_)
    return queued


async def handle_due_rounds(uow: UnitOfWork, now: datetime) -> None:
    """Advance every round with a moment due, queuing what it says. A region has at most one
    current round, so one batch covers the 21 regions."""
    queued: list[Delivery] = []
    for round_ in await uow.status_rounds.claim_due(now, CLAIM_BATCH):
        queued += await advance(uow, round_, now)
    if queued:
        await uow.outbox.enqueue(queued, now)


async def run_rounds(runtime: Runtime) -> None:
    """The scheduler's job: handle what is due, in one transaction."""
    try:
        async with UnitOfWork(runtime.sessions) as uow:
            await handle_due_rounds(uow, runtime.clock.now())
            await uow.commit()
    except Exception:
        log.exception("status rounds: run failed; the next run retries")


async def next_round_due(runtime: Runtime) -> datetime | None:
    async with UnitOfWork(runtime.sessions) as uow:
        return await uow.status_rounds.next_due()


async def on_round_settled(uow: UnitOfWork, round_id: int, now: datetime) -> None:
    """A private ask or nudge Telegram refused goes to the round's group with a mention."""
    round_ = await uow.status_rounds.get(round_id)
    if round_ is None or round_.state == RoundState.CANCELLED:
        return
    failed = [
        row
        for row in await uow.outbox.about(NAME, round_id)
        if row.kind in KINDS and row.state == DeliveryState.FAILED
    ]
    group = await round_group(uow, round_) if failed else None
    if group is None:
        return
    queued = []
    for row in failed:
        person = await uow.people.by_user_id(row.chat_id)
        if person is None:
            continue
        mention = f"@{person.username}" if person.username else person.label
        said = row.payload.get("text", "")
        text = f"{mention} 私聊消息没能送达（{row.error}），转到群里：\n{said}"
        queued.append(
            _message(round_, f"fallback:{row.id}", group.chat_id, text, "round-fallback")
        )
    if queued:
        await uow.outbox.enqueue(queued, now)
