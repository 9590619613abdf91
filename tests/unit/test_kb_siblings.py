"""Sibling entries (a topic with a general entry and specific ones, what an entry is not about),
the precision of the bot's own answers, and the blind rounds on the bundled knowledge."""

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from knowledge_base.cli import kb_main
from knowledge_base.engine import Index
from knowledge_base.entries import (
    Entry,
    KnowledgeBase,
    bundled_paths,
    dump_yaml,
    export_excel,
    from_rows,
    import_excel,
    lint_files,
    load_files,
    to_rows,
    with_structure,
)
from knowledge_base.evaluation import Case, evaluate, load_cases
from knowledge_base.normalize import clean
from knowledge_base.questions import is_question

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "knowledge_base" / "bundled" / "examples"

KB_TEXT = """\
entries:
  - id: matching-rules
    category: 配捐规则
    topic: 配捐
    general: true
    question: 今年配捐怎么配？
    variants:
      - 配捐比例是多少
      - 配捐有没有封顶
    keywords: [配捐, 上限]
    answer: |
      配捐比例和封顶以平台当年规则为准。
  - id: matching-missed
    category: 配捐规则
    topic: 配捐
    question: 为什么有的捐款没有配上捐？
    variants:
      - 配捐没得了
      - 这笔捐款没配到
    keywords: [未配捐, 配捐额度用完]
    answer: |
      常见原因：额度用完、不在配捐时段、异常捐赠。
  - id: matching-arrival
    category: 配捐规则
    topic: 配捐
    question: 配捐资金什么时候到账？
    variants:
      - 配捐到账时间
    keywords: [配捐到账, 结算]
    answer: |
      配捐结算给公募单位，到账时间以平台公布为准。
  - id: receipt-issue
    category: 票据与财务
    topic: 票据
    question: 捐赠人要捐赠票据，找谁开？
    variants:
      - 捐赠票据怎么开
    keywords: [捐赠票据, 开票]
    answer: |
      票据由接收善款的公募单位开具。
  - id: receipt-fix
    category: 票据与财务
    topic: 票据
    question: 捐赠票据开错了怎么重开？
    variants:
      - 票据要重开
    keywords: [重开, 作废]
    answer: |
      联系开票的公募单位作废后重开。
  - id: raise-target
    category: 提额
    topic: 满额
    question: 项目满额了，还要接着筹怎么办？
    keywords: [满额]
    answer: |
      联系公募单位申请提高筹款目标。
  - id: over-target
    category: 票据与财务
    topic: 满额
    question: 项目满额了，多出来的钱怎么办？
    keywords: [满额]
    answer: |
      超出部分按项目用途使用，并公示。
  - id: partner-fee
    category: 公募对接
    question: 公募单位收管理费合理吗？
    variants:
      - 管理费比例多少合适
    keywords: [管理费]
    not_about: [社区慈善基金]
    answer: |
      按协议收取，比例双方协商。
  - id: community-fund
    category: 社区基金
    question: 社区慈善基金怎么设立？
    variants:
      - 社区基金咋个建
    keywords: [社区慈善基金]
    answer: |
      挂在有资质的慈善组织名下，依托机构是否收管理费以协议为准。
"""


