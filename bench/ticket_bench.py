"""Problem-detection benchmark: what noticing adds to the FAQ's work on a group message.

Run: .venv/bin/python bench/ticket_bench.py [--rounds 30]

On every group message the bot has the FAQ analyse the text (``Index.match`` on the knowledge
base); noticing problem reports reads that analysis and adds only its own pattern checks. For the
messages of the tickets-eval development set and the held-out set (plus everyday chatter), it
measures in the same process, alternating message by message, the microseconds of the FAQ's
analysis alone and of the analysis followed by detection, and of detection alone (p50 and p99
over the messages of each message's best time over the rounds; the p99 over every sample is
printed too, but on shared cores it mostly measures other processes); then the
detector's precision, recall and category accuracy on both sets. The last line printed is one
JSON object with the headline figures; p99_us_faq_detect / p99_us_faq must stay <= 1.2.
"""

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.tickets.cli import Case, load_cases, score  # noqa: E402
from handlers.tickets.detect import detect  # noqa: E402
from knowledge_base.engine import Index  # noqa: E402
from knowledge_base.entries import bundled_paths, load_files  # noqa: E402

DEV_SET = ROOT.parent / "shared" / "tickets-eval" / "cases.jsonl"
HOLDOUT = ROOT / "tests" / "data" / "tickets_holdout.jsonl"
# What the bot reads of a group message (handlers/faq.py MAX_QUESTION).
MAX_QUESTION = 500
CHATTER = ("收到", "好的谢谢老师", "👍", "今天成都好热", "我们项目今天筹到5万了，感谢大家！")


def percentiles(spent: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(spent)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def paired_timings(
    first: Callable[[str], object],
    second: Callable[[str], object],
    messages: Sequence[str],
    rounds: int,
) -> tuple[list[list[float]], list[list[float]]]:
    """Microseconds of each function on each message in each round, alternating which of the
    two runs first, so that the machine's load falls on both alike (garbage collection paused
    while timing). Returned per message: one list of times per message."""
    for message in messages[:20]:
        first(message)
        second(message)
    a: list[list[float]] = [[] for _ in messages]
    b: list[list[float]] = [[] for _ in messages]
    gc.disable()
    try:
        for number in range(rounds):
            for message, spent_a, spent_b in zip(messages, a, b, strict=True):
                pair = ((first, spent_a), (second, spent_b))
                for function, spent in pair if number % 2 == 0 else reversed(pair):
                    start = time.perf_counter()
                    function(message)
                    spent.append((time.perf_counter() - start) * 1e6)
    finally:
        gc.enable()
    return a, b


def typical(per_message: list[list[float]]) -> list[float]:
    """Each message's best time over the rounds (as timeit takes it): its own cost without the
    machine's hiccups (other processes share the cores), so that the p99 over messages is the
    slowest messages, not the unluckiest moments."""
    return [min(times) for times in per_message]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    sets: dict[str, list[Case]] = {}
    for name, path in (("dev", DEV_SET), ("holdout", HOLDOUT)):
        if path.exists():
            sets[name] = load_cases(path)
    messages = [case.text for cases in sets.values() for case in cases] + list(CHATTER)
    start = time.perf_counter()
    index = Index.build(load_files(bundled_paths()))
    print(f"knowledge base: {len(index)} entries, built in {time.perf_counter() - start:.2f} s")
    print(f"messages: {len(messages)}, rounds: {args.rounds}")

    def faq(text: str) -> object:
        return index.match(text[:MAX_QUESTION])

    def faq_detect(text: str) -> object:
        return detect(index.match(text[:MAX_QUESTION]))

    alone, with_detect = paired_timings(faq, faq_detect, messages, args.rounds)
    matches = [index.match(text[:MAX_QUESTION]) for text in messages]
    detect_only, _ = paired_timings(
        lambda number: detect(matches[int(number)]),
        lambda number: None,
        [str(number) for number in range(len(matches))],
        args.rounds,
    )
    summary: dict[str, float] = {}
    print("per message, its best time over the rounds:")
    for name, spent in (("faq", alone), ("faq_detect", with_detect), ("detect", detect_only)):
        p50, p99 = percentiles(typical(spent))
        summary[f"p50_us_{name}"] = round(p50, 1)
        summary[f"p99_us_{name}"] = round(p99, 1)
        print(f"{name:>11}: p50 {p50:8.1f} µs   p99 {p99:8.1f} µs")
    raw_faq = percentiles([t for times in alone for t in times])[1]
    raw_both = percentiles([t for times in with_detect for t in times])[1]
    summary["ratio_p99"] = round(summary["p99_us_faq_detect"] / summary["p99_us_faq"], 3)
    summary["ratio_p50"] = round(summary["p50_us_faq_detect"] / summary["p50_us_faq"], 3)
    summary["ratio_p99_all_samples"] = round(raw_both / raw_faq, 3)
    print(
        f"every sample: p99 faq {raw_faq:.1f} µs, faq_detect {raw_both:.1f} µs "
        f"(ratio {summary['ratio_p99_all_samples']:.3f}, includes the machine's hiccups)"
    )
    print(f"p99 ratio (FAQ + detection) / FAQ: {summary['ratio_p99']:.3f} (bar: <= 1.2)")
    for name, cases in sets.items():
        found = [detect(index.match(case.text[:MAX_QUESTION])) for case in cases]
        result = score(cases, [(item.verdict, item.category) for item in found])
        print(
            f"{name}: precision {result.precision:.3f} recall {result.recall:.3f} "
            f"category accuracy {result.category_accuracy:.3f} ({result.cases} cases)"
        )
        summary[f"precision_{name}"] = round(result.precision, 4)
        summary[f"recall_{name}"] = round(result.recall, 4)
        summary[f"category_accuracy_{name}"] = round(result.category_accuracy, 4)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
