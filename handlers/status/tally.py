"""What reports, exports and charts derive from the latest figures: each project's share of
its target, how long ago it last reported (and whether that is too long), and totals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from storage.status_tables import ProjectFigures, RegionTotals

STALE_DAYS = 7  # a project with no update for this many days is flagged


def share(figures: ProjectFigures) -> float | None:
    """Percent of the target raised: from the amounts when both are known, else as stated."""
    if figures.raised_yuan is not None and figures.target_yuan:
        return 100 * figures.raised_yuan / figures.target_yuan
    return figures.percent


def age_days(reported_at: datetime | None, now: datetime, zone: tzinfo) -> int | None:
    """Calendar days (in ``zone``) since the report: 0 today, 1 yesterday; None: never."""
    if reported_at is None:
        return None
    return (now.astimezone(zone).date() - reported_at.astimezone(zone).date()).days


def stale_before(now: datetime, zone: tzinfo, days: int) -> datetime:
    """Reports before this moment are ``days`` calendar days old or more: the start (in
    ``zone``) of the day ``days - 1`` days before today."""
    day = now.astimezone(zone).date() - timedelta(days=days - 1)
    return datetime.combine(day, time(), tzinfo=zone)


def is_stale(figures: ProjectFigures, now: datetime, zone: tzinfo, days: int) -> bool:
    """No update for ``days`` days or more (or never any)."""
    return figures.reported_at is None or figures.reported_at < stale_before(now, zone, days)


def age_text(age: int | None) -> str:
    if age is None:
        return "尚无进展"
    return {0: "今天", 1: "昨天"}.get(age, f"{age}天前")


@dataclass
class Totals:
    """Sums over projects: amounts and donations as far as they were reported."""

    projects: int = 0
    raised: int = 0
    target: int = 0
    donations: int = 0
    reported: int = 0  # projects with at least one update
    stale: int = 0

    @property
    def share(self) -> float | None:
        return 100 * self.raised / self.target if self.target else None

    def include(self, other: Totals) -> None:
        """Add another group's sums (a region's to the province's)."""
        for name in ("projects", "raised", "target", "donations", "reported", "stale"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def add(self, figures: ProjectFigures, stale: bool) -> None:
        self.projects += 1
        self.raised += figures.raised_yuan or 0
        self.target += figures.target_yuan or 0
        self.donations += figures.donations or 0
        self.reported += figures.update_id is not None
        self.stale += stale


def region_totals(rows: Iterable[RegionTotals]) -> dict[int, Totals]:
    """The storage's per-region sums, by region id."""
    return {
        row.region_id: Totals(
            row.projects, row.raised, row.target, row.donations, row.reported, row.stale
        )
        for row in rows
    }


def totals(
    rows: Iterable[ProjectFigures], now: datetime, zone: tzinfo, days: int = STALE_DAYS
) -> Totals:
    found = Totals()
    before = stale_before(now, zone, days)
    for figures in rows:
        found.add(figures, figures.reported_at is None or figures.reported_at < before)
    return found
