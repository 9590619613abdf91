"""The FAQ engine: normalisation, segmentation, matching, decisions, files, Excel, evaluation."""

import dataclasses
import warnings
from pathlib import Path

import pytest

from knowledge_base import entries as entries_module
from knowledge_base.dictionary import Dictionary, _table, general_idf_table, jieba_data
from knowledge_base.engine import ANSWER_THRESHOLD, SUGGEST_THRESHOLD, Index, decide
from knowledge_base.entries import (
    Entry,
    KbError,
    KnowledgeBase,
    bundled_paths,
    dump_yaml,
    export_excel,
    import_excel,
    lint_files,
    load_bundled,
    load_files,
)
from knowledge_base.evaluation import Report, evaluate, load_cases
from knowledge_base.jieba_quiet import new_tokenizer
from knowledge_base.lexicon import MODERN_WORDS
from knowledge_base.normalize import clean, normalize
from knowledge_base.questions import is_question
from knowledge_base.segment import Segmenter

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "knowledge_base" / "bundled" / "examples"
DEV_SET = REPO.parent / "shared" / "kb-eval"
HOLDOUT = REPO / "tests" / "data" / "kb_holdout"

KB_TEXT = """\
entries:
  - id: find-public-partner
    category: 公募对接
    question: 我们是非公募机构，怎样找到公募单位支持项目上线？
    variants:
      - 非公募组织如何对接公募支持方
    answer: |
      需要与具有公募资格的慈善组织合作，总会可以协助对接。
  - id: open-account
    category: 平台操作
    question: 机构怎么开通腾讯公益平台账号？
    variants:
      - 腾讯公益机构入驻怎么申请
    keywords: [入驻, 机构号]
    answer: |
      在腾讯公益平台提交入驻申请，准备登记证书等材料。
  - id: target-raise
    category: 平台操作
    question: 项目提前达成筹款目标，怎么申请紧急提额？
    variants:
      - 提额需要什么条件
    answer: |
      由公募单位在平台申请提高筹款目标，并补充预算。
  - id: public-opinion
    category: 舆情与合规
    question: 项目出现负面舆情应该怎么处理？
    variants:
      - 网上有人质疑我们项目怎么办
    answer: |
      第一时间截图留存，报告公募单位和总会，不要与网友争论。
  - id: surplus
    category: 票据与财务
    question: 项目善款有结余怎么处理？
    variants:
      - 钱没花完怎么办
    answer: |
      结余资金按合作协议处理，一般继续用于同一项目。
synonyms:
  - [腾讯公益, 鹅厂公益, TX公益]
  - [非公募机构, 非公募组织, 没有公募资格的机构]
  - [舆情, 负面舆情, 负面舆论]
  - [紧急提额, 提额]
"""


