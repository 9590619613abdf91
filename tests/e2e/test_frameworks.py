"""End to end through each real framework's networking: updates come from the fake Bot API
server by long polling, replies go back over HTTP and land in the right chats."""

from __future__ import annotations

from typing import Any

import pytest

from bot.settings import Settings
from tests.conftest import TOKEN
from tests.support import fake_bot_api as tg
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.people import ADMIN, LUZHOU_COORD, STAFF
from tests.support.running_bot import replies_after, running_bot

FRAMEWORKS = ["aiogram", "ptb"]

admin = tg.user(ADMIN.id, ADMIN.first_name, ADMIN.username)
coordinator = tg.user(LUZHOU_COORD.id, LUZHOU_COORD.first_name, LUZHOU_COORD.username)
staff = tg.user(STAFF.id, STAFF.first_name, STAFF.username)
luzhou = tg.group(-4001, "泸州慈善交流群")
liangshan = tg.supergroup(-1004002, "凉山沟通群")


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_users_in_two_groups_and_a_private_chat_get_replies_in_the_right_chats(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    async with running_bot(settings, api, framework):
        api.push_my_chat_member(luzhou, admin, "left", "member")
        [greeting] = await replies_after(api, 0, 1)
        assert greeting.chat_id == luzhou["id"] and "/bind" in (greeting.text or "")

        bind = api.push_message(luzhou, admin, "/bind 泸州")
        api.push_message(tg.private_chat(coordinator), coordinator, "/start")
        api.push_message(liangshan, staff, "/whoami")
        replies = await replies_after(api, 1, 3)
        by_chat = {call.chat_id: call for call in replies}
        assert set(by_chat) == {luzhou["id"], coordinator["id"], liangshan["id"]}
        assert "已绑定到 泸州市" in (by_chat[luzhou["id"]].text or "")
        assert "善邻助手" in (by_chat[coordinator["id"]].text or "")
        assert "未绑定" in (by_chat[liangshan["id"]].text or "")
        # in groups the bot answers as a reply to the asker's message
        reply = by_chat[luzhou["id"]].params.get("reply_parameters") or {}
        assert reply.get("message_id") == bind["message"]["message_id"]

        api.push_message(liangshan, staff, "/bind 凉山")
        [refusal] = await replies_after(api, 4, 1)
        assert refusal.chat_id == liangshan["id"] and "⛔" in (refusal.text or "")


_CHANNEL = {"id": -1009999, "type": "channel", "title": "某公益资讯"}
_COLLEAGUE = {"id": 5151, "is_bot": False, "first_name": "王老师"}
# Questions meant for people, not the bot: a forwarded notice or article is not its forwarder's
# question; one naming a colleague (a text_mention: picked by name, no @username) is theirs.
NOT_FOR_THE_BOT: dict[str, dict[str, Any]] = {
    "forwarded": {
        "forward_origin": {
            "type": "channel",
            "chat": _CHANNEL,
            "message_id": 5,
            "date": 1_700_000_000,
        }
    },
    "naming a colleague": {
        "entities": [{"type": "text_mention", "offset": 0, "length": 3, "user": _COLLEAGUE}]
    },
}


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("case", NOT_FOR_THE_BOT)
async def test_a_question_for_people_is_not_answered_unasked_but_a_typed_one_is(
    settings: Settings, api: FakeBotAPI, framework: str, case: str
) -> None:
    async with running_bot(settings, api, framework):
        api.push_message(luzhou, staff, "王老师 今年的配捐比例是多少？", **NOT_FOR_THE_BOT[case])
        typed = api.push_message(luzhou, staff, "腾讯公益机构账号怎么开通？")
        [answer] = await replies_after(api, 0, 1)  # one: the typed question
        assert "入驻" in (answer.text or "") and "配捐" not in (answer.text or "")
        reply = answer.params.get("reply_parameters") or {}
        assert reply.get("message_id") == typed["message"]["message_id"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_the_bots_display_name_after_an_at_sign_addresses_it(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    """The display name comes from getMe: @Shanlin Test typed by hand is for the bot."""
    async with running_bot(settings, api, framework):
        api.push_message(luzhou, staff, f"@{api.bot_first_name} 配捐")
        [offer] = await replies_after(api, 0, 1)
        assert "您是不是想问" in (offer.text or "")


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_command_menus_are_registered_per_scope(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    async with running_bot(settings, api, framework):
        private = {c["command"] for c in api.my_commands({"type": "all_private_chats"})}
        groups = {c["command"] for c in api.my_commands({"type": "all_group_chats"})}
        admins = {c["command"] for c in api.my_commands({"type": "all_chat_administrators"})}
    assert {"start", "help", "whoami"} <= private and "bind" not in private
    assert "help" in groups and "bind" not in groups and "grant" not in groups
    assert {"bind", "unbind", "help"} <= admins


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_redelivered_update_is_answered_once(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    async with running_bot(settings, api, framework):
        update = api.push_message(tg.private_chat(staff), staff, "/whoami")
        await replies_after(api, 0, 1)
        api.push_update(update)  # Telegram delivers the same update again
        api.push_message(tg.private_chat(staff), staff, "/start")
        later = await replies_after(api, 1, 1)
    assert len(later) == 1 and "善邻助手" in (later[0].text or "")


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_privacy_mode_is_reported_once_to_the_group(
    settings: Settings, framework: str
) -> None:
    async with (
        FakeBotAPI(token=TOKEN, can_read_all_group_messages=False) as blind,
        running_bot(settings, blind, framework),
    ):
        blind.push_my_chat_member(luzhou, admin, "left", "member")
        greeting, warning = await replies_after(blind, 0, 2)
        assert "/bind" in (greeting.text or "")
        assert "/setprivacy" in (warning.text or "") and warning.chat_id == luzhou["id"]
        blind.push_message(luzhou, admin, "/help")
        [help_reply] = await replies_after(blind, 2, 1)
        assert "/setprivacy" not in (help_reply.text or "")


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_odd_updates_pass_through_the_framework_without_crashing(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    async with running_bot(settings, api, framework):
        sticker = {"file_id": "s1", "file_unique_id": "s1u", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
        photo = [{"file_id": "p1", "file_unique_id": "p1u", "width": 90, "height": 90}]
        api.push_message(luzhou, staff, None, sticker=sticker)
        api.push_message(luzhou, staff, None, photo=photo, caption="看看这个截图")
        api.push_message(luzhou, staff, None, new_chat_members=[coordinator])
        api.push_channel_post(tg.channel(-1009999, "总会频道"), "频道公告")
        edited = api.push_message(luzhou, staff, "/whoam")
        api.push_edited_message(luzhou, staff, edited["message"]["message_id"], "/whoami")
        api.push_message(luzhou, staff, "长" * 4096)
        api.push_message(tg.private_chat(staff), staff, "/whoami")
        replies = await replies_after(api, 0, 2)
    # aiogram handles updates concurrently, so the two replies may come in either order
    by_chat = {c.chat_id: c.text or "" for c in replies}
    assert set(by_chat) == {luzhou["id"], staff["id"]}
    assert "/help" in by_chat[luzhou["id"]]  # the unknown /whoam gets a hint, the edit nothing
    assert "Telegram ID" in by_chat[staff["id"]]
