"""FAQ answering and knowledge management as users meet them, over the bundled knowledge."""

from __future__ import annotations

import asyncio
import io
import threading

from sqlalchemy import func, select

from bot.app import App, build_app
from bot.settings import Settings
from bot.transports.console import ConsoleMessenger, ConsoleSession
from handlers.core.context import Services
from handlers.core.model import Button, ReplyTarget, SendMessage, User
from handlers.shared.knowledge import FaqKnowledge
from knowledge_base.engine import Index
from knowledge_base.entries import load_bundled
from knowledge_base.examples import without_examples
from knowledge_base.model import KnowledgeBase
from storage.faq import FaqChange, FaqMiss, FaqVote
from storage.uow import UnitOfWork
from tests.conftest import app_services
from tests.support.clock import FakeClock
from tests.support.indexes import cached_index
from tests.support.people import (
    ADMIN,
    LIANGSHAN_GROUP,
    LUZHOU_COORD,
    LUZHOU_GROUP,
    STAFF,
    STRANGER,
    private,
)
from tests.support.talk import reply_to, say

ACCOUNT_QUESTION = "老师们好，请问我们机构还没有腾讯公益账号，要怎么开通？"
CHATTER = ["收到", "👍", "好的谢谢", "我们项目今天筹到5万了", "今天开会的照片发群里了", "哈哈哈"]


async def count(app: App, model: type) -> int:
    async with UnitOfWork(app.sessions) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


def last_sent(console: ConsoleSession) -> SendMessage:
    sent = [a for a in console.messenger.performed if isinstance(a, SendMessage)]
    return sent[-1]


async def bind_groups(console: ConsoleSession) -> None:
    await say(console, ADMIN, LUZHOU_GROUP, "/bind 泸州")
    await say(console, ADMIN, LIANGSHAN_GROUP, "/bind 凉山")
    await say(console, LUZHOU_COORD, LUZHOU_GROUP, "大家好")
    await say(console, ADMIN, private(ADMIN), f"/grant {LUZHOU_COORD.id} 泸州")


async def test_private_question_gets_the_answer_with_feedback_buttons(
    console: ConsoleSession,
) -> None:
    answer = await reply_to(console, STAFF, private(STAFF), ACCOUNT_QUESTION)
    assert "入驻" in answer
    buttons = [b.text for row in last_sent(console).buttons for b in row]
    assert buttons == ["👍 有帮助", "👎 没帮助"]


async def test_group_question_is_answered_as_a_reply_and_chatter_is_ignored(
    console: ConsoleSession,
) -> None:
    await bind_groups(console)
    for text in CHATTER:
        assert await say(console, STAFF, LUZHOU_GROUP, text) == [], text
    answer = await reply_to(console, STAFF, LUZHOU_GROUP, ACCOUNT_QUESTION)
    assert "入驻" in answer
    assert last_sent(console).reply_to_message_id is not None