@pytest.fixture(scope="module")
def kb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kb") / "kb.yaml"
    path.write_text(KB_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def index(kb_file: Path) -> Index:
    return Index.build(load_files([kb_file]))


# --- normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full width to half width, lower case
        ("社區慈善基金怎麼成立", "社区慈善基金怎么成立"),  # traditional to simplified
        ("配捐比例?👍🙏", "配捐比例"),  # emoji and punctuation
        ("@王老师 材料已发您邮箱", "材料已发您邮箱"),  # mention
        ("看这里 https://example.org/a?b=1 的说明", "看这里 的说明"),  # URL
        ("[图片]", ""),  # chat placeholder
        ("老师们好，请问配捐怎么算", "配捐怎么算"),  # greeting and politeness
        ("各位老师好！麻烦问一下宣传周是哪几天", "宣传周是哪几天"),
        ("咋个申请扩容", "怎么申请扩容"),  # Sichuan: 咋个 -> 怎么
        ("啥子时候到账", "什么时候到账"),  # 啥子 -> 什么
        ("没得公募资格", "没有公募资格"),  # 没得 -> 没有
        ("剩下的钱咋整", "剩下的钱怎么办"),  # 咋整 -> 怎么办
        ("晓得了，要得", "知道了 好"),  # 晓得 -> 知道, 要得 -> 好
        ("票据找哪个开", "票据找谁开"),  # 哪个 -> 谁 after a verb of asking
        ("这个项目哪个领域", "这个项目哪个领域"),  # ... but not as "which"
        ("能代收善款么", "能代收善款吗"),  # clause-final 么 -> 吗
        ("是不是八月二日开始", "是不是8月2日开始"),  # dates in Chinese numerals -> digits
        ("二零二五年还搞不搞", "2025年还搞不搞"),  # so are years written digit by digit
        ("十二月三十一号截止", "12月31日截止"),  # the day after a month: 号 -> 日
        ("3号楼", "3号楼"),
        ("一月捐和一起捐", "一月捐和一起捐"),  # ... but no other numerals
        ("审核没过急急急！哈哈哈哈", "审核没通过"),  # emphasis and laughter; 没过 -> 没通过
        ("项目没过审咋个整", "项目没通过审怎么办"),
        ("链接还没过期", "链接还没过期"),  # ... but not 没过期 or 没过多久
        ("没过多久就到账了", "没过多久就到账了"),
        ("扩容要好久才批得下来", "扩容要多久才批得下来"),  # Sichuan 好久 asking how long
        ("好久没更新了", "好久没更新了"),  # ... but not "for a long time"
    ],
)
def test_normalisation(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_thanks_are_dropped_only_as_a_whole_clause() -> None:
    assert normalize("谢谢老师！") == ""
    assert "感谢信" in normalize("感谢信怎么发给捐赠人")


def test_are_you_there_is_a_greeting_not_a_question() -> None:
    assert normalize("在吗") == normalize("老师在吗？") == normalize("有人吗") == ""
    assert normalize("老师在吗？想问下配捐比例") == "配捐比例"
    assert normalize("项目还在不在") == "项目还在不在"


def test_asking_the_room_is_politeness_not_a_question_about_a_person() -> None:
    """谁知道… asks anyone who knows; the 谁 must not make it a question about who."""
    assert normalize("谁知道配捐什么时候到账？") == "配捐什么时候到账"
    assert normalize("有没有人知道票据找哪个开") == "票据找谁开"
    assert normalize("哪个晓得，扩容咋个申请") == "扩容怎么申请"
    assert normalize("谁知道") == ""
    assert normalize("协调员是谁知道吗") == "协调员是谁知道吗"  # not at the start of a clause


# --- segmentation and synonyms ---------------------------------------------------------------


def test_segmentation_keeps_knowledge_base_terms_together(index: Index) -> None:
    plain = Segmenter(terms=[], synonyms=[])
    assert "非公募机构" not in plain.cut("我们是非公募机构")
    assert "非公募机构" in index.terms("我们是非公募机构")


def test_everyday_words_newer_than_jiebas_dictionary_stay_whole(index: Index) -> None:
    """jieba alone cuts 微信 into 微|信 and 靠谱 into 靠|谱."""
    plain = jieba_tokens("微信群里说这个靠谱吗")
    assert "微信" not in plain and "靠谱" not in plain
    assert {"微信", "靠谱"} <= set(index.terms("微信群里说这个靠谱吗"))


def test_a_stem_shared_by_terms_is_a_word(index: Index) -> None:
    """公募 alone (公募那边) is a word because the terms 公募单位 and 公募机构 begin with it."""
    kb = KnowledgeBase((load_entry(index),), (("公募单位", "公募机构"),))
    assert "公募" not in jieba_tokens("公募那边一直没打款")
    assert "公募" in Index.build(kb).terms("公募那边一直没打款")


def test_a_synonyms_head_word_stands_for_its_group_unless_used_on_its_own() -> None:
    """舆论 ends 负面舆论 and means 舆情 alone; 筹款 ends 团队筹款 (= 一起捐), but the knowledge
    base itself says 筹款 in entries about other things, so there it keeps its own meaning."""

    def entry(number: int, question: str) -> Entry:
        return Entry(f"e{number}", "类", question, (), (), "答。", "t")

    kb = KnowledgeBase(
        (entry(1, "筹款目标定多少？"), entry(2, "筹款期间要值守吗？"), entry(3, "一起捐怎么建？")),
        (("一起捐", "团队筹款"), ("舆情", "负面舆论")),
    )
    index = Index.build(kb)
    assert "舆情" in index.terms("出了舆论怎么办")
    assert "筹款" in index.terms("筹款哪天开始") and "一起捐" not in index.terms("筹款哪天开始")


def jieba_tokens(text: str) -> list[str]:
    return new_tokenizer().lcut(text, HMM=False)


def test_our_dictionary_and_cut_are_exactly_jiebas() -> None:
    """Segmenter keeps jieba's dictionary compactly and follows its lcut(HMM=False) step by
    step (for memory and speed): the same words added the same way give the same frequencies,
    total and tokens as jieba's own tokenizer."""
    segmenter = Segmenter(terms=[], synonyms=[])
    ours = segmenter._dictionary
    jieba_own = new_tokenizer()
    for word in MODERN_WORDS:  # what every segmenter adds first
        if not jieba_own.FREQ.get(word):
            jieba_own.add_word(word)
    assert ours.total == jieba_own.total
    for term in ["非公募机构", "配捐", "结余", "剩余善款", "公募 单位", "GO配捐", "机构号码簿"]:
        if not segmenter.is_word(term):
            assert segmenter._suggested_freq(term) == jieba_own.suggest_freq(term), term
            jieba_own.add_word(term)
            segmenter._add(term)
    segmenter.prefer(["捐赠人", "配捐", "公募单位"], 1000)
    for word in ["捐赠人", "配捐", "公募单位"]:
        if jieba_own.FREQ.get(word, 0) < 1000:
            jieba_own.add_word(word, 1000)
    assert ours.total == jieba_own.total
    texts = [normalize(case.q) for case in load_cases(DEV_SET / "cases.jsonl")] + [
        "我们是非公募机构",
        "99公益日 abc123 A镇改成B镇",
        "  ",
        "GO配捐2025年9月7日",
        "x",
    ]
    for text in texts:
        expected = [t for t in jieba_own.lcut(text, HMM=False) if not t.isspace()]
        assert segmenter.cut(text) == expected, text
        pieces = {text[i:j] for i in range(len(text)) for j in range(i + 1, min(i + 6, len(text)))}
        assert {p: ours.get(p) for p in pieces} == {p: jieba_own.FREQ.get(p) for p in pieces}


def test_the_compact_tables_hold_every_word_of_jiebas() -> None:
    """Every word and prefix of jieba's dictionary, and every IDF, read back as jieba has them."""
    jieba_own = new_tokenizer()
    ours = Dictionary()
    assert all(ours.get(piece) == freq for piece, freq in jieba_own.FREQ.items())
    assert ours.get("不是词的一段话") is None and ours.get("𠀀") is None
    idf, median = general_idf_table()
    path = jieba_data("analyse/idf.txt")
    lines = path.read_text("utf-8").splitlines()
    jieba_idf = {word: float(value) for word, _, value in (line.partition(" ") for line in lines)}
    assert len(idf) == len(jieba_idf)
    assert all(idf.get(word, None) == value for word, value in jieba_idf.items())
    assert median == sorted(jieba_idf.values())[len(jieba_idf) // 2]
    assert idf.get("不是词的一段话", median) == median


def test_a_table_read_back_from_the_cache_answers_as_the_one_made_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start makes jieba's table and caches it; later starts read it back."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    made, total = _table("dict.txt", lambda line: int(line.split(" ")[1]), "q")
    assert list((tmp_path / "shanlin").iterdir())  # cached
    cached, cached_total = _table("dict.txt", lambda line: 0, "q")  # not read from the file
    assert cached_total == total and len(cached) == len(made)
    for piece in ("公益", "公", "慈善总会", "𠀀", "不是词的一段话", "龟"):
        assert cached.frequency(piece) == made.frequency(piece)


def test_a_rebuilt_index_does_not_change_another_one(index: Index) -> None:
    other = Index.build(
        KnowledgeBase((dataclasses.replace(load_entry(index), keywords=("机构号码簿",)),))
    )
    assert "机构号码簿" in other.terms("机构号码簿")
    assert "机构号码簿" not in index.terms("机构号码簿")


def test_segmentation_prefers_the_knowledge_base_words(index: Index) -> None:
    """jieba alone cuts 捐赠|人手|滑; the knowledge base says 捐赠人 (in open-account's text)."""
    kb = KnowledgeBase(
        (dataclasses.replace(load_entry(index), answer="请捐赠人联系公募单位。"),),
    )
    assert "捐赠人" in Index.build(kb).terms("捐赠人手滑多按了一个零")


def test_homophone_repair_does_not_split_a_word() -> None:
    """一支 (a term below) sounds like 以支, but 可以支出 holds the word 可以."""
    entry = Entry("fund", "社区基金", "如何设立一支社区慈善基金？", (), (), "答。", "t:1")
    index = Index.build(KnowledgeBase((entry,)))
    assert index.match("可以支出哪些").normalized == "可以支出哪些"
    assert index.match("社区磁善基金怎么设立").normalized == "社区慈善基金怎么设立"


def test_placeholder_letters_weigh_little(index: Index) -> None:
    """The A and B of "从A镇改成B镇" stand for any place: they are not rare words."""
    plain = index.match("项目上线后执行地点能改吗")
    lettered = index.match("项目上线后执行地点能从A镇改成B镇吗")
    assert lettered.confidence == pytest.approx(plain.confidence, abs=0.1)


def test_place_names_the_knowledge_base_never_uses_weigh_little(index: Index) -> None:
    """宜宾 says where the asker is, not what is asked."""
    plain = index.match("怎样找到公募单位支持项目上线？")
    placed = index.match("我们在宜宾，怎样找到公募单位支持项目上线？")
    assert placed.confidence == pytest.approx(plain.confidence, abs=0.05)
    assert placed.decision == "answer"


def test_segmenters_share_the_dictionary_but_not_added_words() -> None:
    first, second = Segmenter(terms=[], synonyms=[]), Segmenter(terms=[], synonyms=[])
    assert first._dictionary._general is second._dictionary._general
    first._add("机构号码簿")
    assert first.is_word("机构号码簿") and not second.is_word("机构号码簿")
    assert second._dictionary.total < first._dictionary.total


def test_one_shared_rare_word_is_weak_evidence(index: Index) -> None:
    """A longer question sharing only one term with an entry gets less confidence."""
    alone = index.match("机构号？")
    diluted = index.match("机构号附近哪里停车方便？")
    assert alone.best is not None and alone.best.id == "open-account"
    assert diluted.confidence < alone.confidence
    assert diluted.decision != "answer"


def load_entry(index: Index) -> Entry:
    return index.kb.entries[0]


def test_synonyms_map_to_one_term(index: Index) -> None:
    assert index.terms("鹅厂公益") == index.terms("腾讯公益") == index.terms("tx公益")
    match = index.match("请问鹅厂公益的机构号怎么开通？")
    assert match.best is not None and match.best.id == "open-account"


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("紧急提e要准备啥材料", "target-raise"),  # a letter for a syllable
        ("发生与论要怎么处理", "public-opinion"),  # homophone 与论 for 舆论
        ("非公幕机构怎么找公募单位", "find-public-partner"),  # homophone 幕 for 募
    ],
)
def test_typos_and_homophones_still_match(index: Index, message: str, entry_id: str) -> None:
    match = index.match(message)
    assert match.best is not None and match.best.id == entry_id
    assert match.decision == "answer"