@pytest.fixture(scope="module")
def kb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("siblings") / "kb.yaml"
    path.write_text(KB_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def index(kb_file: Path) -> Index:
    return Index.build(load_files([kb_file]))


# --- the structure in the files --------------------------------------------------------------


def test_files_carry_the_sibling_structure_and_write_it_back(
    kb_file: Path, tmp_path: Path
) -> None:
    kb = load_files([kb_file])
    rules = kb.get("matching-rules")
    fee = kb.get("partner-fee")
    assert rules is not None and rules.topic == "配捐" and rules.general
    assert fee is not None and fee.not_about == ("社区慈善基金",) and fee.topic == ""
    again = tmp_path / "again.yaml"
    again.write_text(dump_yaml(kb), encoding="utf-8")
    back = load_files([again]).entries
    assert [replace(entry, source="") for entry in back] == [
        replace(entry, source="") for entry in kb.entries
    ]
    assert lint_files([again]) == []


def test_lint_names_a_second_general_entry_and_a_general_that_is_not_a_flag(
    tmp_path: Path,
) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        KB_TEXT.replace(
            "    topic: 配捐\n    question: 配捐资金",
            "    topic: 配捐\n    general: true\n    question: 配捐资金",
        ).replace(
            "    topic: 票据\n    question: 捐赠票据开错",
            "    topic: 票据\n    general: 是\n    question: 捐赠票据开错",
        ),
        encoding="utf-8",
    )
    messages = [str(issue) for issue in lint_files([path])]
    assert any(
        "'matching-arrival' and 'matching-rules' are both the general entry of topic '配捐'" in m
        for m in messages
    )
    assert any("'general' must be true or false" in m for m in messages)


def test_database_entries_get_the_structure_of_the_bundled_ones(kb_file: Path) -> None:
    """The database keeps texts only; the index of the live bot takes the structure by id."""
    bundled = load_files([kb_file])
    texts = [
        Entry(e.id, e.category, e.question, e.variants, e.keywords, e.answer, "#1")
        for e in bundled.entries
    ]
    stored = KnowledgeBase((*texts, Entry("new-one", "类", "新问题？", (), (), "答。", "#2")))
    structured = with_structure(stored, bundled)
    rules = structured.get("matching-rules")
    fee = structured.get("partner-fee")
    assert rules is not None and rules.general and rules.topic == "配捐"
    assert fee is not None and fee.not_about == ("社区慈善基金",)
    assert structured.get("new-one") == stored.get("new-one")


# --- siblings in matching --------------------------------------------------------------------


def test_a_message_naming_only_the_topic_gets_the_general_entry(index: Index) -> None:
    """配捐没得了 is a phrasing of the specific entry, but 配捐 alone names nothing that the
    general entry does not: the general entry answers, confidently."""
    match = index.match("想问一下配捐好久开始")
    assert match.best is not None and match.best.id == "matching-rules"
    assert match.decision == "answer" and match.ambiguous == ()


def test_a_message_naming_what_a_specific_entry_is_about_gets_it(index: Index) -> None:
    match = index.match("配捐到账时间是好久？")
    assert match.best is not None and match.best.id == "matching-arrival"
    assert match.decision == "answer"


def test_close_siblings_are_suggested_together_never_answered_unasked(index: Index) -> None:
    """项目满额了 may ask how to go on raising or what to do with the money above the target."""
    match = index.match("项目满额了怎么办？")
    assert {entry.id for entry in match.ambiguous} == {"raise-target", "over-target"}
    assert match.decision == "suggest" and match.confidence >= 0.3  # confident, but which one?
    assert {c.entry.id for c in match.candidates[:2]} == {"raise-target", "over-target"}
    told = index.match("项目满额了，多出来的钱怎么办？")
    assert told.best is not None and told.best.id == "over-target" and told.decision == "answer"


def test_kb_ask_names_the_siblings_in_doubt(kb_file: Path) -> None:
    out = io.StringIO()
    assert kb_main(["ask", "--kb", str(kb_file), "项目满额了怎么办？"], out=out) == 0
    assert "decision:    suggest" in out.getvalue()
    assert "ambiguous:   over-target, raise-target" in out.getvalue()


def test_what_an_entry_is_not_about_keeps_it_from_answering(index: Index) -> None:
    fee = index.match("公募单位要收管理费吗？")
    assert fee.best is not None and fee.best.id == "partner-fee" and fee.decision == "answer"
    community = index.match("社区慈善基金要收管理费吗？")
    assert community.best is not None and community.best.id == "community-fund"


