"""The fake Telegram Bot API against the real aiogram 3 and python-telegram-bot 22 clients."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
import telegram
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageId,
)
from telegram.request import HTTPXRequest

from tests.support.fake_bot_api import (
    DEFAULT_TOKEN,
    Call,
    FakeBotAPI,
    Fault,
    channel,
    group,
    private_chat,
    supergroup,
    user,
)
from tests.support.waiting import eventually

ALICE = user(1001, "Alice", "alice")
BOB = user(1002, "Bob")
GROUP = supergroup(-1001234567890, "Neighbours")


def aiogram_bot(api: FakeBotAPI, timeout: float = 10.0) -> Bot:
    server = TelegramAPIServer.from_base(api.url)
    return Bot(api.token, session=AiohttpSession(api=server, timeout=timeout))


def ptb_bot(api: FakeBotAPI, request: HTTPXRequest | None = None) -> telegram.Bot:
    return telegram.Bot(
        api.token,
        base_url=api.url + "/bot",
        base_file_url=api.url + "/file/bot",
        request=request,
    )


@pytest_asyncio.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest_asyncio.fixture
async def abot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = aiogram_bot(api)
    yield bot
    await bot.session.close()


@pytest_asyncio.fixture
async def pbot(api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[telegram.Bot]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # avoid PTB's int-vs-timedelta deprecation
    bot = ptb_bot(api)
    await bot.initialize()
    yield bot
    await bot.shutdown()


# --------------------------------------------------------------------------- aiogram


@pytest.mark.asyncio
async def test_aiogram_round_trip(api: FakeBotAPI, abot: Bot) -> None:
    me = await abot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "shanlin_test_bot", True)
    assert me.can_read_all_group_messages is True

    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="vote:yes")]]
    )
    sent = await abot.send_message(ALICE["id"], "  Hello 👋 /help  ", reply_markup=keyboard)
    assert sent.text == "Hello 👋 /help"  # trimmed, as Telegram does
    assert sent.from_user is not None and sent.from_user.id == api.bot_id
    assert sent.chat.type == "private"
    assert sent.reply_markup is not None
    assert sent.reply_markup.model_dump() == keyboard.model_dump()
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [("bot_command", 9, 5)]
    [call] = api.calls_to("sendMessage")
    assert call.params["chat_id"] == ALICE["id"]
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "vote:yes"}]]
    }

    edited = await abot.edit_message_text("Bye", chat_id=ALICE["id"], message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert (edited.text, edited.reply_markup, edited.message_id) == ("Bye", None, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await abot.edit_message_text("Bye", chat_id=ALICE["id"], message_id=sent.message_id)
    with_kb = await abot.edit_message_text(
        "Bye", chat_id=ALICE["id"], message_id=sent.message_id, reply_markup=keyboard
    )
    assert isinstance(with_kb, Message) and with_kb.reply_markup is not None
    assert with_kb.reply_markup.model_dump() == keyboard.model_dump()

    first = api.push_message(private_chat(ALICE), ALICE, "/start hello")
    second = api.push_callback(private_chat(ALICE), ALICE, sent.message_id, "vote:yes")
    assert second["update_id"] == first["update_id"] + 1
    updates = await abot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    assert updates[0].message is not None and updates[0].message.text == "/start hello"
    assert [e.type for e in updates[0].message.entities or []] == ["bot_command"]
    query = updates[1].callback_query
    assert query is not None and query.data == "vote:yes"
    assert isinstance(query.message, Message) and query.message.message_id == sent.message_id
    assert await abot.answer_callback_query(query.id, text="Counted")
    assert api.answered_callbacks[query.id]["text"] == "Counted"

    # Unconfirmed updates are delivered again; offset confirms them.
    again = await abot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [u.update_id for u in updates]
    assert await abot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []
    assert api.pending_updates == []

    doc = await abot.send_document(
        ALICE["id"], BufferedInputFile(b"hello file", filename="report.txt"), caption="Report"
    )
    assert doc.document is not None and doc.document.file_name == "report.txt"
    assert doc.caption == "Report"
    [doc_call] = api.calls_to("senddocument")
    assert doc_call.files["document"] == ("report.txt", b"hello file")

    commands = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="help", description="Help"),
    ]
    assert await abot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())
    assert api.my_commands({"type": "all_private_chats"}) == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert api.my_commands() == []

    assert [c.method for c in api.sent_messages(ALICE["id"])] == ["sendMessage", "sendDocument"]
    assert api.texts() == ["  Hello 👋 /help  ", "Report"]


@pytest.mark.asyncio
async def test_aiogram_other_methods(api: FakeBotAPI, abot: Bot) -> None:
    api.push_message(private_chat(ALICE), ALICE, "dropped")
    assert await abot.delete_webhook(drop_pending_updates=True)
    assert api.pending_updates == []
    incoming = api.push_message(GROUP, ALICE, "a question")["message"]
    reply = await abot.send_message(
        GROUP["id"], "an answer", reply_to_message_id=incoming["message_id"]
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "a question"
    assert reply.message_id == incoming["message_id"] + 1  # per-chat counter

    copied = await abot.copy_message(ALICE["id"], GROUP["id"], incoming["message_id"])
    assert isinstance(copied, MessageId)
    assert api.messages[(ALICE["id"], copied.message_id)]["text"] == "a question"
    photo = await abot.send_photo(ALICE["id"], BufferedInputFile(b"\x89PNG", "p.png"))
    assert photo.photo is not None and photo.photo[0].width > 0

    # Someone else's message cannot be edited; a message the bot was removed from, not sent to.
    with pytest.raises(TelegramBadRequest, match="can't be edited"):
        await abot.edit_message_text("x", chat_id=GROUP["id"], message_id=incoming["message_id"])
    api.push_my_chat_member(GROUP, ALICE, "member", "left")
    with pytest.raises(TelegramForbiddenError, match="not a member of the supergroup"):
        await abot.send_message(GROUP["id"], "still here?")


@pytest.mark.asyncio
async def test_bad_requests_are_refused_like_telegram(abot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="plain text only"):
        await abot.send_message(ALICE["id"], "<b>bold</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await abot.send_message(ALICE["id"], "   ")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await abot.send_message(ALICE["id"], "x" * 4097)
    too_long = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await abot.send_message(ALICE["id"], "hi", reply_markup=too_long)
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await abot.set_my_commands([BotCommand(command="Start", description="x")])
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await abot.answer_callback_query("42")


def test_pushed_messages_carry_the_commands_and_mentions_telegram_marks(api: FakeBotAPI) -> None:
    text = "😀 /bind@shanlin_test_bot 泸州 @li_luzhou a/b x@y.z"
    message = api.push_message(GROUP, ALICE, text)["message"]
    assert message["entities"] == [
        {"type": "bot_command", "offset": 3, "length": 22},  # 😀 is two UTF-16 units
        {"type": "mention", "offset": 29, "length": 10},
    ]
    assert "entities" not in api.push_message(GROUP, ALICE, "没有命令")["message"]


# --------------------------------------------------------------------------- PTB


@pytest.mark.asyncio
async def test_ptb_round_trip(api: FakeBotAPI, pbot: telegram.Bot) -> None:
    assert (pbot.id, pbot.username) == (123456, "shanlin_test_bot")
    keyboard = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton("Yes", callback_data="vote:yes")]]
    )
    sent = await pbot.send_message(ALICE["id"], "Hello world", reply_markup=keyboard)
    assert sent.text == "Hello world"
    assert sent.reply_markup == keyboard
    assert sent.from_user is not None and sent.from_user.id == api.bot_id
    assert api.calls_to("sendMessage")[0].params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "vote:yes"}]]
    }
    edited = await pbot.edit_message_text("Bye", chat_id=ALICE["id"], message_id=sent.message_id)
    assert isinstance(edited, telegram.Message) and edited.text == "Bye"
    assert edited.edit_date is not None

    first = api.push_message(private_chat(ALICE), ALICE, "/help")
    api.push_callback(private_chat(ALICE), ALICE, sent.message_id, "vote:yes")
    updates = await pbot.get_updates(timeout=0)
    assert updates[0].update_id == first["update_id"]
    assert updates[0].message is not None and updates[0].message.text == "/help"
    assert updates[0].message.entities[0].type == "bot_command"
    query = updates[1].callback_query
    assert query is not None and query.data == "vote:yes"
    assert await pbot.answer_callback_query(query.id, text="ok", show_alert=True)
    assert api.calls_to("answerCallbackQuery")[0].params["show_alert"] is True
    assert await pbot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()

    doc = await pbot.send_document(ALICE["id"], b"ptb bytes", filename="notes.txt")
    assert doc.document is not None and doc.document.file_name == "notes.txt"
    assert api.calls_to("sendDocument")[0].files["document"] == ("notes.txt", b"ptb bytes")

    commands = [telegram.BotCommand("start", "Start")]
    assert await pbot.set_my_commands(commands, scope=telegram.BotCommandScopeAllPrivateChats())
    assert api.calls_to("setMyCommands")[0].params["scope"] == {"type": "all_private_chats"}
    assert api.my_commands({"type": "all_private_chats"}) == [
        {"command": "start", "description": "Start"}
    ]

    api.push_my_chat_member(GROUP, ALICE, "member", "kicked")
    with pytest.raises(telegram.error.Forbidden, match="kicked from the supergroup"):
        await pbot.send_message(GROUP["id"], "hello?")
    copied = await pbot.copy_message(BOB["id"], ALICE["id"], doc.message_id)
    assert api.messages[(BOB["id"], copied.message_id)]["document"]["file_name"] == "notes.txt"


@pytest.mark.asyncio
async def test_parameter_encodings_and_http_errors(api: FakeBotAPI) -> None:
    base = f"{api.url}/bot{api.token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api.url}/bot123:wrong/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{base}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.get(f"{base}/GETME") as resp:
            assert (await resp.json())["result"]["username"] == "shanlin_test_bot"
        async with http.get(f"{base}/sendMessage?chat_id=1001&text=query") as resp:
            assert (await resp.json())["result"]["text"] == "query"
        markup = {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}
        body = {"chat_id": "-1001234567890", "text": "json", "reply_markup": markup}
        async with http.post(f"{base}/sendMessage", json=body) as resp:
            assert (await resp.json())["result"]["reply_markup"] == markup
        form = {"chat_id": "1001", "text": "form", "reply_markup": '{"remove_keyboard": true}',
                "disable_notification": "true"}  # fmt: skip
        async with http.post(f"{base}/sendMessage", data=form) as resp:
            assert "reply_markup" not in (await resp.json())["result"]
    query_call, json_call, form_call = api.calls_to("sendMessage")
    assert query_call.params == {"chat_id": 1001, "text": "query"}
    assert json_call.params["chat_id"] == -1001234567890
    assert form_call.params == {"chat_id": 1001, "text": "form", "disable_notification": True,
                                "reply_markup": {"remove_keyboard": True}}  # fmt: skip
    assert [c.error_code for c in api.calls[:2]] == [401, 404]


# --------------------------------------------------------------------------- faults


@pytest.mark.asyncio
async def test_injected_faults_aiogram(api: FakeBotAPI, abot: Bot) -> None:
    api.inject("sendMessage", "429", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as retry:
        await abot.send_message(ALICE["id"], "flood")
    assert retry.value.retry_after == 7
    api.inject("sendMessage", "500")
    with pytest.raises(TelegramServerError):
        await abot.send_message(ALICE["id"], "boom")
    api.inject(None, "403", chat_id=GROUP["id"])
    await abot.send_message(ALICE["id"], "other chat is unaffected")
    with pytest.raises(TelegramForbiddenError, match="kicked"):
        await abot.send_message(GROUP["id"], "kicked")
    api.inject("sendMessage", "400", description="Bad Request: TOPIC_CLOSED")
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await abot.send_message(ALICE["id"], "topic")
    await abot.send_message(ALICE["id"], "works again")

    assert api.texts() == ["other chat is unaffected", "works again"]
    assert [c.fault for c in api.faulted] == ["429", "500", "403", "400"]
    assert api.n429 == 1
    assert [c.ok for c in api.calls_to("sendMessage")] == [False, False, True, False, False, True]

    api.fault_policy = lambda method, params: (
        Fault("429", retry_after=3) if params.get("text") == "unlucky" else None
    )
    with pytest.raises(TelegramRetryAfter):
        await abot.send_message(ALICE["id"], "unlucky")
    await abot.send_message(ALICE["id"], "lucky")


@pytest.mark.asyncio
async def test_injected_faults_ptb(api: FakeBotAPI, pbot: telegram.Bot) -> None:
    api.inject("sendMessage", "429", retry_after=7)
    with pytest.raises(telegram.error.RetryAfter) as retry:
        await pbot.send_message(ALICE["id"], "flood")
    assert retry.value.retry_after == dt.timedelta(seconds=7)
    api.inject("sendMessage", "500")
    with pytest.raises(telegram.error.NetworkError, match="Internal Server Error"):
        await pbot.send_message(ALICE["id"], "boom")
    api.push_my_chat_member(private_chat(ALICE), ALICE, "member", "kicked")
    with pytest.raises(telegram.error.Forbidden, match="blocked by the user"):
        await pbot.send_message(ALICE["id"], "are you there?")
    [update] = await pbot.get_updates(timeout=0)
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"


@pytest.mark.asyncio
async def test_timeout_fault_times_out_clients_without_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api = FakeBotAPI()
    await api.start()
    abot = aiogram_bot(api, timeout=0.5)
    pbot = ptb_bot(api, HTTPXRequest(read_timeout=0.5))
    await pbot.initialize()
    try:
        api.inject("sendMessage", "timeout", count=2)
        started = time.monotonic()
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await abot.send_message(ALICE["id"], "slow")
        with pytest.raises(telegram.error.TimedOut):
            await pbot.send_message(ALICE["id"], "slow")
        assert time.monotonic() - started < 5
        assert api.sent_messages() == [] and len(api.faulted) == 2

        # Delivered, but the answer never arrives: the classic duplicate-send trap.
        api.inject("sendMessage", "timeout_after_send")
        with pytest.raises(TelegramNetworkError):
            await abot.send_message(ALICE["id"], "sent anyway")
        assert api.texts() == ["sent anyway"]
    finally:
        await abot.session.close()
        await pbot.shutdown()
        started = time.monotonic()
        await api.stop()
        assert time.monotonic() - started < 3


# --------------------------------------------------------------------------- polling


@pytest.mark.asyncio
async def test_long_poll_returns_when_update_is_pushed(api: FakeBotAPI, abot: Bot) -> None:
    polling = asyncio.create_task(abot.get_updates(timeout=20))
    await eventually(lambda: api.long_polls == 1, "the long poll to wait for an update")
    assert not polling.done()
    api.push_message(GROUP, ALICE, "hi all")
    updates = await asyncio.wait_for(polling, 10)
    assert [u.message.text for u in updates if u.message] == ["hi all"]

    started = time.monotonic()
    assert await abot.get_updates(offset=updates[0].update_id + 1, timeout=1) == []
    assert time.monotonic() - started >= 0.9  # held until its timeout, then empty


@pytest.mark.asyncio
async def test_polling_semantics(api: FakeBotAPI, abot: Bot) -> None:
    a = api.push_message(private_chat(ALICE), ALICE, "one")
    api.push_message(private_chat(ALICE), ALICE, "two")
    assert [u.update_id for u in await abot.get_updates(limit=1)] == [a["update_id"]]
    api.push_update({"chat_member": {}})  # not delivered by default
    got = await abot.get_updates(offset=a["update_id"] + 1, allowed_updates=["message"])
    assert [u.message.text for u in got if u.message] == ["two"]
    last = got[-1].update_id

    # Re-pushing a confirmed update re-delivers it (Telegram retrying).
    assert await abot.get_updates(offset=last + 1) == []
    api.push_update(a)
    assert [u.update_id for u in await abot.get_updates(offset=last + 1)] == [a["update_id"]]
    assert await abot.get_updates(offset=last + 1) == []

    # Telegram restarting its counter.
    api.reset_update_ids(7)
    api.push_message(private_chat(BOB), BOB, "after reset")
    assert [u.update_id for u in await abot.get_updates(offset=last + 1)] == [7]

    # Another poller terminates the older long poll with 409.
    older = asyncio.create_task(abot.get_updates(offset=8, timeout=10))
    await eventually(lambda: api.long_polls == 1, "the first long poll to wait")
    assert await abot.get_updates(offset=8, timeout=0) == []
    with pytest.raises(TelegramConflictError):
        await older


@pytest.mark.asyncio
async def test_wait_for_and_summary(api: FakeBotAPI, abot: Bot) -> None:
    async def send_later() -> None:  # runs once wait_for below is waiting
        await abot.send_message(ALICE["id"], "first")
        await abot.send_message(BOB["id"], "second")

    task = asyncio.create_task(send_later())
    calls = await api.wait_for("sendmessage", count=2, timeout=5)
    await task
    assert [c.text for c in calls] == ["first", "second"]
    assert all(isinstance(c, Call) for c in calls)
    [to_bob] = await api.wait_for(lambda c: c.chat_id == BOB["id"])
    assert to_bob.text == "second"
    with pytest.raises(
        AssertionError, match=r"(?s)sendPhoto.*sendMessage\(chat_id=1001, text='first'\) -> ok"
    ):
        await api.wait_for("sendPhoto", timeout=0.2)


# --------------------------------------------------------------------------- limits


@pytest.mark.asyncio
async def test_enforce_limits_per_chat() -> None:
    now = [1000.0]
    async with FakeBotAPI(enforce_limits=True) as api:
        api.clock = lambda: now[0]
        bot = aiogram_bot(api)
        try:
            await bot.send_message(ALICE["id"], "one")
            with pytest.raises(TelegramRetryAfter) as retry:
                await bot.send_message(ALICE["id"], "two")
            assert retry.value.retry_after == 1
            assert api.n429 == 1
            await bot.send_message(BOB["id"], "another chat is fine")
            now[0] += retry.value.retry_after
            await bot.send_message(ALICE["id"], "two, later")
        finally:
            await bot.session.close()


@pytest.mark.asyncio
async def test_enforce_limits_group_and_global() -> None:
    now = [1000.0]
    async with FakeBotAPI(enforce_limits=True) as api:
        api.clock = lambda: now[0]
        bot = aiogram_bot(api)
        try:
            for _ in range(20):  # 20 per minute in a group, one per second
                await bot.send_message(GROUP["id"], "spam")
                now[0] += 1.0
            with pytest.raises(TelegramRetryAfter) as retry:
                await bot.send_message(GROUP["id"], "21st")
            assert retry.value.retry_after == 40  # the first one leaves the window at +60s
            now[0] += 60
            for i in range(30):  # 30 per second overall
                await bot.send_message(2000 + i, "broadcast")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(3000, "31st")
            assert api.n429 == 2
        finally:
            await bot.session.close()


def test_builders() -> None:
    assert user(5, "Eve", "eve", "Smith") == {
        "id": 5,
        "is_bot": False,
        "first_name": "Eve",
        "last_name": "Smith",
        "username": "eve",
    }
    assert private_chat(user(5, "Eve"))["type"] == "private"
    assert group(-42, "g")["type"] == "group"
    assert channel(-1009, "c")["type"] == "channel"
    with pytest.raises(ValueError):
        supergroup(-42, "not a supergroup")
    assert FakeBotAPI().token == DEFAULT_TOKEN