# --- questions, statements, chatter ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "配捐比例?",
        "怎么申请提额",
        "项目可以改名吗",
        "能不能用个人账户收款",
        "一起捐在哪里开",
        "宣传周是几号开始",
        "管理费收多少",
        "有没有模板",
        "提额流程麻烦发一下",
        "请问机构号",
        "配捐是实时到账还是统一结算的",
        "陪捐规则出来没有",
        "截止提醒可以设成只在工作日发吗，周末大家都不看",  # 吗 ends a clause, not the message
        "报名截止了，材料还能交不",  # Sichuan: a clause-final 不 asks
        "配捐到账没",
        "捐赠人付不出去钱",  # something cannot be done
        "后面的捐款进不来了！",
        "哪些捐款没有配上？",  # not a roll call
        "社区基金可以单独上线吗 还是要挂在慈善会下面",  # a space ends a clause on a phone
        "改了可以重新提交吗还是就没机会了",
        "筹款目标定好多比较合适",  # Sichuan 好多: how much
        "学习心得要写好多字才算数",
        "拨付好久能到账",  # Sichuan 好久: how long
        "截止是好久",
    ],
)
def test_questions_are_recognised(text: str) -> None:
    assert is_question(clean(text))


@pytest.mark.parametrize(
    "text",
    [
        "我们项目今天筹到5万了",
        "收到",
        "👍",
        "好的谢谢",
        "紧急提额已经弄好了，感谢总会老师连夜帮忙🙏",
        "好几个同事都来了",
        "舆情这块今年确实要多注意",
        "不，我们没参加",
        "他今天不来了",
        "我们还没",
        "谁还没交报名表？请抓紧！",  # a roll call asks people, not for information
        "还有哪些单位没报？",
        "哪位老师还没签到",
        "今天春熙路人好多 热闹得很",  # 好多: many
        "今年配捐少了好多 唉",
        "派了两个人去北京驻场审核，回来说学到好多",
        "等了好久终于审核过了",  # 好久: a long time
        "好久没见到大家了",
    ],
)
def test_statements_and_chatter_are_not_questions(text: str) -> None:
    assert not is_question(clean(text))


