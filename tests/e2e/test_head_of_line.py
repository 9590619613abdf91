"""A busy group holds up no one else: while the bot's answers in one group wait for that group's
rate budget (one message per 1.1 s, then one per 4 s), a private /help from someone else is
answered at once, through each real framework's networking against the fake Bot API server."""

from __future__ import annotations

import time

import pytest

import bot.transports.aiogram_transport  # noqa: F401  (imported here: its import takes seconds)
from bot.settings import Settings
from tests.support import fake_bot_api as tg
from tests.support.fake_bot_api import Call, FakeBotAPI
from tests.support.people import STAFF
from tests.support.running_bot import running_bot

FRAMEWORKS = ["aiogram", "ptb"]
PROMPT_S = 0.5  # issue 13: the private /help is answered within half a second

group = tg.group(-4101, "泸州慈善交流群")
members = [tg.user(7100 + n, f"成员{n}") for n in range(6)]
staff = tg.user(STAFF.id, STAFF.first_name, STAFF.username)
# Six different questions from the bundled FAQ (the same one twice would be answered once).
QUESTIONS = [
    "腾讯公益机构账号怎么开通？",
    "配捐资金什么时候到账？",
    "企业或个人的捐款可以税前扣除吗？",
    "项目出现负面舆情怎么办？",
    "筹到的善款怎么拨付到执行机构？",
    "怎么找到愿意合作的公募单位？",
]


def in_group(call: Call) -> bool:
    return call.method == "sendMessage" and call.chat_id == group["id"]


def to_staff(call: Call) -> bool:
    return call.method == "sendMessage" and call.chat_id == staff["id"]


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_a_private_help_is_answered_at_once_while_a_group_waits_for_its_budget(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    async with running_bot(settings, api, framework):
        asked = [api.push_message(group, m, q) for m, q in zip(members, QUESTIONS, strict=True)]
        # the first answer is out: the group's next answers now wait for its budget
        await api.wait_for(in_group, count=1, timeout=10)
        api.push_message(tg.private_chat(staff), staff, "/help")
        pushed = time.monotonic()
        [help_reply] = await api.wait_for(to_staff, timeout=10)
        answers = await api.wait_for(in_group, count=len(QUESTIONS), timeout=30)
    assert "/whoami" in (help_reply.text or "")
    assert help_reply.at - pushed < PROMPT_S, f"/help answered after {help_reply.at - pushed:.2f}s"
    assert help_reply.at < answers[-1].at  # it did not wait for the group's last answer
    replied_to = [int((a.params.get("reply_parameters") or {})["message_id"]) for a in answers]
    question_ids = [update["message"]["message_id"] for update in asked]
    assert sorted(replied_to) == question_ids  # every question answered, once
    if framework == "ptb":  # one chat's updates are handled in the order they came
        assert replied_to == question_ids


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_answers_still_waiting_for_the_groups_budget_are_sent_when_the_bot_stops(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    async with running_bot(settings, api, framework):
        for member, question in zip(members, QUESTIONS, strict=True):
            api.push_message(group, member, question)
        await api.wait_for(in_group, count=1, timeout=10)
    # stopped (running_bot waits for the bot's task): the queued answers went out first
    assert len([c for c in api.calls if c.ok and in_group(c)]) == len(QUESTIONS)
