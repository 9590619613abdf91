"""Features plug into the core through ``Feature``: a new one is its package plus one line in
bot/features.py, and two features claiming one name stop the start with a clear message."""

from __future__ import annotations

import io

import pytest

from bot.app import build_app
from bot.features import FEATURES
from bot.settings import Settings
from bot.transports.console import ConsoleMessenger, ConsoleSession
from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.feature import (
    Feature,
    FeatureConflict,
    Job,
    Runtime,
    TextRoute,
    TextStage,
    collect,
)
from handlers.core.model import CallbackPress, IncomingMessage
from tests.conftest import app_services
from tests.support.clock import FakeClock
from tests.support.people import STAFF, private
from tests.support.talk import say

# --- the README's smallest feature ----------------------------------------------------------


async def ping(ctx: Context, message: IncomingMessage, args: str) -> None:
    ctx.reply("pong 🏓")


PING = Feature("ping", commands=(Command("ping", "检查机器人是否在线", "/ping", ping),))


async def test_a_new_feature_is_its_package_plus_one_line(
    settings: Settings, clock: FakeClock
) -> None:
    app = await build_app(settings, clock, app_services(), features=(*FEATURES, PING))
    try:
        messenger = ConsoleMessenger(out=io.StringIO())
        await app.core.start(messenger)
        console = ConsoleSession(app.core, messenger, out=messenger.out)
        assert await say(console, STAFF, private(STAFF), "/ping") == ["pong 🏓"]
        [shown] = await say(console, STAFF, private(STAFF), "/help")
        assert "/ping — 检查机器人是否在线" in shown
        assert app.core.commands[-1].name == "ping"  # offered in the menus too, last
    finally:
        await app.close()


# --- conflicts -------------------------------------------------------------------------------


async def _noop_command(ctx: Context, message: IncomingMessage, args: str) -> None:
    return None


async def _noop_press(ctx: Context, press: CallbackPress, data: str) -> None:
    return None


async def _noop_text(ctx: Context, message: IncomingMessage) -> bool:
    return False


async def _noop_job(runtime: Runtime) -> None:
    return None


@pytest.mark.parametrize(
    ("second", "named"),
    [
        (Feature("b", commands=(Command("ping", "x", "/ping", _noop_command),)), "command 'ping'"),
        (Feature("b", callbacks={"p": _noop_press}), "button prefix 'p'"),
        (
            Feature("b", on_text=(TextRoute(TextStage.QUESTION, _noop_text),)),
            "text stage 'QUESTION'",
        ),
        (Feature("b", jobs=(Job("tick", 1, _noop_job),)), "job 'tick'"),
        (Feature("a"), "feature 'a'"),
    ],
)
def test_two_features_claiming_one_name_are_refused_naming_both(
    second: Feature, named: str
) -> None:
    first = Feature(
        "a",
        commands=(Command("ping", "x", "/ping", _noop_command),),
        callbacks={"p": _noop_press},
        on_text=(TextRoute(TextStage.QUESTION, _noop_text),),
        jobs=(Job("tick", 1, _noop_job),),
    )
    with pytest.raises(FeatureConflict) as refused:
        collect([first, second])
    assert named in str(refused.value) and "a" in str(refused.value) and "b" in str(refused.value)


def test_a_feature_cannot_take_the_cores_help() -> None:
    mine = Feature("mine", commands=(Command("help", "x", "/help", _noop_command),))
    with pytest.raises(FeatureConflict, match="'help' is claimed by both the core and mine"):
        collect([mine], core_commands=(Command("help", "y", "/help", _noop_command),))


def test_plain_messages_go_to_the_features_in_the_order_of_their_declared_stages() -> None:
    late = Feature("late", on_text=(TextRoute(TextStage.REPORT, _noop_text),))
    early = Feature("early", on_text=(TextRoute(TextStage.TAGGED, _noop_text),))
    middle = Feature("middle", on_text=(TextRoute(TextStage.QUESTION, _noop_text),))
    routes = collect([late, early, middle]).text_routes
    assert [route.stage for route in routes] == [
        TextStage.TAGGED,
        TextStage.QUESTION,
        TextStage.REPORT,
    ]


def test_the_bots_own_features_fit_together() -> None:
    features = collect(FEATURES)
    assert {"deadline-reminders", "faq-refresh", "status-rounds", "ticket-timers"} == {
        job.id for job in features.jobs
    }
    assert set(features.settled) == {"notices", "status", "tickets"}
    assert [r.stage for r in features.text_routes] == [
        TextStage.TAGGED,
        TextStage.PROGRESS,
        TextStage.ACKNOWLEDGEMENT,
        TextStage.QUESTION,
        TextStage.REPORT,
    ]


async def test_a_start_with_conflicting_features_stops_naming_them(
    settings: Settings, clock: FakeClock
) -> None:
    twin = Feature("twin", commands=(Command("notice", "x", "/notice", _noop_command),))
    clash = "command 'notice' is claimed by both notices and twin"
    with pytest.raises(FeatureConflict, match=clash):
        await build_app(settings, clock, app_services(), features=(*FEATURES, twin))


# --- a message passed on to a later stage ------------------------------------------------------


async def _tagged(ctx: Context, message: IncomingMessage) -> bool:
    if not (message.text or "").startswith("#tag"):
        return False
    ctx.reply("tagged")
    ctx.pass_on_to = TextStage.REPORT  # the question stage is skipped, the report stage runs
    return True


async def _question(ctx: Context, message: IncomingMessage) -> bool:
    ctx.reply("answered")
    return True


async def _report(ctx: Context, message: IncomingMessage) -> bool:
    ctx.reply("offered")
    return True


async def test_a_handler_that_took_a_message_may_pass_it_on_to_a_later_stage(
    settings: Settings, clock: FakeClock
) -> None:
    features = (
        Feature("tag", on_text=(TextRoute(TextStage.PROGRESS, _tagged),)),
        Feature("question", on_text=(TextRoute(TextStage.QUESTION, _question),)),
        Feature("report", on_text=(TextRoute(TextStage.REPORT, _report),)),
    )
    app = await build_app(settings, clock, app_services(), features=features)
    try:
        messenger = ConsoleMessenger(out=io.StringIO())
        await app.core.start(messenger)
        console = ConsoleSession(app.core, messenger, out=messenger.out)
        assert await say(console, STAFF, private(STAFF), "#tag 1") == ["tagged", "offered"]
        assert await say(console, STAFF, private(STAFF), "plain") == ["answered"]
    finally:
        await app.close()