@pytest.mark.parametrize("text", ["收到", "👍", "好的谢谢", "我们项目今天筹到5万了", "[图片]"])
def test_chatter_and_statements_stay_silent(index: Index, text: str) -> None:
    match = index.match(text)
    assert match.decision == "silent"
    assert not match.is_question


def test_a_statement_sharing_words_with_an_entry_is_not_answered(index: Index) -> None:
    match = index.match("紧急提额已经弄好了，感谢总会老师连夜帮忙")
    assert match.decision != "answer"


def test_an_uncovered_question_stays_silent(index: Index) -> None:
    match = index.match("春熙路附近哪里停车方便？")
    assert match.is_question
    assert match.decision == "silent"


def test_match_reports_ranked_candidates_within_limits(index: Index) -> None:
    match = index.match("项目善款有结余怎么处理？", limit=2)
    assert len(match.candidates) <= 2
    assert match.candidates[0].entry.id == "surplus"
    scores = [candidate.score for candidate in match.candidates]
    assert scores == sorted(scores, reverse=True)
    assert 0.0 <= match.confidence <= 1.0
    assert match.decision == "answer" and match.is_question
    assert index.match("项目善款有结余怎么处理？", limit=0).candidates == ()


def test_decisions_follow_the_thresholds() -> None:
    assert 0 < SUGGEST_THRESHOLD < ANSWER_THRESHOLD < 1
    assert decide(ANSWER_THRESHOLD, is_question=True) == "answer"
    assert decide(ANSWER_THRESHOLD, is_question=False) != "answer"
    assert decide(SUGGEST_THRESHOLD, is_question=True) == "suggest"
    assert decide(SUGGEST_THRESHOLD / 2, is_question=True) == "silent"
    assert decide(0.95, is_question=False) == "answer"  # overwhelming, though no question cue
    assert decide(0.95, is_question=False, bare=True) != "answer"


