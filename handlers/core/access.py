"""Access rules: who the person behind an update is, and what they may act on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from handlers.core.model import User
from storage.directory import Region


@dataclass(frozen=True)
class Actor:
    """The person behind an update and the rights they hold."""

    user: User | None
    is_provincial_admin: bool = False
    coordinator_regions: tuple[Region, ...] = ()
    desk_role: bool = False  # granted the provincial desk's role (tickets)

    @property
    def is_desk_staff(self) -> bool:
        """Who handles tickets at the desk: provincial admins and those granted the role."""
        return self.is_provincial_admin or self.desk_role

    @property
    def is_coordinator(self) -> bool:
        return bool(self.coordinator_regions)

    def coordinates(self, region_id: int | None) -> bool:
        return region_id is not None and any(r.id == region_id for r in self.coordinator_regions)

    def may_manage(self, region_id: int | None) -> bool:
        """Provincial admins manage every region; coordinators only their own."""
        return self.is_provincial_admin or self.coordinates(region_id)

    def may_act_on(self, created_by: int, region_ids: Iterable[int | None]) -> bool:
        """Whether this person may see and change something created for groups of these
        regions (a notice, a deadline): a provincial admin, or its creator while they still
        coordinate every one of those regions (rights end with a change of region)."""
        if self.is_provincial_admin:
            return True
        mine = self.user is not None and self.user.id == created_by
        return mine and all(self.coordinates(region) for region in region_ids)

    @property
    def role_text(self) -> str:
        desk = "，工单台工作人员" if self.desk_role and not self.is_provincial_admin else ""
        if self.is_provincial_admin:
            return "省级管理员"
        if self.coordinator_regions:
            names = "、".join(r.name for r in self.coordinator_regions)
            return f"市州协调员（{names}）{desk}"
        return "工单台工作人员" if self.desk_role else "成员"
