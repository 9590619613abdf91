"""The registry as the parser sees it: every active project, indexed for loose names, kept
in memory and rebuilt when the registry changes (in any process: the registry's version row)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.status.projects import Project, Registry
from storage.status_tables import StatusProject
from storage.uow import UnitOfWork


@dataclass
class ProjectIndex:
    """The service: the loose-name index of the registry, rebuilt when it changes."""

    registry: Registry | None = None
    version: int | None = None

    async def current(self, uow: UnitOfWork) -> Registry:
        """The index for the registry as it stands in this transaction."""
        version = await uow.status.registry_version()
        if uow.status.changed_registry():  # this transaction's own, uncommitted registry
            return Registry(as_parsed(p) for p in await uow.status.all_projects())
        if self.registry is None or version is None or version != self.version:
            projects = await uow.status.all_projects()
            self.registry = Registry(as_parsed(p) for p in projects)
            self.version = version
        return self.registry


def as_parsed(project: StatusProject) -> Project:
    return Project(
        id=str(project.id),
        name=project.name,
        region=project.region.name,
        aliases=tuple(project.short_names),
        org=project.organisation,
        domain=project.domain,
        target_yuan=project.target_yuan,
    )