def test_a_bare_topic_is_not_answered_unasked(index: Index) -> None:
    """A lone 紧急提额 (or 收到, 项目进展) is a heading or an acknowledgement, not a question."""
    bare = index.match("紧急提额")
    assert bare.best is not None and bare.best.id == "target-raise"
    assert bare.decision != "answer"
    assert index.match("紧急提额怎么申请").decision == "answer"


def test_confidence_does_not_depend_on_knowledge_base_size(kb_file: Path) -> None:
    small = load_files([kb_file])
    filler = tuple(
        Entry(
            id=f"filler-{n}",
            category="其他",
            question=f"第{n}号仓库的钥匙放在哪个抽屉里？",
            variants=(),
            keywords=(),
            answer="问行政。",
            source="test",
        )
        for n in range(200)
    )
    large = KnowledgeBase(small.entries + filler, small.synonyms)
    message = "项目善款有结余怎么处理？"
    confidence_small = Index.build(small).match(message).confidence
    confidence_large = Index.build(large).match(message).confidence
    assert confidence_large == pytest.approx(confidence_small, abs=0.1)


# --- the development set bar -----------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_report() -> Report:
    index = Index.build(load_files([DEV_SET / "kb.yaml"]))
    return evaluate(index, load_cases(DEV_SET / "cases.jsonl"))


def test_dev_set_does_not_regress(dev_report: Report) -> None:
    """The level reached so far, so that a change that makes matching worse fails. Accuracy
    was 0.82 until a contested answer needed confidence 0.35 unasked (issue 16: precision
    over accuracy); it traded 0.033 for it."""
    assert dev_report.accuracy >= 0.78
    assert dev_report.precision >= 0.96
    assert dev_report.silence >= 0.98
    assert dev_report.top3 >= 0.94


