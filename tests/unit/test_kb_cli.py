"""The `kb` command line: ask, test (text and --json), lint, export and import."""

import io
import json
from pathlib import Path

import pytest

from knowledge_base.cli import kb_main
from knowledge_base.entries import load_files

KB_TEXT = """\
entries:
  - id: surplus
    category: 票据与财务
    question: 项目善款有结余怎么处理？
    variants:
      - 钱没花完怎么办
    answer: |
      结余资金按合作协议处理，一般继续用于同一项目。
  - id: open-account
    category: 平台操作
    question: 机构怎么开通腾讯公益平台账号？
    keywords: [入驻]
    answer: |
      在腾讯公益平台提交入驻申请。
synonyms:
  - [腾讯公益, 鹅厂公益]
"""

CASES = [
    {"q": "项目善款有结余怎么处理？", "expect": "surplus"},
    {"q": "鹅厂公益的账号怎么开通？", "expect": "open-account"},
    {"q": "收到", "expect": None},
]


@pytest.fixture
def kb_file(tmp_path: Path) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_text(KB_TEXT, encoding="utf-8")
    return path


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = kb_main(argv, out=out)
    return code, out.getvalue()


def test_ask_prints_candidates_confidence_and_decision(kb_file: Path) -> None:
    code, text = run(["ask", "--kb", str(kb_file), "项目善款有结余怎么处理？"])
    assert code == 0
    assert "surplus" in text
    for label in ("confidence:", "is_question: yes", "decision:    answer"):
        assert label in text


def test_ask_accepts_the_message_before_the_files(kb_file: Path) -> None:
    code, text = run(["ask", "收到", "--kb", str(kb_file)])
    assert code == 0 and "decision:    silent" in text


def test_test_json_prints_one_object_with_the_measures(kb_file: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(case, ensure_ascii=False) for case in CASES) + "\n")
    code, text = run(["test", "--kb", str(kb_file), str(cases), "--json"])
    assert code == 0
    lines = text.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert {"accuracy", "top3", "silence", "answerable", "must_not"} <= set(report)
    assert (report["answerable"], report["must_not"]) == (2, 1)
    assert 0.0 <= report["accuracy"] <= 1.0 and report["silence"] == 1.0


def test_test_text_report_lists_categories_and_misses(kb_file: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    wrong = {"q": "项目善款有结余怎么处理？", "expect": "open-account"}
    cases.write_text(json.dumps(wrong, ensure_ascii=False) + "\n")
    code, text = run(["test", "--kb", str(kb_file), str(cases)])
    assert code == 0
    assert "accuracy: 0.000" in text and "平台操作" in text
    assert "misses (1):" in text and "项目善款有结余怎么处理？" in text


def test_lint_exits_1_and_prints_file_line_message(kb_file: Path, tmp_path: Path) -> None:
    assert run(["lint", str(kb_file)])[0] == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "entries:\n  - id: x\n    category: c\n    question: q？\n    answer: ''\n",
        encoding="utf-8",
    )
    code, text = run(["lint", str(bad)])
    assert code == 1
    assert f"{bad}:5: empty 'answer'" in text


def test_export_then_import_gives_the_same_entries(kb_file: Path, tmp_path: Path) -> None:
    workbook, again = tmp_path / "kb.xlsx", tmp_path / "again.yaml"
    assert run(["export", "--kb", str(kb_file), str(workbook)])[0] == 0
    assert run(["import", str(workbook), str(again)])[0] == 0
    original, imported = load_files([kb_file]), load_files([again])
    assert [e.id for e in imported.entries] == [e.id for e in original.entries]
    assert [e.answer for e in imported.entries] == [e.answer for e in original.entries]
    assert imported.synonyms == original.synonyms


def test_errors_exit_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["ask", "--kb", str(tmp_path / "missing.yaml"), "问题？"])
    assert code == 2
    assert "missing.yaml" in capsys.readouterr().err
    assert run(["nonsense"])[0] == 2