def test_entries_without_a_topic_have_no_siblings(kb_file: Path) -> None:
    plain = KnowledgeBase(
        tuple(
            Entry(e.id, e.category, e.question, e.variants, e.keywords, e.answer, e.source)
            for e in load_files([kb_file]).entries
        )
    )
    match = Index.build(plain).match("项目满额了怎么办？")
    assert match.ambiguous == () and match.decision == "answer"


# --- messages ------------------------------------------------------------------------------


def test_a_message_opening_with_a_persons_name_asks_that_person(index: Index) -> None:
    match = index.match("@李姐 配捐比例是多少？你帮我看一下")
    assert not match.is_question and match.decision != "answer"
    assert index.match("配捐比例是多少？").decision == "answer"


@pytest.mark.parametrize(
    "text",
    [
        "小周，配捐比例是多少你问到没？",
        "王老师，配捐比例是多少？",
        "老李, 配捐到账没有",
        "你们几个把配捐到账时间核对一下",
    ],
)
def test_a_message_calling_a_colleague_is_not_for_the_bot(index: Index, text: str) -> None:
    assert index.match(text).decision == "silent"


@pytest.mark.parametrize(
    "text", ["老师，配捐比例是多少？", "各位老师，配捐比例是多少？", "你们好，配捐比例是多少？"]
)
def test_calling_on_whoever_knows_is_still_a_question_for_the_bot(index: Index, text: str) -> None:
    assert index.match(text).decision == "answer"


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("每个项目配捐额度上限是好多", "每个项目配捐额度上限是多少"),
        ("单笔捐好多钱以上才有配捐", "单笔捐多少钱以上才有配捐"),
        ("一般收好多个点", "一般收多少个点"),
        ("账号认证一般要审好久", "账号认证一般要审多久"),
        ("报名好久截止", "报名多久截止"),
        ("今年是好久开始报名", "今年是多久开始报名"),
        ("我们项目今天筹了好多，好多人捐", "我们项目今天筹了好多,好多人捐"),
        ("等了好久", "等了好久"),
    ],
)
def test_sichuan_how_much_and_how_long(text: str, normal: str) -> None:
    assert clean(text) == normal


def test_saying_one_will_ask_someone_else_is_not_a_question() -> None:
    assert not is_question(clean("好的，我明天去银行问一下对公账户的事"))
    assert not is_question(clean("那我找公募单位问下"))
    assert is_question(clean("问一下，配捐的比例今年变了没"))
    assert is_question(clean("想问一下去哪里开票"))


def test_sichuan_how_much_makes_a_question_and_a_lot_does_not() -> None:
    assert is_question(clean("单笔捐好多钱以上才有配捐哦"))
    assert not is_question(clean("我们项目现在筹了好多，有好多人捐"))
    assert not is_question(clean("昨天打不开的页面今天好了"))


def test_a_final_particle_is_not_taken_for_a_typo(tmp_path: Path) -> None:
    path = tmp_path / "code.yaml"
    path.write_text(
        KB_TEXT + "  - id: share\n    category: 平台操作\n    question: 项目码在哪里下载？\n"
        "    keywords: [项目码]\n    answer: |\n      在项目页生成。\n",
        encoding="utf-8",
    )
    terms = Index.build(load_files([path])).terms("一个机构可以报几个项目嘛")
    assert "项目码" not in terms and "项目" in terms


# --- precision -------------------------------------------------------------------------------


def test_precision_counts_wrong_entries_and_answered_remarks_as_wrong(index: Index) -> None:
    cases = [
        Case("配捐比例是多少？", "matching-rules"),  # right
        Case("配捐比例是多少？", "matching-missed"),  # a wrong entry
        Case("配捐到账时间是好久？", "matching-arrival"),  # right
        Case("收到", None),  # silent: not an answer
    ]
    report = evaluate(index, cases)
    assert (report.answered, report.answered_right) == (3, 2)
    assert report.precision == pytest.approx(2 / 3)
    remark = evaluate(index, [Case("配捐比例是多少？", None)])
    assert remark.answered == 1 and remark.precision == 0.0


