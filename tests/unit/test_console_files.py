"""The demo's console writes the files and pictures the bot sends where it says."""

from __future__ import annotations

import io
from pathlib import Path

from bot.transports.console import ConsoleMessenger
from handlers.core.model import SendDocument, SendPhoto


async def test_sent_files_are_written_under_the_folder_and_never_overwritten(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    messenger = ConsoleMessenger(names={-1: "泸州交流群"}, out=out, save_to=tmp_path / "demo")
    await messenger.perform(SendDocument(-1, "汇总.xlsx", b"first", "本周汇总"))
    await messenger.perform(SendDocument(-1, "汇总.xlsx", b"second"))
    await messenger.perform(SendPhoto(-1, "../图.png", b"\x89PNG"))
    assert (tmp_path / "demo" / "汇总.xlsx").read_bytes() == b"first"
    assert (tmp_path / "demo" / "汇总-2.xlsx").read_bytes() == b"second"
    assert (tmp_path / "demo" / "图.png").read_bytes() == b"\x89PNG"  # never outside it
    shown = out.getvalue()
    assert f"（文件 汇总.xlsx，已保存到 {tmp_path / 'demo' / '汇总.xlsx'}） 本周汇总" in shown
    assert f"已保存到 {tmp_path / 'demo' / '汇总-2.xlsx'}" in shown


async def test_without_a_folder_only_the_size_is_shown() -> None:
    out = io.StringIO()
    messenger = ConsoleMessenger(out=out)
    await messenger.perform(SendDocument(-1, "汇总.xlsx", b"12345"))
    assert "（文件 汇总.xlsx，5 字节）" in out.getvalue()
    assert messenger.saved == []
