"""Roles: provincial admins grant and revoke regional coordinators."""

from handlers.roles.commands import FEATURE

__all__ = ["FEATURE"]
