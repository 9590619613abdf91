"""Labelled example messages as a second opinion on the matcher (issue 16)."""

import io
import json
from pathlib import Path

import pytest

from knowledge_base.cli import kb_main
from knowledge_base.engine import Index
from knowledge_base.entries import (
    bundled_example_paths,
    load_bundled,
    load_files,
    with_structure,
)
from knowledge_base.evaluation import Report, evaluate, load_cases
from knowledge_base.examples import MIN_EXAMPLES, ExampleModel, grams, without_examples
from knowledge_base.model import Entry, Example, KnowledgeBase
from knowledge_base.normalize import normalize

EXAMPLES = Path(__file__).resolve().parents[2] / "knowledge_base" / "bundled" / "examples"
# Rounds written blind and first scored with the words alone, before anything was changed from
# them; measured here with the examples of every other round.
FRESH_ROUNDS = [f"bundled_blind_round{number}.jsonl" for number in range(15, 40)]


@pytest.fixture(scope="module")
def words_alone() -> Index:
    kb = load_bundled()
    return Index.build(without_examples(kb, (example.text for example in kb.examples)))


def held_out(cases_file: str) -> Report:
    """The bundled bot measured on one round, learning from every other."""
    cases = load_cases(EXAMPLES / cases_file)
    index = Index.build(without_examples(load_bundled(), (case.q for case in cases)))
    return evaluate(index, cases)


def test_the_bundled_examples_are_loaded_and_name_bundled_entries() -> None:
    kb = load_bundled()
    ids = {entry.id for entry in kb.entries}
    assert len(kb.examples) >= MIN_EXAMPLES and len(bundled_example_paths()) >= 18
    assert {example.entry_id for example in kb.examples} - {None} <= ids
    assert sum(example.entry_id is None for example in kb.examples) >= 300  # chatter, uncovered
    assert kb.examples[0].source.endswith(".jsonl:1")


def test_on_the_fresh_rounds_the_examples_cut_wrong_answers_by_nearly_two_thirds(
    words_alone: Index,
) -> None:
    """Rounds 15-39, each written blind and first scored before anything was changed from it,
    then measured learning from every other round: 1,387 right and 284 wrong answers unasked
    become 1,612 and 100; precision 0.830 -> 0.942, accuracy 0.629 -> 0.731, top3 0.898 -> 0.955,
    silence 0.928 -> 0.976 (the issue's bars 0.90, 0.70, 0.93, 0.95). Wrong answers were cut to
    0.34 of the words alone's up to round 37; rounds 38 and 39 (harder: 0.86 and 0.88 precision
    with the examples) bring it to 0.352."""
    before = [evaluate(words_alone, load_cases(EXAMPLES / name)) for name in FRESH_ROUNDS]
    after = [held_out(name) for name in FRESH_ROUNDS]
    right0, wrong0, _, accuracy0, top3_0, silence0 = _pooled(before)
    right, wrong, precision, accuracy, top3, silence = _pooled(after)
    assert wrong <= wrong0 * 0.36 and right >= right0 + 100
    assert precision >= 0.94 and accuracy >= 0.72 and top3 >= 0.94 and silence >= 0.96
    assert accuracy > accuracy0 and top3 > top3_0 and silence > silence0


def _pooled(reports: list[Report]) -> tuple[int, int, float, float, float, float]:
    """Right and wrong answers unasked, precision, accuracy, top3 and silence, pooled."""
    answerable = sum(report.answerable for report in reports)
    right = sum(report.answered_right for report in reports)
    wrong = sum(report.answered - report.answered_right for report in reports)
    return (
        right,
        wrong,
        right / (right + wrong),
        right / answerable,
        sum(report.in_top3 for report in reports) / answerable,
        sum(report.kept_silent for report in reports) / sum(r.must_not for r in reports),
    )


