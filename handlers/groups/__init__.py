"""Groups: binding a group to its region, listing groups, following a group's life."""

from handlers.groups.commands import FEATURE

__all__ = ["FEATURE"]