def test_evaluation_counts_each_measure(index: Index, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        '{"q": "项目善款有结余怎么处理？", "expect": "surplus"}\n'
        '{"q": "机构怎么开通腾讯公益平台账号？", "expect": "surplus"}\n'
        '{"q": "收到", "expect": null}\n',
        encoding="utf-8",
    )
    report = evaluate(index, load_cases(cases))
    assert (report.answerable, report.must_not) == (2, 1)
    assert report.accuracy == 0.5 and report.silence == 1.0
    assert [miss.q for miss in report.misses] == ["机构怎么开通腾讯公益平台账号？"]
    assert set(report.categories) == {"票据与财务"}


def test_bad_cases_file_names_the_line(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"q": "ok", "expect": null}\nnot json\n', encoding="utf-8")
    with pytest.raises(KbError, match=r"cases.jsonl:2"):
        load_cases(cases)


# --- files: loading, merging, lint -----------------------------------------------------------


def test_files_merge_and_duplicate_ids_name_both_files(kb_file: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "entries:\n  - id: other\n    category: 其他\n    question: 别的问题？\n"
        "    answer: 别的回答。\nsynonyms:\n  - [甲, 乙]\n",
        encoding="utf-8",
    )
    merged = load_files([kb_file, extra])
    assert [entry.id for entry in merged.entries][-1] == "other"
    assert ("甲", "乙") in merged.synonyms
    assert merged.entries[-1].source == f"{extra}:2"
    clash = tmp_path / "clash.yaml"
    clash.write_text(
        "entries:\n  - id: surplus\n    category: 其他\n"
        "    question: 重复？\n    answer: 重复。\n",
        encoding="utf-8",
    )
    with pytest.raises(KbError) as raised:
        load_files([kb_file, clash])
    message = str(raised.value)
    assert f"{clash}:2" in message and str(kb_file) in message and "surplus" in message


LINT_TEXT = """\
entries:
  - id: good-one
    category: 测试
    question: 配捐规则是怎样的？
    variants:
      - 配捐比例是多少
    answer: 以平台规则为准。
  - id: Bad_Id
    category: 测试
    question: 另一个问题？
    answer: 回答。
  - id: empty-answer
    category: 测试
    question: 空回答的问题？
    answer: "  "
  - id: no-question
    category: 测试
    answer: 没有问题字段。
  - id: good-one
    category: 测试
    question: 重复的编号？
    answer: 回答。
  - id: colliding
    category: 测试
    question: 第三个问题？
    variants:
      - 配捐比例是多少？
    answer: 回答。
  - id: unknown-key
    category: 测试
    question: 未知字段？
    answer: 回答。
    priority: high
"""


def test_lint_finds_each_kind_of_issue_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "lint.yaml"
    path.write_text(LINT_TEXT, encoding="utf-8")
    issues = {(issue.line, issue.message.split(" ")[0]) for issue in lint_files([path])}
    lines = LINT_TEXT.splitlines()

    def line_of(text: str, occurrence: int = 1) -> int:
        found = [number for number, line in enumerate(lines, start=1) if text in line]
        return found[occurrence - 1]

    assert (line_of("id: Bad_Id"), "id") in issues
    assert (line_of('answer: "  "'), "empty") in issues
    assert (line_of("id: no-question"), "entry") in issues  # missing 'question'
    assert (line_of("id: good-one", 2), "duplicate") in issues
    assert (
        line_of("- 配捐比例是多少？"),
        "'配捐比例是多少？'",
    ) in issues  # collides with good-one
    assert (line_of("priority: high"), "unknown") in issues
    assert all(issue.file == str(path) for issue in lint_files([path]))


def test_lint_reports_yaml_syntax_errors_with_a_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("entries:\n  - id: a\n    question: [unclosed\n", encoding="utf-8")
    issues = lint_files([path])
    assert issues and issues[0].line >= 3 and "YAML" in issues[0].message


def test_clean_files_have_no_issues(kb_file: Path) -> None:
    assert lint_files([kb_file]) == []