def test_kb_test_never_learns_from_the_messages_it_measures() -> None:
    """A bundled round measured by `shanlin kb test` scores as if it had never been labelled:
    the figures are those of the other rounds' examples, not of having seen the answers."""
    cases_file = EXAMPLES / FRESH_ROUNDS[-1]
    out = io.StringIO()
    assert kb_main(["test", str(cases_file), "--json"], out=out) == 0
    printed = json.loads(out.getvalue())
    honest = held_out(FRESH_ROUNDS[-1])
    assert printed["precision"] == round(honest.precision, 4)
    assert printed["accuracy"] == round(honest.accuracy, 4)
    learned = evaluate(Index.build(load_bundled()), load_cases(cases_file))
    assert learned.accuracy > honest.accuracy  # what the shortcut would have claimed


def _entry(entry_id: str, question: str, *variants: str) -> Entry:
    return Entry(entry_id, "配捐", question, variants, (), f"{question}的回答。", "#1")


MATCHING = (
    _entry("matching-when", "配捐什么时候开始？", "配捐几点开始", "配捐啥时候开"),
    _entry("matching-ratio", "配捐比例是多少？", "配捐怎么算", "配捐能配多少"),
)


def test_the_examples_choose_among_the_offered_entries_or_none() -> None:
    """People write 陪捐好多 for the ratio: the examples learn it; an entry not offered is
    never chosen, and chatter is left alone."""
    people = [("陪捐好多哦", "matching-ratio"), ("陪捐好多嘛", "matching-ratio")] * 3
    chatter = [("收到", None), ("好的谢谢老师", None), ("👍", None)] * 3
    counts: dict[str | None, dict[str, int]] = {}
    labelled = people + chatter + [(p, e.id) for e in MATCHING for p in e.phrasings]
    for text, label in labelled:
        table = counts.setdefault(label, {})
        for gram in grams(text):
            table[gram] = table.get(gram, 0) + 1
    model = ExampleModel(counts)
    assert (
        model.opinion(normalize("陪捐到底好多？"), ["matching-when", "matching-ratio"]).favourite
        == "matching-ratio"
    )
    assert (
        model.opinion(normalize("陪捐到底好多？"), ["matching-when"]).favourite != "matching-ratio"
    )
    assert (
        model.opinion(normalize("收到收到"), ["matching-when", "matching-ratio"]).favourite is None
    )


@pytest.mark.parametrize(
    "message, entry_id",
    [
        ("提额最多能提好多钱？", "target-increase-limit"),
        ("我们在深圳的朋友能给项目捐款不？算不算数", "donors-outside-sichuan"),
        ("公募单位拨过来的钱我们财务咋个记账，要单独核算不", "fundraising-bookkeeping"),
    ],
)
def test_what_staff_kept_asking_has_an_answer_now(message: str, entry_id: str) -> None:
    """Questions labelled uncovered in several blind rounds (the limit of a target increase in
    eight) got entries of their own: asked in new words, they are answered."""
    match = Index.build(load_bundled()).match(message)
    assert match.decision == "answer" and match.best is not None and match.best.id == entry_id


def test_an_entry_the_words_miss_but_the_askers_wrote_like_is_offered_and_holds_the_answer() -> (
    None
):
    """People ask when the matching money reaches the account (配捐的钱好久进账) and mean the
    entry on money arriving, whose phrasings share no word with them: the words offer only the
    matching entries; the examples bring the arrival entry among the three offered, and the
    bot does not answer with a matching entry unasked."""
    arrival = _entry("funds-arrival", "善款什么时候拨付到机构？", "拨付要多久", "拨款啥时候下来")
    people = [
        ("陪捐好多哦", "matching-ratio"),
        ("配捐几点开始哦", "matching-when"),
        ("配捐的钱啥时候进账哦", "funds-arrival"),
        ("配捐那笔钱好久到账嘛", "funds-arrival"),
        ("收到", None),
        ("好的谢谢老师", None),
    ]
    examples = tuple(
        Example(text, label, f"people:{n}") for n in range(40) for text, label in people
    )
    entries = (*MATCHING, arrival)
    words = Index.build(KnowledgeBase(entries)).match("配捐的钱好久进账？")
    assert "funds-arrival" not in [c.entry.id for c in words.candidates]
    learned = Index.build(KnowledgeBase(entries, (), examples)).match("配捐的钱好久进账？")
    assert "funds-arrival" in [c.entry.id for c in learned.candidates]
    assert learned.decision == "suggest"
    asked = Index.build(KnowledgeBase(entries, (), examples)).match("配捐比例是好多？")
    assert asked.decision == "answer" and asked.best is not None
    assert asked.best.id == "matching-ratio"