def test_kb_test_json_prints_precision(kb_file: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    rows = [{"q": "配捐比例是多少？", "expect": "matching-rules"}, {"q": "配捐比例是多少？"}]
    cases.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n")
    out = io.StringIO()
    assert kb_main(["test", "--kb", str(kb_file), str(cases), "--json"], out=out) == 0
    report = json.loads(out.getvalue())
    assert report["precision"] == 0.5 and report["answered"] == 2
    text = io.StringIO()
    kb_main(["test", "--kb", str(kb_file), str(cases)], out=text)
    assert "precision: 0.500  (1/2 answers given unasked)" in text.getvalue()


# --- speaking unasked ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Index:
    return Index.build(load_files(bundled_paths()))


def test_a_question_about_something_else_in_the_knowledges_words_is_not_answered_unasked(
    bundled: Index,
) -> None:
    """The best entry explains too little of the message, and a close rival exists: asked, the
    bot offers candidates; unasked, it stays out of the conversation."""
    match = bundled.match("项目资金可以用来买物资直接发给老人吗，还是必须要有服务")
    assert match.decision == "suggest" and match.candidates
    assert bundled.match("敬老类项目在设计上要特别注意什么？").decision == "answer"


def test_a_close_rival_that_explains_more_of_the_message_keeps_the_bot_from_answering() -> None:
    """The over-target entry scores best on a question about not reaching the target, but the
    not-reached entry holds more of what is asked: unasked, silence; asked, both are offered.
    (The bundled entries now settle it themselves: a variant and 没达到 in `not_about`; the
    knowledge before that shows the engine's part.)"""
    kb = load_files(bundled_paths())
    before = {
        "target-not-reached": lambda e: replace(e, variants=e.variants[:4]),
        "over-target-funds": lambda e: replace(e, not_about=("差", "没筹满", "不够")),
    }
    entries = tuple(before.get(e.id, lambda e: e)(e) for e in kb.entries)
    match = Index.build(replace(kb, entries=entries)).match("要是没完成筹款目标，筹到的钱还能用不")
    assert match.decision == "suggest"
    assert {"over-target-funds", "target-not-reached"} <= {c.entry.id for c in match.candidates}


def test_a_light_word_does_not_make_a_specific_sibling_win_over_its_general_entry(
    bundled: Index,
) -> None:
    """人 in 每个人 is in the not-matched entry's variants only; the rule question goes to the
    general matching entry."""
    match = bundled.match("陪捐是每个人每天最多配几次？有捐款人在问我")
    assert match.best is not None and match.best.id == "matching-fund-rules"


def test_a_question_about_the_partners_fee_at_disbursement_is_not_about_batches(
    bundled: Index,
) -> None:
    match = bundled.match("拨付的时候公募单位要扣好多？")
    assert match.decision == "answer" and match.best is not None
    assert match.best.id == "public-partner-fee"


def test_a_general_entry_holding_more_of_the_question_keeps_its_sibling_from_answering(
    bundled: Index,
) -> None:
    """拨 of 拨完 is in the batches/delay entry only, but the general disbursement entry (拨付)
    holds more of a question on when the money arrives: the batches entry is not answered."""
    match = bundled.match("项目筹完款，钱好久能拨到我们机构账上？")
    assert match.decision != "answer" or (
        match.best is not None and match.best.id == "disbursement-process"
    )
    assert {"disbursement-process", "disbursement-batches-delay"} <= {
        c.entry.id for c in match.candidates
    }


def test_a_weak_answer_to_a_message_that_says_much_held_elsewhere_is_not_given_unasked(
    bundled: Index,
) -> None:
    """Reimbursing a hotel invoice shares 发票/抬头 with the receipt entries but says as much
    that they lack: unasked, silence; asked, candidates."""
    match = bundled.match("上次来成都培训住的酒店，发票抬头开总会的还是开我们单位的？")
    assert match.decision == "suggest" and match.candidates


def test_an_entry_far_ahead_of_the_rest_answers_a_wordy_question() -> None:
    holdout = Index.build(load_files([REPO / "tests" / "data" / "kb_holdout" / "kb.yaml"]))
    match = holdout.match("暑期支教缺人手，志愿者从哪里招比较靠谱")
    assert match.decision == "answer" and match.best is not None
    assert match.best.id == "volunteer-recruitment"


# --- the blind rounds on the bundled knowledge ------------------------------------------------
# The words alone (no examples). Session 17 added three entries for questions left uncovered
# in several rounds (target-increase-limit, donors-outside-sichuan, fundraising-bookkeeping)
# and relabelled the 25 messages they answer: the new terms shift weights, and rounds 4-8, 11,
# 12 and 14 lost one to three messages (round 5 0.88 -> 0.849: r5-036 asks the limit and then
# about matching, which the limit entry is not about); floors lowered to the new figures. With
# the examples, rounds 1-14 and the cases, each left out, hold (precision 0.927 -> 0.926).


@pytest.mark.parametrize(
    ("cases", "floors"),
    [
        # 120 messages written from DOMAIN.md and the seed by someone who never saw the
        # knowledge; first scored 0.699 / 0.940 / 0.784, precision 0.734. The knowledge and the
        # sibling rules were then tuned on it: a regression set, not a measure.
        # Rounds 1-3 lost 0.01-0.05 accuracy (r1 0.856 -> 0.844, r2 0.575 -> 0.525, r3 0.761 ->
        # 0.750) when a contested answer came to need confidence 0.35 unasked (pooled precision
        # 0.897 -> 0.904, silence 0.907 -> 0.918): the floors below are after that.
        # The ninth pass's synonym group for 没通过 / 未通过 / 不通过 (a negated pass is one term,
        # so 审核通过了 no longer reads as a rejection) costs one rejection answer here and in
        # round 4 (项目被退回修改了两次 now at confidence 0.35, unsaid) and one top 3 in round 8.
        ("bundled_blind_round1.jsonl", (0.89, 1.0, 0.96, 0.97)),
        # A second round written the same way, labelled and scored once after tuning ended
        # (0.544 / 0.868 / 0.635, precision 0.521): the honest figure. The rules for speaking
        # unasked were then chosen with it in view: a regression set since.
        # The eighth pass (knowledge only, after round 9) raised its accuracy to 0.588.
        ("bundled_blind_round2.jsonl", (0.63, 0.9, 0.97, 0.94)),
        # A third round, written after the rules for speaking unasked, labelled against the
        # knowledge of that day and scored once before any tuning on it: 0.714 / 0.922 / 0.814,
        # precision 0.743 (docs/blind-round3-labels.md has the labeller's reasons). The rival and
        # light-term rules and a few sibling fixes were then judged with it among the sets: a
        # regression set since.
        ("bundled_blind_round3.jsonl", (0.82, 0.95, 0.96, 0.93)),
        # A fourth round, written and labelled the same way after the second pass on when to
        # speak unasked, scored once before any tuning: 0.766 / 0.909 / 0.884, precision 0.843.
        # The plan-to-ask cue, the covering general entry and the weak-answer rule were then
        # judged with it among the sets: a regression set since. Top3 0.933 -> 0.921 in the
        # sixth pass: 凉山…老乡想现场给现金 (silent, confidence 0.2) had its entry third only
        # because a higher-scoring entry missed the shortlist; new words let it in.
        ("bundled_blind_round4.jsonl", (0.83, 0.93, 0.9, 0.92)),
        # A fifth round, written and labelled after those, scored once: 0.808 / 0.974 / 0.738,
        # precision 0.808 (every wrong answer is to a question the knowledge does not cover).
        # Floors lowered after the fourth pass, which wrote entries for topics asked in two or
        # more rounds (enterprise matching, execution period, weekend deadlines, 千名筹款官,
        # regional totals) and enriched the six-level review answer: these rounds' labels, made
        # against the older knowledge, call those questions "leave alone", so the 17 messages
        # the new entries now answer unasked (rounds 1–5: 2, 1, 4, 4, 6) count as wrong here and
        # lower silence and precision. Accuracy lost one answer on rounds 1, 2 and 5 (a
        # runner-up or confidence moved across a threshold as the new words shifted term weights).
        # The fifth pass relabelled those messages (and others that eleven further entries
        # answer: receipts against invoices, in-kind gifts in a project, blocked account
        # verification, withdrawing after registration, the hub's 公众号 column, the Excel report
        # template, fundraising outside the campaign window, audits, minors as fundraisers,
        # 小红花, naming a community fund), and round 2's seven messages answered by the
        # entries written after it (account details after a registration change, where a project
        # may run, last year's project, management costs, the platform's own limits), to
        # the entry that now answers exactly what they ask (docs/blind-round*-labels.md), and
        # raised the floors of every round.
        # The sixth pass extended answers so that they say what their variants ask, wrote an
        # entry on the 2024 summary's cases, and relabelled the messages these now answer
        # exactly (docs/blind-round3/5/7-labels.md); floors raised to its figures.
        # Seventh pass: r5-033 (数字人才开放计划) relabelled to the new entry that answers it;
        # accuracy 0.846 -> 0.837 because 老师们好…开通腾讯公益的机构账号 is a knife edge
        # (platform-account-open 0.594 against who-can-participate 0.593 before, the other way
        # after the new entry shifted term weights); silence and precision rose.
        ("bundled_blind_round5.jsonl", (0.84, 0.96, 0.96, 0.95)),
        # A sixth round, written blind after the fourth pass and labelled against its knowledge,
        # scored once: 0.707 / 0.927 / 0.842, precision 0.829.
        ("bundled_blind_round6.jsonl", (0.75, 0.96, 0.96, 0.93)),
        # A seventh round, written blind (DOMAIN.md and the seed only) during the fifth pass and
        # labelled against its knowledge by someone else without running the bot; scored once,
        # after the pass and the contested-answer rule were fixed: 0.747 / 0.928 / 0.919,
        # precision 0.886. A regression set from now on. The ninth pass's question
        # cues answer a budget question with 好多 (管理费最多能提好多比例) from the fee entry:
        # precision 0.948.
        ("bundled_blind_round7.jsonl", (0.82, 0.96, 1.0, 0.95)),
        # An eighth round, written blind during the sixth pass and labelled against its knowledge
        # without running the bot; scored once after it: 0.722 / 0.967 / 0.900, precision 0.878.
        # The seventh pass tuned on it (with rounds 1-7) and relabelled r8-018 and r8-025
        # (docs/blind-round8-labels.md): a regression set since; floors at that pass's figures.
        # The eighth pass moved it to 0.815 / 0.978 (an extension request, points' use); the
        # ninth pass's cues to 0.826, precision 0.950 (the 好多 budget question as in round 7).
        ("bundled_blind_round8.jsonl", (0.83, 0.95, 0.96, 0.97)),
        # A ninth round, written blind during the seventh pass and labelled against its knowledge
        # without running the bot; scored once after it: 0.674 / 0.942 / 0.941, precision 0.879.
        # The eighth pass tuned on it (with rounds 1-8; knowledge only): 0.779 / 0.953 / 1.000,
        # precision 0.971. A regression set since; floors at that pass's figures.
        ("bundled_blind_round9.jsonl", (0.85, 0.96, 1.0, 0.97)),
        # A tenth round, written blind during the eighth pass and labelled against its knowledge
        # without running the bot; scored once after it: 0.626 / 0.923 / 0.931, precision 0.905.
        ("bundled_blind_round10.jsonl", (0.73, 0.93, 0.96, 0.97)),
        # Rounds 11 and 12, written blind at the start of the ninth pass and labelled against its
        # knowledge without running the bot; scored once after the question cues (好多/好久,
        # a space ends a clause, a call to 善邻): 0.625 / 0.925 / 0.925, precision 0.806, and
        # 0.654 / 0.926 / 0.949, precision 0.841 (the engine before the cues: the same, but
        # round 11's precision 0.820 with one answer fewer).
        # The knowledge pass after them (issue 16, docs/faq-research.md "Ninth pass") tuned on
        # rounds 10-12 with rounds 1-9 pooled: round 10 0.725 / 0.934 / 0.966, precision 0.971;
        # round 11 0.700 / 0.963 / 0.950, precision 0.918; round 12 0.728 / 0.938 / 1.000,
        # precision 0.983. Regression sets since; rounds 2 and 4-9 rose too, floors raised.
        ("bundled_blind_round11.jsonl", (0.72, 0.97, 0.97, 0.93)),
        ("bundled_blind_round12.jsonl", (0.76, 0.95, 1.0, 0.97)),
        # Round 13, written blind during the ninth pass and labelled against its knowledge (before
        # the negated-pass synonym group, which moves no label) without running the bot; scored
        # once after it: 0.671 / 0.908 / 0.864, precision 0.810 (51 of 63 answers unasked right).
        # The tenth pass (knowledge only, docs/faq-research.md "Tenth pass") tuned on it with
        # rounds 1-12 pooled: 0.789 / 0.934 / 0.955, precision 0.952; rounds 1, 2, 3, 10 and 12
        # rose too, floors raised. A regression set since. The eleventh pass relabelled five of
        # its null messages to new entries, which leaves its two must-nots still answered
        # (r13-034, r13-077) among 39 nulls instead of 44: silence 0.949, floor 0.94.
        ("bundled_blind_round13.jsonl", (0.8, 0.95, 0.94, 0.95)),
        # Round 14, written blind during the ninth pass and labelled against the tenth pass's
        # knowledge without running the bot; scored once after it: 0.558 / 0.844 / 0.837,
        # precision 0.754 (43 of 57 answers unasked right). 学到好多 (learned a lot) was then no
        # longer read as asking how much: silence 0.860.
        # The eleventh pass (knowledge only, docs/faq-research.md "Eleventh pass") wrote ten
        # entries for questions left uncovered in two or more rounds and relabelled the 35
        # messages of rounds 1-14 they answer exactly (docs/blind-round*-labels.md), then tuned
        # on round 14: 0.659 / 0.894 / 0.971, precision 0.933. Floors raised for rounds 1-3,
        # 5-9 and 11-14.
        ("bundled_blind_round14.jsonl", (0.65, 0.89, 0.96, 0.93)),
        # Round 15, written blind during the tenth pass and labelled against the eleventh pass's
        # knowledge without running the bot; scored once after it: 0.529 / 0.882 / 0.914,
        # precision 0.763 (45 of 59 answers unasked right). A regression set from now on.
        ("bundled_blind_round15.jsonl", (0.52, 0.88, 0.91, 0.76)),
    ],
)
def test_bundled_knowledge_on_blind_rounds(
    bundled: Index, cases: str, floors: tuple[float, float, float, float]
) -> None:
    report = evaluate(bundled, load_cases(EXAMPLES / cases))
    assert report.accuracy >= floors[0] and report.top3 >= floors[1]
    assert report.silence >= floors[2] and report.precision >= floors[3]


def test_the_excel_sheet_carries_the_structure_and_older_sheets_still_import(
    kb_file: Path, tmp_path: Path
) -> None:
    kb = load_files([kb_file])
    workbook = tmp_path / "kb.xlsx"
    export_excel(kb, workbook)
    back = import_excel(workbook)
    assert [replace(e, source="") for e in back.entries] == [
        replace(e, source="") for e in kb.entries
    ]
    older = [row[:6] for row in to_rows(kb)]  # a sheet from before the structure columns
    plain = from_rows(older)
    rules = plain.get("matching-rules")
    assert rules is not None and rules.topic == "" and not rules.general
