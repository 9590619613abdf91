"""The core: one unit of work per update, routed to the feature that handles it.

Adapters call ``Core.handle(update, messenger)``; everything below is framework-free.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeGuard

from sqlalchemy.exc import DBAPIError

from handlers.core.access import Actor
from handlers.core.commands import (
    Audience,
    Command,
    command_menus,
    help_command,
    parse_command,
    refusal,
    wrong_place,
)
from handlers.core.config import CoreConfig
from handlers.core.context import Context, Services
from handlers.core.feature import Feature, collect
from handlers.core.groups import on_bot_membership, on_migration, warn_if_blind
from handlers.core.model import (
    AnswerCallback,
    BotInfo,
    CallbackPress,
    Incoming,
    IncomingMessage,
    MembershipChange,
    MessageKind,
    Outgoing,
    SendMessage,
    User,
)
from handlers.core.ports import Clock, FileSource, Messenger, SendError
from storage.base import WriteNeeded
from storage.database import is_transient
from storage.directory import Group
from storage.directory_cache import DirectoryCache, attach
from storage.uow import SessionFactory, UnitOfWork

log = logging.getLogger(__name__)

# Telegram re-delivers an unconfirmed update for at most a day; keep a margin.
PROCESSED_UPDATES_KEPT = timedelta(days=3)
TRANSACTION_ATTEMPTS = 3
# Processing one update (its transaction, not sending its replies, nor its wait for a turn)
# longer than this is logged as a warning; every update's time is logged at DEBUG, with
# ``extra={"duration_s": …, "queued_s": …}``.
SLOW_UPDATE_S = 2.0
# Updates processed at once (the rest wait their turn, in order of arrival): more would only
# wait for a database connection or the SQLite write lock, while crowding the event loop that
# the transactions holding them need to finish.
CONCURRENT_UPDATES = 4
# A known person's last sighting is refreshed at most this often (people.last_seen_at).
SEEN_REFRESH = timedelta(days=1)


def _log_time(update: Incoming, queued: float, took: float) -> None:
    level = logging.WARNING if took > SLOW_UPDATE_S else logging.DEBUG
    extra = {"update_id": update.update_id, "duration_s": took, "queued_s": queued}
    message = "update %s processed in %.0f ms (after %.0f ms waiting for its turn)"
    log.log(level, message, update.update_id, took * 1000, queued * 1000, extra=extra)


def _may_be_without_effect(update: Incoming) -> TypeGuard[IncomingMessage]:
    """Updates worth a read-only first attempt: plain messages, which mostly change nothing
    (chatter). Commands, button presses and membership changes always answer or write."""
    return isinstance(update, IncomingMessage) and parse_command(update.text) is None


def all_commands(features: Sequence[Feature]) -> list[Command]:
    """Every command, in the order /help and the menus show them (/help second)."""
    commands: list[Command] = [c for feature in features for c in feature.commands]
    notes = [f.help_note for f in features if f.help_note is not None]
    commands.insert(1, help_command(commands, notes))  # /help lists this very list
    return commands


class Core:
    def __init__(
        self,
        sessions: SessionFactory,
        config: CoreConfig,
        clock: Clock,
        features: Sequence[Feature],
        services: Services | None = None,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock
        self.services = services or Services()
        self.commands = all_commands(features)
        help_ = next(c for c in self.commands if c.name == "help")
        self.features = collect(features, core_commands=(help_,))
        self._bot: BotInfo | None = None
        self._files: FileSource | None = None
        self.directory = DirectoryCache()
        self._gate = asyncio.Semaphore(CONCURRENT_UPDATES)

    @property
    def bot(self) -> BotInfo:
        if self._bot is None:
            raise RuntimeError("Core.start() has not run")
        return self._bot

    async def start(self, messenger: Messenger) -> None:
        """Learn who the bot is, register its command menus, forget stale processed updates."""
        self._bot = await messenger.bot_info()
        self._files = messenger if isinstance(messenger, FileSource) else None
        for menu in command_menus(self.commands):
            await messenger.perform(menu)
        async with UnitOfWork(self.sessions) as uow:
            await uow.updates.prune(self.clock.now() - PROCESSED_UPDATES_KEPT)
            await uow.commit()

    async def handle(self, update: Incoming, messenger: Messenger) -> None:
        """Process one update, then send its direct replies (the console and tests; the
        Telegram transports hand the replies to ``replies.ChatQueues`` instead)."""
        await self.send(await self.process(update), messenger)

    async def send(self, actions: Sequence[Outgoing], messenger: Messenger) -> None:
        """Carry out committed replies in order; a refused one is logged and skipped."""
        for action in actions:
            try:
                delivered = await messenger.perform(action)
            except SendError as error:
                log.warning("could not deliver %s: %s", type(action).__name__, error.reason)
                continue
            if isinstance(action, SendMessage) and action.track and delivered.message_id:
                await self._track(action.track, delivered.message_id)

    async def _track(self, track: tuple[str, int], message_id: int) -> None:
        """Tell the feature that sent it which Telegram message carries its reply."""
        kind, reference = track
        async with UnitOfWork(self.sessions) as uow:
            await self.features.trackers[kind](uow, reference, message_id)
            await uow.commit()

    async def process(self, update: Incoming) -> list[Outgoing]:
        """Run the update's effects in one transaction; the replies to send once it committed.

        An update seen before (same update_id and content) has no effects the second time.
        A transaction that lost a deadlock or a lock wait to a concurrent update is re-run."""
        queued = time.monotonic()
        async with self._gate:
            started = time.monotonic()
            try:
                for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
                    try:
                        return await self._process_once(update)
                    except DBAPIError as error:
                        if attempt == TRANSACTION_ATTEMPTS or not is_transient(error):
                            raise
                        log.warning("update %s: retrying after %s", update.update_id, error.orig)
                raise AssertionError("unreachable")
            finally:
                _log_time(update, started - queued, time.monotonic() - started)

    def _surely_writes(self, message: IncomingMessage) -> bool:
        """A text route declared that it writes for this message (e.g. it carries its tag)."""
        if message.is_edit or message.is_channel_post or message.kind is MessageKind.SERVICE:
            return False  # no text route sees it
        return any(r.writes is not None and r.writes(message) for r in self.features.text_routes)

    async def _process_once(self, update: Incoming) -> list[Outgoing]:
        if _may_be_without_effect(update) and not self._surely_writes(update):
            try:
                async with UnitOfWork(self.sessions, read_only=True) as uow:
                    ctx = await self._context(uow, update)
                    await self._route(ctx, update)
                    if not (ctx.actions or ctx.after_commit or uow.has_changes()):
                        return []  # nothing to write, nothing to say: no claim, no lock
            except WriteNeeded:
                pass  # it has an effect after all
            except Exception:
                pass  # the writing attempt below meets the same failure, handles and logs it
        return await self._process_writing(update)

    async def _process_writing(self, update: Incoming) -> list[Outgoing]:
        async with UnitOfWork(self.sessions) as uow:
            if not await uow.updates.claim(update.update_id, update.fingerprint, self.clock.now()):
                log.info("update %s already processed", update.update_id)
                return []
            ctx = await self._context(uow, update)
            try:
                await self._route(ctx, update)
            except DBAPIError as error:
                if is_transient(error):
                    raise
                log.exception("update %s failed", update.update_id)
                return self._failure_reply(ctx, update)
            except Exception:
                log.exception("update %s failed", update.update_id)
                return self._failure_reply(ctx, update)
            await uow.commit()
            for hook in ctx.after_commit:
                await hook()
        return list(ctx.actions)

    async def _context(self, uow: UnitOfWork, update: Incoming) -> Context:
        now = self.clock.now()
        user = update.user if isinstance(update, CallbackPress) else None
        if isinstance(update, MembershipChange):
            user = update.actor
        if isinstance(update, IncomingMessage) and update.sender_chat_id is None:
            user = update.sender
        await self.directory.check(uow.session)
        if user is not None and not user.is_bot:
            await self._seen(uow, user, now)
        elif user is not None:
            user = None
        chat = update.chat
        actor = Actor(None)
        if user is not None:
            regions = await self.directory.coordinator_regions(
                uow.session, user.id, uow.grants.regions_of
            )
            known = self.directory.people.get(user.id)
            desk = (
                known.get("desk_staff_by") is not None
                if known is not None
                else await uow.grants.is_desk_staff(user.id)
            )
            actor = Actor(user, user.id in self.config.provincial_admins, regions, desk)
        message = update if isinstance(update, IncomingMessage) else None
        ctx = Context(
            uow, self.config, self.clock, self.bot, actor, chat, message=message,
            services=self.services, files=self._files,
        )  # fmt: skip
        if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
            await on_migration(ctx, message)
            if message.migrate_to_chat_id:
                return ctx  # the old chat is gone; do not recreate it
        if chat is not None and chat.is_group and not isinstance(update, MembershipChange):
            ctx.group = await self._group(uow, chat.id, chat.title, now)
        return ctx

    async def _seen(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        """Record the person, writing only what changed: a new person, a new name or
        username, or a last sighting older than SEEN_REFRESH."""
        known = self.directory.people.get(user.id)
        if known is None:
            person = await uow.people.by_user_id(user.id)
            if person is not None:
                known = self.directory.keep_person(uow.session, person)
        username = user.username.lower() if user.username else None
        if (
            known is None
            or (known["first_name"], known["last_name"], known["username"])
            != (user.first_name, user.last_name, username)
            or now - known["last_seen_at"] > SEEN_REFRESH
        ):
            await uow.people.seen(user.id, user.first_name, user.last_name, user.username, now)

    async def _group(
        self, uow: UnitOfWork, chat_id: int, title: str | None, now: datetime
    ) -> Group:
        """The group's row, created on first sight; its title is written only if it changed."""
        known = self.directory.groups.get(chat_id)
        if known is None:
            group = await uow.groups.by_chat(chat_id)
            if group is not None and not (title and group.title != title):
                self.directory.keep_group(uow.session, group)
                return group
        elif not (title and known.title != title):
            return attach(uow.session, known)
        return await uow.groups.ensure(chat_id, title, now)

    async def _route(self, ctx: Context, update: Incoming) -> None:
        if isinstance(update, MembershipChange):
            await on_bot_membership(ctx, update)
        elif isinstance(update, CallbackPress):
            prefix, _, rest = update.data.partition(":")
            handler = self.features.callbacks.get(prefix)
            if handler is None:
                ctx.add(AnswerCallback(update.callback_id, "这个按钮已失效。"))
            else:
                await handler(ctx, update, rest)
        elif update.is_channel_post or update.kind is MessageKind.SERVICE:
            return
        elif update.is_edit:
            for handle in self.features.edit_handlers:
                if await handle(ctx, update):
                    return
        else:
            await self._on_message(ctx, update)

    async def _on_message(self, ctx: Context, message: IncomingMessage) -> None:
        if ctx.group is not None:
            await warn_if_blind(ctx, ctx.group)
        parsed = parse_command(message.text)
        if parsed is None:
            await self._on_text(ctx, message)
            return
        if parsed.addressed_to and parsed.addressed_to != self.bot.username.lower():
            return  # meant for another bot in the group
        command = self.features.commands.get(parsed.name)
        if command is None:
            ctx.reply(f"没有 /{parsed.name[:32]} 这个命令。发送 /help 查看您可用的命令。")
        elif not command.allowed_in(message.chat.is_group):
            ctx.reply(wrong_place(command))
        elif command.audience > Audience.EVERYONE and ctx.actor.user is None:
            ctx.reply("我无法识别匿名管理员或频道的身份。请关闭“匿名发言”后再发送此命令。")
        elif not command.allowed_for(ctx.actor):
            ctx.reply(refusal(command))
        else:
            await command.run(ctx, message, parsed.args)
            if ctx.pass_on_to is not None:
                await self._on_text(ctx, message)

    async def _on_text(self, ctx: Context, message: IncomingMessage) -> None:
        """The text handlers in stage order, until one takes the message; one that took it
        may pass it on to a later stage (``ctx.pass_on_to``)."""
        floor = ctx.pass_on_to
        for route in self.features.text_routes:
            if floor is not None and route.stage < floor:
                continue
            ctx.pass_on_to = None
            if await route.handle(ctx, message):
                if ctx.pass_on_to is None or ctx.pass_on_to <= route.stage:
                    return
                floor = ctx.pass_on_to

    def _failure_reply(self, ctx: Context, update: Incoming) -> list[Outgoing]:
        if isinstance(update, CallbackPress):
            return [AnswerCallback(update.callback_id, "出错了，请稍后再试。")]
        if isinstance(update, IncomingMessage) and parse_command(update.text):
            ctx.replies.actions.clear()
            ctx.reply("抱歉，处理时出错了，请稍后再试；如果反复出现，请联系省总会。")
            return list(ctx.actions)
        return []