async def test_a_message_people_labelled_is_answered_as_they_labelled_it_in_a_group(
    console: ConsoleSession,
) -> None:
    """Where the words alone would answer another entry unasked, the labelled example messages
    the bot learns from settle it: the group gets the entry people labelled."""
    knowledge = load_bundled()
    words_alone = cached_index(without_examples(knowledge, (e.text for e in knowledge.examples)))
    learned = cached_index(knowledge)
    settled = [
        (example.text, example.entry_id)
        for example in knowledge.examples
        if example.entry_id is not None
        and (plain := words_alone.match(example.text)).decision == "answer"
        and plain.best is not None
        and plain.best.id != example.entry_id
        and (match := learned.match(example.text)).decision == "answer"
        and match.best is not None
        and match.best.id == example.entry_id
    ]
    assert len(settled) >= 20
    await bind_groups(console)
    text, entry_id = settled[len(settled) // 2]
    entry = knowledge.get(entry_id)
    assert entry is not None
    answer = await reply_to(console, STAFF, LUZHOU_GROUP, text)
    assert entry.answer.splitlines()[0] in answer


async def test_unknown_question_is_silent_in_group_but_answered_honestly_when_asked(
    console: ConsoleSession, app: App
) -> None:
    question = "今天中午食堂吃什么？"
    assert await say(console, STAFF, LUZHOU_GROUP, question) == []
    answer = await reply_to(console, STAFF, LUZHOU_GROUP, f"@shanlin_demo_bot {question}")
    assert "答不上来" in answer
    assert await count(app, FaqMiss) == 1
    listing = await reply_to(console, ADMIN, private(ADMIN), "/faq_misses")
    assert "食堂" in listing and "1×" in listing


async def test_asking_with_no_words_gets_a_hint_and_is_not_kept_as_a_miss(
    console: ConsoleSession, app: App
) -> None:
    for text in ("/ask 😀😀", "@shanlin_demo_bot ？？？"):
        hint = await reply_to(console, STAFF, LUZHOU_GROUP, text)
        assert "直接把问题发给我" in hint and "答不上来" not in hint, text
    assert await count(app, FaqMiss) == 0


async def test_unsure_match_offers_up_to_three_candidates_and_a_tap_answers(
    console: ConsoleSession,
) -> None:
    # a bare topic, said to the bot, is a request to pick the question
    answer = await reply_to(console, STAFF, private(STAFF), "配捐")
    assert answer == "您是不是想问："
    buttons = [b for row in last_sent(console).buttons for b in row]
    assert len(buttons) in (1, 2, 3)
    assert all(b.data.startswith("faq:show:") for b in buttons)
    await console.press(STAFF, private(STAFF), buttons[0])
    chat_id, text = console.messenger.sent[-1]
    assert chat_id == STAFF.id and buttons[0].text.rstrip("…") in text


async def test_same_question_is_not_answered_twice_within_minutes_in_a_group(
    console: ConsoleSession,
) -> None:
    await reply_to(console, STAFF, LUZHOU_GROUP, ACCOUNT_QUESTION)
    first_answer_id = console.messenger.sent_ids[-1]
    assert await say(console, STRANGER, LUZHOU_GROUP, "腾讯公益账号怎么开通？") == []
    pointer = await reply_to(console, STRANGER, LUZHOU_GROUP, "/ask 腾讯公益账号怎么开通")
    assert "刚回答过" in pointer
    assert last_sent(console).reply_to_message_id == first_answer_id
    console.core.clock.advance(minutes=6)  # type: ignore[attr-defined]
    assert "入驻" in await reply_to(console, STRANGER, LUZHOU_GROUP, "腾讯公益账号怎么开通？")


async def test_auto_answer_can_be_turned_off_by_the_regions_coordinator(
    console: ConsoleSession,
) -> None:
    await bind_groups(console)
    refused = await reply_to(console, STAFF, LUZHOU_GROUP, "/faq_auto 关")
    assert "⛔" in refused
    assert "已关闭" in await reply_to(console, LUZHOU_COORD, LUZHOU_GROUP, "/faq_auto 关")
    assert await say(console, STAFF, LUZHOU_GROUP, ACCOUNT_QUESTION) == []
    # still answers when addressed: a reply to the bot's message or an @mention
    mention = await reply_to(
        console, STAFF, LUZHOU_GROUP, "@shanlin_demo_bot 腾讯公益账号怎么开通"
    )
    assert "入驻" in mention
    assert "已开启" in await reply_to(console, LUZHOU_COORD, LUZHOU_GROUP, "/faq_auto 开")


async def test_thanks_and_receipts_get_a_short_reply_in_private_and_none_in_a_group(
    console: ConsoleSession, app: App
) -> None:
    assert "不客气" in await reply_to(console, STAFF, private(STAFF), "谢谢老师！")
    assert "有问题随时发给我" in await reply_to(console, STAFF, private(STAFF), "好的👌")
    answer = await reply_to(console, STAFF, LUZHOU_GROUP, ACCOUNT_QUESTION)
    bot = User(700000001, "善邻助手", is_bot=True)
    to_answer = ReplyTarget(console.messenger.sent_ids[-1], bot, answer)
    for text in ("收到", "谢谢🙏", "好的，辛苦了"):
        assert await say(console, STAFF, LUZHOU_GROUP, text, reply_to=to_answer) == [], text
    assert await say(console, STAFF, LUZHOU_GROUP, "@shanlin_demo_bot 收到") == []
    # A remark replying to the bot is conversation, not a question it failed to answer.
    for text in ("已完成，我们下午就交", "好的我们马上去弄"):
        assert await say(console, STAFF, LUZHOU_GROUP, text, reply_to=to_answer) == [], text
    assert await count(app, FaqMiss) == 0
    follow_up = await say(console, STAFF, LUZHOU_GROUP, "那配捐比例是多少？", reply_to=to_answer)
    assert len(follow_up) == 1 and "配捐" in follow_up[0]  # a question replying to it is for it


async def test_a_question_for_someone_else_is_left_to_them(console: ConsoleSession) -> None:
    """@王老师 …? or a reply to a colleague's message is a conversation between people."""
    assert await say(console, STAFF, LUZHOU_GROUP, f"@王老师 {ACCOUNT_QUESTION}") == []
    colleague = ReplyTarget(4242, LUZHOU_COORD, "我们上周刚开通了账号")
    assert await say(console, STAFF, LUZHOU_GROUP, ACCOUNT_QUESTION, reply_to=colleague) == []
    # Said to the bot as well, it is answered; unaddressed, the same question is too.
    both = await reply_to(
        console, STAFF, LUZHOU_GROUP, f"@shanlin_demo_bot @王老师 {ACCOUNT_QUESTION}"
    )
    assert "入驻" in both
    assert "入驻" in await reply_to(console, STAFF, LIANGSHAN_GROUP, ACCOUNT_QUESTION)


async def test_the_bots_name_typed_after_an_at_sign_addresses_it(console: ConsoleSession) -> None:
    """People used to other chat apps type @善邻助手 by hand instead of picking @username."""
    offered = await reply_to(console, STAFF, LUZHOU_GROUP, "@善邻助手 配捐")
    assert "您是不是想问" in offered  # a bare topic said to the bot gets the candidates


async def test_calling_the_bot_by_name_addresses_it(console: ConsoleSession) -> None:
    """善邻，… or @善邻 … typed by hand is said to the bot, even with auto-answer off."""
    await bind_groups(console)
    assert "已关闭" in await reply_to(console, LUZHOU_COORD, LUZHOU_GROUP, "/faq_auto 关")
    assert await say(console, STAFF, LUZHOU_GROUP, ACCOUNT_QUESTION) == []
    for text in (f"善邻，{ACCOUNT_QUESTION}", f"@善邻 {ACCOUNT_QUESTION}"):
        assert "入驻" in await reply_to(console, STAFF, LUZHOU_GROUP, text), text
        console.core.clock.advance(minutes=6)  # type: ignore[attr-defined]
    assert "我是善邻助手" in await reply_to(console, STAFF, LUZHOU_GROUP, "@善邻 你能干啥子")
    # A call by name that only thanks or acknowledges gets nothing, as with an @mention.
    for text in ("善邻 谢谢", "善邻，收到👍", "善邻，你真棒👍"):
        assert await say(console, STAFF, LUZHOU_GROUP, text) == [], text
    # Speaking of the bot is not calling it.
    assert await say(console, STAFF, LUZHOU_GROUP, "善邻刚才说的我们记下了") == []


async def test_reply_to_the_bot_counts_as_addressing_it(console: ConsoleSession) -> None:
    await say(console, LUZHOU_COORD, LUZHOU_GROUP, "/faq_auto")  # the bot speaks once
    bot_message = console.messenger.sent_ids[-1]
    bot = User(700000001, "善邻助手", is_bot=True)
    await console.message(
        STAFF, LUZHOU_GROUP, "那今天中午食堂吃什么", reply_to=ReplyTarget(bot_message, bot)
    )
    assert "答不上来" in console.messenger.sent[-1][1]


async def test_feedback_counts_once_and_thumbs_down_is_kept(
    console: ConsoleSession, app: App
) -> None:
    await reply_to(console, STAFF, private(STAFF), ACCOUNT_QUESTION)
    up, down = [b for row in last_sent(console).buttons for b in row]
    await console.press(STAFF, private(STAFF), down)
    await console.press(STAFF, private(STAFF), down)
    await console.press(STAFF, private(STAFF), up)
    assert await count(app, FaqVote) == 1
    answers = console.messenger.callback_answers
    assert "改进" in answers[-3] and "已经评价过" in answers[-2] and "已经评价过" in answers[-1]
    listing = await reply_to(console, ADMIN, private(ADMIN), "/faq_misses")
    assert "👎" in listing


async def add_entry(console: ConsoleSession, command: str) -> str:
    """The admin sends /faq_add; the new entry's number."""
    added = await reply_to(console, ADMIN, private(ADMIN), command)
    assert "已新增" in added
    return added.split("#", 1)[1].split("（", 1)[0]


async def test_admin_adds_edits_and_deletes_entries_which_apply_at_once(
    console: ConsoleSession, app: App
) -> None:
    question = "善邻杯摄影比赛的作品怎么提交？"
    assert "答不上来" in await reply_to(console, STAFF, private(STAFF), question)
    number = await add_entry(
        console,
        "/faq_add\n分类：活动\n问题：善邻杯摄影比赛的作品怎么提交？\n答案：发到邮箱，注明机构名称。"
        "\n问法：摄影比赛作品交到哪里",
    )
    assert "发到邮箱" in await reply_to(console, STRANGER, private(STRANGER), question)

    edited = await reply_to(
        console, ADMIN, private(ADMIN), f"/faq_edit {number}\n答案：交给协调员。"
    )
    assert "已修改" in edited
    assert "交给协调员" in await reply_to(console, LUZHOU_COORD, private(LUZHOU_COORD), question)
    shown = await reply_to(console, STAFF, private(STAFF), f"/faq_show {number}")
    assert "交给协调员" in shown and "修改记录" in shown and "总会小王" in shown
    assert "2026-06-01 09:00" in shown  # the test clock's time, shown in Asia/Shanghai

    assert "已删除" in await reply_to(console, ADMIN, private(ADMIN), f"/faq_del {number}")
    assert "答不上来" in await reply_to(console, STAFF, private(STAFF), question + "?")
    assert await count(app, FaqChange) == 3


async def test_an_entry_can_be_added_on_one_line(console: ConsoleSession) -> None:
    number = await add_entry(
        console,
        "/faq_add 问题：善邻杯摄影比赛的作品怎么提交？ 答案：发到邮箱，注明机构名称。"
        " 关键词：摄影比赛",
    )
    shown = await reply_to(console, STAFF, private(STAFF), f"/faq_show {number}")
    assert "问题：善邻杯摄影比赛的作品怎么提交？" in shown
    assert "答案：发到邮箱，注明机构名称。" in shown and "关键词：摄影比赛" in shown


async def test_staff_cannot_change_the_knowledge_base(console: ConsoleSession, app: App) -> None:
    refused = await reply_to(console, STAFF, private(STAFF), "/faq_add\n问题：x？\n答案：y")
    assert "⛔" in refused
    assert "⛔" in await reply_to(console, STAFF, private(STAFF), "/faq_del 1")
    assert await count(app, FaqChange) == 0


async def test_wrong_faq_syntax_gets_an_example(console: ConsoleSession) -> None:
    hint = await reply_to(console, ADMIN, private(ADMIN), "/faq_add 只有一句话")
    assert "问题：" in hint
    missing = await reply_to(console, ADMIN, private(ADMIN), "/faq_show 99999")
    assert "/faq_list" in missing
    assert "用法" in await reply_to(console, STAFF, private(STAFF), "/ask")


async def test_an_entry_cannot_lose_its_answer_or_repeat_another_entrys_question(
    console: ConsoleSession, app: App
) -> None:
    number = await add_entry(
        console, "/faq_add 问题：项目名称可以改吗？ 答案：通过公募单位向平台申请。"
    )
    changes = await count(app, FaqChange)
    emptied = await reply_to(console, ADMIN, private(ADMIN), f"/faq_edit {number} 答案：")
    assert "答案不能为空" in emptied
    # The same question again (punctuation aside), as a new entry or another entry's variant.
    again = await reply_to(
        console, ADMIN, private(ADMIN), "/faq_add 问题：项目名称可以改吗 答案：不能。"
    )
    assert f"已有的 #{number}" in again and "没有保存" in again
    other = await add_entry(console, "/faq_add 问题：项目简介可以改吗？ 答案：可以。")
    clash = await reply_to(
        console, ADMIN, private(ADMIN), f"/faq_edit {other} 问法：项目名称可以改吗"
    )
    assert f"已有的 #{number}" in clash
    assert await count(app, FaqChange) == changes + 1  # only the second entry was added
    assert "公募单位" in await reply_to(console, STAFF, private(STAFF), "项目名称可以改吗？")


async def test_region_answer_overrides_in_its_own_groups_only(console: ConsoleSession) -> None:
    await bind_groups(console)
    answer = await reply_to(console, STAFF, LUZHOU_GROUP, ACCOUNT_QUESTION)
    entry = await _entry_number(console, ACCOUNT_QUESTION)
    refused = await reply_to(
        console, LUZHOU_COORD, LUZHOU_GROUP, f"/faq_local 凉山 {entry} 找凉山"
    )
    assert "⛔" in refused
    done = await reply_to(
        console, LUZHOU_COORD, LUZHOU_GROUP, f"/faq_local {entry} 请联系泸州市慈善会王老师"
    )
    assert "泸州" in done
    console.core.clock.advance(minutes=10)  # type: ignore[attr-defined]
    local = await reply_to(console, STAFF, LUZHOU_GROUP, ACCOUNT_QUESTION)
    assert "王老师" in local and local != answer
    provincial = await reply_to(console, STAFF, LIANGSHAN_GROUP, ACCOUNT_QUESTION)
    assert provincial == answer


async def _entry_number(console: ConsoleSession, question: str) -> int:
    match = console.core.services.get(FaqKnowledge).match(question)
    assert match is not None and match.candidates
    async with UnitOfWork(console.core.sessions) as uow:
        entry = await uow.faq.entry(match.candidates[0].entry.id)
        assert entry is not None
        return entry.id


async def test_changes_survive_a_restart_and_bundled_entries_do_not_overwrite_them(
    console: ConsoleSession, app: App, settings: Settings
) -> None:
    entry = await _entry_number(console, ACCOUNT_QUESTION)
    await say(console, ADMIN, private(ADMIN), f"/faq_edit {entry}\n答案：重启后还在的答案。")
    restarted = await build_app(settings, FakeClock(), app_services())
    try:
        match = restarted.core.services.get(FaqKnowledge).match(ACCOUNT_QUESTION)
        assert match is not None and match.decision == "answer"
        async with UnitOfWork(restarted.sessions) as uow:
            row = await uow.faq.entry(match.candidates[0].entry.id)
            assert row is not None and row.answer == "重启后还在的答案。"
    finally:
        await restarted.close()


async def test_an_edit_made_through_another_process_reaches_this_one_on_refresh(
    console: ConsoleSession, app: App, settings: Settings
) -> None:
    other = await build_app(settings, FakeClock(), app_services())  # a second bot process
    try:
        assert not await other.core.services.get(FaqKnowledge).refresh(
            other.sessions
        )  # nothing changed yet
        entry = await _entry_number(console, ACCOUNT_QUESTION)
        await say(console, ADMIN, private(ADMIN), f"/faq_edit {entry}\n答案：另一个进程改的答案。")
        before = other.core.services.get(FaqKnowledge).match(ACCOUNT_QUESTION)
        assert before is not None and "另一个进程" not in before.candidates[0].entry.answer
        assert await other.core.services.get(FaqKnowledge).refresh(other.sessions)
        after = other.core.services.get(FaqKnowledge).match(ACCOUNT_QUESTION)
        assert after is not None and after.candidates[0].entry.answer == "另一个进程改的答案。"
        assert not await other.core.services.get(FaqKnowledge).refresh(other.sessions)
    finally:
        await other.close()


async def test_faq_list_shows_categories_then_entries(console: ConsoleSession) -> None:
    overview = await reply_to(console, STAFF, private(STAFF), "/faq_list")
    assert "知识库共" in overview and "（" in overview
    category = overview.splitlines()[1].lstrip("· ").split("（")[0]
    listing = await reply_to(console, STAFF, private(STAFF), f"/faq_list {category}")
    assert listing.count("#") >= 1


async def test_private_greeting_gets_a_hint_not_a_wrong_answer(console: ConsoleSession) -> None:
    answer = await reply_to(console, STAFF, private(STAFF), "你好")
    assert "/help" in answer


async def test_asking_the_bot_about_itself_gets_its_introduction(
    console: ConsoleSession, app: App
) -> None:
    who = await reply_to(console, STAFF, private(STAFF), "你好，你是谁？")
    assert "我是善邻助手" in who and "协调员由省总会指定" not in who  # not the coordinator entry
    assert "截止提醒" in await reply_to(console, STAFF, private(STAFF), "你能做什么")
    for text in ("你是真人还是机器人啊🤔", "你都能回答些啥问题"):
        assert "我是善邻助手" in await reply_to(console, STAFF, private(STAFF), text), text
    # Among people in a group, 你是谁 is not for the bot; said to it, it is.
    assert await say(console, STAFF, LUZHOU_GROUP, "你是谁") == []
    assert "我是善邻助手" in await reply_to(
        console, STAFF, LUZHOU_GROUP, "@shanlin_demo_bot 你是机器人吗"
    )
    assert await count(app, FaqMiss) == 0


async def test_button_of_a_deleted_entry_says_so(console: ConsoleSession) -> None:
    await console.press(STAFF, private(STAFF), Button("旧问题", "faq:show:99999"))
    assert "删除" in console.messenger.callback_answers[-1]
    assert console.messenger.sent == []


def test_bundled_knowledge_is_large_enough_and_says_where_rules_change() -> None:
    from knowledge_base.entries import bundled_paths, load_files

    knowledge = load_files(bundled_paths())
    assert len(knowledge.entries) >= 60
    careful = [
        e for e in knowledge.entries if "以平台最新规则为准" in e.answer or "以当年" in e.answer
    ]
    assert len(careful) >= 10
    assert len(knowledge.synonyms) >= 20


async def test_close_siblings_are_offered_together_when_asked_and_no_miss_is_kept_unasked(
    app: App, console: ConsoleSession
) -> None:
    """票据能不能开成个人抬头？ could be about correcting a receipt or issuing one."""
    await say(console, ADMIN, LUZHOU_GROUP, "/bind 泸州")
    assert await say(console, STAFF, LUZHOU_GROUP, "票据能不能开成个人抬头？") == []
    assert await count(app, FaqMiss) == 0
    await say(console, STAFF, LUZHOU_GROUP, "/ask 票据能不能开成个人抬头？")
    offered = [b.data for b in console.messenger.buttons[LUZHOU_GROUP.id]]
    assert len(offered) == 2  # the two siblings in doubt, nothing else


async def test_questions_are_answered_from_the_old_index_while_a_new_one_is_built(
    settings: Settings,
) -> None:
    """An edit rebuilds the index in a thread; meanwhile questions get the answer they got
    before (never a wait, never silence), and the new index takes over once built."""
    building, ready = threading.Event(), threading.Event()
    builds = 0

    def slow_after_start(knowledge: KnowledgeBase) -> Index:
        nonlocal builds
        builds += 1
        if builds > 1:  # the start-up build is quick; the rebuild is still running
            building.set()
            ready.wait()
        return cached_index(knowledge)

    services = Services()
    services.provide(FaqKnowledge(slow_after_start))
    app = await build_app(settings, FakeClock(), services)
    try:
        messenger = ConsoleMessenger(out=io.StringIO())
        await app.core.start(messenger)
        console = ConsoleSession(app.core, messenger, out=messenger.out)
        before = await reply_to(console, STAFF, private(STAFF), ACCOUNT_QUESTION)
        async with UnitOfWork(app.sessions, read_only=True) as uow:
            rebuild = asyncio.create_task(services.get(FaqKnowledge).reload(uow))
            await asyncio.to_thread(building.wait)
            during = await reply_to(console, STAFF, private(STAFF), ACCOUNT_QUESTION)
            assert during == before and "入驻" in during
            assert not rebuild.done()
            ready.set()
            await rebuild
    finally:
        ready.set()
        await app.close()
