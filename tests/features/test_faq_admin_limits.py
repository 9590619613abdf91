"""Managing FAQ entries from chat within what can be stored and sent: answers that fit one
Telegram message with their header, short categories, questions the matcher can read, labels
typed twice, readable change history, and regional answers that say what they replace. The same
limits hold in `shanlin kb lint` and the Excel import."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.app import App
from bot.transports.console import ConsoleSession
from handlers.core.model import Button
from knowledge_base.cli import kb_main
from knowledge_base.entries import KnowledgeBase, export_excel
from knowledge_base.limits import MESSAGE_LIMIT, utf16_length
from knowledge_base.model import Entry
from storage.faq import FaqChange, FaqEntry
from tests.features.test_faq import add_entry, bind_groups, count
from tests.support.people import ADMIN, LUZHOU_COORD, LUZHOU_GROUP, STAFF, private
from tests.support.talk import reply_to

QUESTION = "善邻杯摄影比赛的作品怎么提交？"
HEADER = utf16_length(f"【{QUESTION}】\n")  # what a tapped suggestion puts above the answer


async def admin_says(console: ConsoleSession, text: str) -> str:
    return await reply_to(console, ADMIN, private(ADMIN), text)


async def test_an_answer_too_long_for_one_message_is_refused_with_the_limit_named(
    console: ConsoleSession, app: App
) -> None:
    entries = await count(app, FaqEntry)
    too_long = "作" * 5000
    refused = await admin_says(console, f"/faq_add 问题：{QUESTION} 答案：{too_long}")
    assert "4096" in refused and "答案太长" in refused and "例如" in refused
    # Counted as Telegram counts, in UTF-16 units: 2,100 emoji are 4,200 units.
    emoji = await admin_says(console, f"/faq_add 问题：{QUESTION} 答案：{'😀' * 2100}")
    assert "4096" in emoji
    # An answer that fits alone but not under its 【问题】 header cannot be sent either.
    just_over = "作" * (MESSAGE_LIMIT - HEADER + 1)
    assert "4096" in await admin_says(console, f"/faq_add 问题：{QUESTION} 答案：{just_over}")
    assert await count(app, FaqEntry) == entries

    fits = "作" * (MESSAGE_LIMIT - HEADER)
    number = await add_entry(console, f"/faq_add 问题：{QUESTION} 答案：{fits}")
    edit = await admin_says(console, f"/faq_edit {number}\n答案：{too_long}")
    assert "4096" in edit and "已修改" not in edit
    # A longer question makes the header longer: the same answer no longer fits.
    longer = await admin_says(console, f"/faq_edit {number}\n问题：{QUESTION}请详细说明")
    assert "4096" in longer and "已修改" not in longer
    # /faq_show of a long entry fits one message and still shows the history.
    shown = await reply_to(console, STAFF, private(STAFF), f"/faq_show {number}")
    assert utf16_length(shown) <= MESSAGE_LIMIT and "修改记录" in shown and "未显示完" in shown
    # What is really sent when the entry is offered and tapped fits one message.
    await console.press(STAFF, private(STAFF), Button(QUESTION, f"faq:show:{number}"))
    tapped = console.messenger.sent[-1][1]
    assert tapped.startswith(f"【{QUESTION}】") and utf16_length(tapped) == MESSAGE_LIMIT


async def test_a_regional_answer_must_fit_too(console: ConsoleSession) -> None:
    await bind_groups(console)
    number = await add_entry(console, f"/faq_add 问题：{QUESTION} 答案：发到邮箱。")
    refused = await reply_to(
        console, LUZHOU_COORD, LUZHOU_GROUP, f"/faq_local {number} {'泸' * 4090}"
    )
    assert "泸州专属答案太长" in refused and "4096" in refused
    local = "泸" * (MESSAGE_LIMIT - HEADER)
    assert "已设置" in await reply_to(
        console, LUZHOU_COORD, LUZHOU_GROUP, f"/faq_local {number} {local}"
    )
    # Lengthening the question would push the region's answer over: refused, naming it.
    longer = await admin_says(console, f"/faq_edit {number}\n问题：{QUESTION}要寄原件吗")
    assert "改了问题后，泸州专属答案太长" in longer and f"/faq_local 泸州 {number}" in longer
    # Another field changes nothing in what is sent: it may be edited.
    assert "已修改" in await admin_says(console, f"/faq_edit {number}\n分类：比赛")


async def test_a_category_is_a_short_label(console: ConsoleSession, app: App) -> None:
    changes = await count(app, FaqChange)
    refused = await admin_says(
        console, f"/faq_add 分类：{'活动' * 150}\n问题：{QUESTION}\n答案：x"
    )
    assert "分类太长" in refused and "20" in refused and "分类：配捐" in refused
    number = await add_entry(console, f"/faq_add 分类：{'活' * 20}\n问题：{QUESTION}\n答案：x")
    edit = await admin_says(console, f"/faq_edit {number} 分类：{'动' * 21}")
    assert "分类太长" in edit
    assert await count(app, FaqChange) == changes + 1


async def test_a_question_with_no_words_is_refused(console: ConsoleSession, app: App) -> None:
    entries = await count(app, FaqEntry)
    for question in ("？？？", "老师们好请问", "😀😀"):
        refused = await admin_says(console, f"/faq_add 问题：{question} 答案：发到邮箱。")
        assert "没有可以识别的词" in refused and "问题：怎么申请配捐？" in refused, question
    assert await count(app, FaqEntry) == entries
    number = await add_entry(console, f"/faq_add 问题：{QUESTION} 答案：发到邮箱。")
    refused = await admin_says(console, f"/faq_edit {number} 问法：在吗？；作品交到哪里")
    assert "没有可以识别的词" in refused and "“在吗？”" in refused


async def test_a_question_label_typed_twice_is_not_part_of_the_question(
    console: ConsoleSession,
) -> None:
    number = await add_entry(console, f"/faq_add 问题：问题：{QUESTION} 答案：答案：发到邮箱。")
    shown = await reply_to(console, STAFF, private(STAFF), f"/faq_show {number}")
    assert f"问题：{QUESTION}" in shown and "问题：问题" not in shown
    assert "答案：发到邮箱。" in shown and "答案：答案" not in shown
    # Two different questions are refused: the second belongs in 问法.
    two = await admin_says(
        console, "/faq_add\n问题：作品交到哪里？\n问题：作品寄到哪里？\n答案：x"
    )
    assert "一条问答只能有一个问题" in two and "问法：" in two
    # The same question twice (a double paste) is one question.
    again = "/faq_add\n问题：比赛结果何时公布？\n问题：比赛结果何时公布？\n答案：月底。"
    once = await add_entry(console, again)
    shown = await reply_to(console, STAFF, private(STAFF), f"/faq_show {once}")
    assert "问题：比赛结果何时公布？\n" in shown


async def test_faq_show_says_what_each_change_changed(console: ConsoleSession) -> None:
    number = await add_entry(
        console, f"/faq_add 分类：活动 问题：{QUESTION} 答案：发到邮箱，注明机构名称。"
    )
    await admin_says(console, f"/faq_edit {number}\n答案：交给本市州协调员，注明机构名称。")
    await admin_says(console, f"/faq_edit {number}\n分类：比赛")
    shown = await reply_to(console, STAFF, private(STAFF), f"/faq_show {number}")
    history = [line for line in shown.splitlines() if line.startswith("修改记录")]
    assert len(history) == 3 and len(set(history)) == 3
    assert "分类：活动 → 比赛" in history[0]
    assert "答案：" in history[1] and "发到邮箱" in history[1] and "交给本市州协调员" in history[1]
    assert "→" in history[1] and "新增" in history[2]


async def test_faq_local_says_it_replaces_the_provincial_answer_and_how_to_undo(
    console: ConsoleSession,
) -> None:
    await bind_groups(console)
    number = await add_entry(console, f"/faq_add 问题：{QUESTION} 答案：发到邮箱。")
    done = await reply_to(
        console, LUZHOU_COORD, LUZHOU_GROUP, f"/faq_local {number} 交给泸州市慈善会王老师"
    )
    assert "泸州的群里" in done and "全省答案" in done and "不再显示" in done
    undo = f"/faq_local 泸州 {number} 删除"
    assert undo in done
    assert "恢复使用全省答案" in await reply_to(console, LUZHOU_COORD, LUZHOU_GROUP, undo)
    shown = await reply_to(console, STAFF, private(STAFF), f"/faq_show {number}")
    assert "删除泸州专属答案" in shown and "设置泸州专属答案" in shown


# --- kb lint and the Excel import --------------------------------------------------------


def kb(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return kb_main(argv, out=out), out.getvalue()


def test_kb_lint_reports_answers_too_long_categories_too_long_and_wordless_questions(
    tmp_path: Path,
) -> None:
    just_over = "作" * (MESSAGE_LIMIT - HEADER + 1)
    path = kb(
        tmp_path,
        f"entries:\n  - id: long-answer\n    category: 活动\n    question: {QUESTION}\n"
        f"    answer: {just_over}\n"
        f"  - id: long-category\n    category: {'活' * 21}\n    question: 作品寄到哪里？\n"
        "    answer: 发到邮箱。\n"
        "  - id: no-words\n    category: 活动\n    question: 老师们好请问\n"
        "    variants:\n      - ？？？\n    answer: 发到邮箱。\n",
    )
    code, text = run(["lint", str(path)])
    assert code == 1
    assert f"{path}:2: 'long-answer': the answer" in text and "4096" in text
    assert f"{path}:6: 'long-category': category is 21 characters" in text
    assert f"{path}:12: 'no-words': '老师们好请问' has no words" in text
    assert f"{path}:14: 'no-words': '？？？' has no words" in text
    assert "is the same as" not in text  # two wordless phrasings are not "the same" question


def test_excel_import_refuses_rows_over_the_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workbook = tmp_path / "kb.xlsx"
    export_excel(
        KnowledgeBase(
            (
                Entry("fine", "活动", QUESTION, (), (), "发到邮箱。", "x"),
                Entry("long", "活动", "作品寄到哪里？", (), (), "作" * MESSAGE_LIMIT, "x"),
                Entry("empty", "活动", "？？？", (), (), "发到邮箱。", "x"),
            )
        ),
        workbook,
    )
    out = tmp_path / "out.yaml"
    code, _ = run(["import", str(workbook), str(out)])
    assert code == 2 and not out.exists()
    error = capsys.readouterr().err
    assert f"{workbook}:3: the answer" in error and "4096" in error
    assert f"{workbook}:4: '？？？' has no words" in error and ":2:" not in error
