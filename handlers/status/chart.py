"""/chart [市州]: a PNG of raised against target, per project of a region or per region of
the province.

The labels are Chinese, so the chart is drawn with the CJK font the ``mplfonts`` package
ships (Noto Sans CJK SC), loaded from its file: no system font is needed. matplotlib is
imported only when a chart is drawn (not at start: its import costs time and memory), and only
its Agg canvas is used (no pyplot, no display, no configuration written)."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.model import IncomingMessage, SendPhoto
from handlers.shared.dates import month_day
from handlers.status.messages import yuan
from handlers.status.reports import money
from handlers.status.scope import read_scope
from handlers.status.tally import Totals, region_totals, share, stale_before, totals
from storage.directory import Region
from storage.status_tables import ProjectFigures

log = logging.getLogger(__name__)

CHART_USAGE = (
    "/chart [市州]\n例如：在本市州群里发送 /chart；私聊中 /chart 泸州；/chart 全省（省级管理员）"
)
FONT_FILE = "NotoSansCJKsc-Regular.otf"  # in the mplfonts package's fonts/ folder
DPI = 120
WIDTH_IN = 10.0  # 1200 px
BAR_IN = 0.4  # 48 px a bar
MARGINS_IN = 1.6  # title above, axis and legend below
MIN_HEIGHT_IN = 3.0
MAX_BARS = 40  # more projects: the 40 with the largest targets
MAX_LABEL = 12  # characters of a name on the axis
_DRAWING = threading.Lock()  # matplotlib's font cache and rc settings are process-wide
_font: list[str] = []  # the font's family name, once loaded


@dataclass(frozen=True)
class Bar:
    label: str
    raised: int
    target: int
    share: float | None  # percent
    reported: bool = True


def font_path() -> Path:
    """The bundled CJK font file (without importing mplfonts, whose import sets things up)."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the mplfonts package is not installed (pip install mplfonts)")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE


def chart_pixels(bars: int) -> tuple[int, int]:
    """The PNG's width and height for this many bars."""
    height = max(MIN_HEIGHT_IN, MARGINS_IN + BAR_IN * bars)
    return round(WIDTH_IN * DPI), round(height * DPI)


def project_bars(rows: Sequence[ProjectFigures]) -> tuple[list[Bar], int]:
    """A bar per project (the MAX_BARS with the largest targets when there are more, in
    registry order); how many were left out."""
    chosen = list(rows)
    if len(chosen) > MAX_BARS:
        largest = sorted(chosen, key=lambda r: -(r.target_yuan or 0))[:MAX_BARS]
        kept = {r.project_id for r in largest}
        chosen = [r for r in chosen if r.project_id in kept]
    bars = [
        Bar(r.name, r.raised_yuan or 0, r.target_yuan or 0, share(r), r.update_id is not None)
        for r in chosen
    ]
    return bars, len(rows) - len(chosen)


def region_bars(found: dict[int, Totals], regions: Sequence[Region]) -> list[Bar]:
    """A bar per region of the province: its projects' totals."""
    bars = []
    for region in regions:
        mine = found.get(region.id, Totals())
        bars.append(Bar(region.name, mine.raised, mine.target, mine.share, mine.reported > 0))
    return bars


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _font_family() -> str:
    from matplotlib import font_manager

    if not _font:
        path = str(font_path())
        font_manager.fontManager.addfont(path)
        _font.append(font_manager.FontProperties(fname=path).get_name())
    return _font[0]