def test_a_wide_lead_on_thin_evidence_or_a_bare_topic_answers_nothing() -> None:
    """Gibberish with a question mark shares a letter or two with some examples; a bare 提额？
    asks which of the topic's entries: neither is answered unasked (提额？ offers the three
    siblings), and a message of n-grams the model never saw gets no opinion, not an error."""
    index = Index.build(load_bundled())
    for text in ("qwxz?", "ⓠⓦ？", "Ωψ？"):
        assert index.match(text).decision != "answer", text
    bare = index.match("提额？")
    assert bare.decision == "suggest"
    assert {c.entry.id for c in bare.candidates} == {
        "target-increase-apply",
        "target-increase-limit",
        "emergency-target-increase",
    }
    model = ExampleModel.build(load_bundled())
    assert model is not None
    assert model.opinion("ꙮꙮ", ["matching-fund-rules"]).favourite is None


def test_with_few_examples_the_words_alone_decide() -> None:
    examples = tuple(Example("陪捐好多", "matching-ratio", f"x:{n}") for n in range(10))
    kb = KnowledgeBase(MATCHING, (), examples)
    assert ExampleModel.build(kb) is None
    plain = Index.build(KnowledgeBase(MATCHING))
    for text in ("陪捐好多", "配捐几点开始？", "收到"):
        assert Index.build(kb).match(text) == plain.match(text)


def test_examples_load_from_json_lines_next_to_the_knowledge(tmp_path: Path) -> None:
    cases = tmp_path / "people.jsonl"
    cases.write_text(
        '{"q": "陪捐好多", "expect": "matching-ratio"}\n{"q": "收到", "expect": null}\n',
        encoding="utf-8",
    )
    kb = load_files([EXAMPLES.parent / "matching.yaml", cases])
    assert [(e.text, e.entry_id, e.source) for e in kb.examples] == [
        ("陪捐好多", "matching-ratio", "people.jsonl:1"),
        ("收到", None, "people.jsonl:2"),
    ]


def test_the_live_bots_knowledge_keeps_the_bundled_examples() -> None:
    """The database holds entry texts only; the bot's index learns from the bundled examples."""
    bundled = load_bundled()
    stored = KnowledgeBase(bundled.entries, bundled.synonyms)
    assert with_structure(stored, bundled).examples == bundled.examples


def test_an_entry_added_from_chat_without_examples_is_still_answered() -> None:
    """/faq_add writes no examples: the model knows the new entry by its phrasings alone and
    must not keep the bot from answering it."""
    bundled = load_bundled()
    vest = Entry(
        "volunteer-vest",
        "活动安排",
        "志愿者马甲在哪里领？",
        ("志愿者的衣服去哪拿",),
        (),
        "到市州慈善会领取。",
        "chat",
    )
    index = Index.build(
        KnowledgeBase((*bundled.entries, vest), bundled.synonyms, bundled.examples)
    )
    for text in ("请问志愿者的马甲去哪里领哦", "志愿者衣服在哪拿？"):
        match = index.match(text)
        assert match.decision == "answer" and match.best == vest, text


def test_lint_names_an_example_labelled_with_an_entry_that_does_not_exist(tmp_path: Path) -> None:
    """A typo in an example's label would only make the model ignore it: lint says where."""
    people = tmp_path / "people.jsonl"
    people.write_text(
        '{"q": "陪捐好多", "expect": "matching-fund-rules"}\n'
        '{"q": "配捐啥时候到", "expect": "matching-arival"}\n'
        '{"q": "收到", "expect": null}\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    files = [str(path) for path in sorted((EXAMPLES.parent).glob("*.yaml"))] + [str(people)]
    assert kb_main(["lint", *files], out=out) != 0
    assert out.getvalue().strip() == f"{people}:2: example names unknown entry 'matching-arival'"