def test_bundled_paths_are_sorted_yaml_files() -> None:
    paths = bundled_paths()
    assert paths == sorted(paths)
    assert all(path.suffix == ".yaml" for path in paths)


def test_a_changed_bundled_file_is_read_again_an_unchanged_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    (bundled / "kb.yaml").write_text(KB_TEXT, encoding="utf-8")
    monkeypatch.setattr(entries_module, "BUNDLED_DIR", bundled)
    first = load_bundled()
    assert load_bundled() is first  # every app built in this process shares one parse
    edited = KB_TEXT.replace("总会可以协助对接", "省总会可以协助对接")
    (bundled / "kb.yaml").write_text(edited, encoding="utf-8")
    assert "省总会可以协助对接" in load_bundled().entries[0].answer


# --- Excel and YAML round trips --------------------------------------------------------------


def _content(kb: KnowledgeBase) -> tuple[object, ...]:
    entries = tuple(dataclasses.replace(entry, source="") for entry in kb.entries)
    return entries, kb.synonyms


def test_excel_round_trip_is_lossless(kb_file: Path, tmp_path: Path) -> None:
    kb = load_files([kb_file])
    tricky = dataclasses.replace(kb.entries[0], answer="=SUM(A1)\n第二行  \n", keywords=("甲",))
    kb = KnowledgeBase((tricky, *kb.entries[1:]), kb.synonyms)
    workbook = tmp_path / "kb.xlsx"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        export_excel(kb, workbook)
        back = import_excel(workbook)
    assert _content(back) == _content(kb)
    assert back.entries[0].source == f"{workbook}:2"


def test_yaml_written_from_a_knowledge_base_loads_back_the_same(
    kb_file: Path, tmp_path: Path
) -> None:
    kb = load_files([kb_file])
    path = tmp_path / "again.yaml"
    path.write_text(dump_yaml(kb), encoding="utf-8")
    assert _content(load_files([path])) == _content(kb)
    assert lint_files([path]) == []


def test_excel_import_names_bad_rows(tmp_path: Path) -> None:
    kb = KnowledgeBase(
        (
            Entry("ok", "类", "问题？", (), (), "回答。", "x"),
            Entry("ok", "类", "问？", (), (), "答", "x"),
        )
    )
    workbook = tmp_path / "dup.xlsx"
    export_excel(kb, workbook)
    with pytest.raises(KbError, match=r"dup.xlsx:3: duplicate id 'ok'"):
        import_excel(workbook)


# --- the held-out set (written before tuning; reported, with a loose floor) ------------------


def test_holdout_set_is_matched_reasonably() -> None:
    index = Index.build(load_files([HOLDOUT / "kb.yaml"]))
    report = evaluate(index, load_cases(HOLDOUT / "cases.jsonl"))
    assert report.top3 >= 0.9
    assert report.silence >= 0.9


@pytest.mark.parametrize(
    ("cases", "floors"),
    [
        # Realistic staff messages, questions about other platforms and organisation affairs
        # among them (a regression set: the knowledge base was improved from its misses, so
        # these figures are not a held-out measure). Accuracy floor 0.89 since the fifth pass on
        # issue 16 added a question for each new entry, kept as the engine first took them (two
        # are offered rather than answered: withdrawing, with the 报名 general entry close behind,
        # and minors as fundraisers, at low confidence), and 小红花 got an entry of its own
        # (99公益日的小红花规则 is now offered with the 99公益日 entries rather than answered).
        # 0.893 until a contested answer needed confidence 0.35 unasked: 0.871.
        ("bundled_cases.jsonl", (0.87, 0.98, 0.95)),
        # 90 messages written by someone who never saw the knowledge base; one round of fixes
        # (seven variants) was made from its first 65 questions. Its accuracy fell from 0.81 when
        # the bot began to leave unasked what the best entry explains too little of.
        ("bundled_blind_cases.jsonl", (0.72, 0.95, 0.95)),
    ],
)
def test_bundled_knowledge_answers_staff_questions(
    cases: str, floors: tuple[float, float, float]
) -> None:
    index = Index.build(load_files(bundled_paths()))
    report = evaluate(index, load_cases(EXAMPLES / cases))
    assert report.accuracy >= floors[0] and report.top3 >= floors[1]
    assert report.silence >= floors[2]