def render(title: str, bars: Sequence[Bar], note: str = "") -> bytes:
    """The chart as PNG bytes (``chart_pixels(len(bars))`` in size)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = chart_pixels(len(bars))
    with (
        _DRAWING,
        matplotlib.rc_context(
            {"font.family": [_font_family()], "axes.unicode_minus": False, "font.size": 10}
        ),
    ):
        figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
        FigureCanvasAgg(figure)
        inches = height / DPI
        axes = figure.add_axes((0.2, 0.7 / inches, 0.76, (inches - 1.45) / inches))
        places = list(range(len(bars)))[::-1]  # the first bar on top
        axes.barh(places, [b.target / 10_000 for b in bars], color="#d9d9d9", label="目标")
        axes.barh(
            places, [b.raised / 10_000 for b in bars], height=0.5,
            color=["#e07b39" if b.target and b.raised > b.target else "#2f6db5" for b in bars],
            label="已筹",
        )  # fmt: skip
        axes.set_yticks(places, [_short(b.label) for b in bars])
        axes.set_xlabel("金额（万元）")
        largest = max([b.target for b in bars] + [b.raised for b in bars] + [10_000])
        axes.set_xlim(0, largest * 1.5 / 10_000)  # room for the figures after the bars
        axes.spines[["top", "right"]].set_visible(False)
        for place, bar in zip(places, bars, strict=True):
            text = money(bar.raised, bar.target or None, bar.share) if bar.reported else "尚无进展"
            end = max(bar.raised, bar.target) / 10_000
            axes.text(end, place, " " + text, va="center", fontsize=8, color="#333333")
        figure.suptitle(title, x=0.02, y=1 - 0.2 / inches, ha="left", fontsize=13)
        if note:
            figure.text(0.02, 1 - 0.5 / inches, note, fontsize=9, color="#666666")
        figure.legend(
            loc="upper right", bbox_to_anchor=(0.98, 1 - 0.1 / inches), ncols=2,
            frameon=False, fontsize=9,
        )  # fmt: skip
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


async def chart(ctx: Context, message: IncomingMessage, args: str) -> None:
    scope = await read_scope(ctx, args, CHART_USAGE)
    if isinstance(scope, str):
        ctx.reply(scope)
        return
    assert ctx.chat is not None
    now, zone = ctx.clock.now(), ctx.config.timezone
    if scope.province:
        before = stale_before(now, zone, scope.days)
        found = region_totals(await ctx.uow.status.region_totals(before))
        bars, left_out = region_bars(found, scope.regions), 0
        everything = Totals()
        for part in found.values():
            everything.include(part)
    else:
        rows = await ctx.uow.status.latest_in_region(scope.regions[0].id)
        bars, left_out = project_bars(rows)
        everything = totals(rows, now, zone, scope.days)
    if not everything.projects:
        ctx.reply(f"{scope.label}还没有登记项目，没有可画的图。")
        return
    title, caption, name = _words(scope.label, scope.province, everything, now, zone)
    count = everything.projects
    note = (
        f"共 {count} 个项目，图中为目标最大的 {len(bars)} 个；全部见 /export" if left_out else ""
    )
    chat_id = ctx.chat.id

    async def send() -> None:
        try:
            content = await asyncio.to_thread(render, title, bars, note)
        except Exception:
            log.exception("the status chart of %s failed", scope.label)
            ctx.reply("⚠️ 画图时出错，请稍后再试。")
            return
        ctx.add(SendPhoto(chat_id, name, content, caption))

    ctx.after_commit.append(send)  # drawn after the commit: the database does not wait


def _words(
    label: str, province: bool, found: Totals, now: datetime, zone: tzinfo
) -> tuple[str, str, str]:
    """The chart's title, the photo's caption and its file name."""
    local = now.astimezone(zone)
    per = "各市州" if province else "各项目"
    title = f"{label}{per}筹款进度（截至{month_day(local)}）"
    raised = yuan(found.raised) if found.reported else "—"
    caption = f"{title}：{found.projects} 个项目，已筹 {raised} / 目标 {yuan(found.target)}"
    if found.share is not None:
        caption += f"（{found.share:.1f}%）"
    return title, caption, f"进展图-{label}-{local:%Y%m%d}.png"


CHART = Command("chart", "项目筹款进度图（本群市州；省级管理员：全省）", CHART_USAGE, chart)
